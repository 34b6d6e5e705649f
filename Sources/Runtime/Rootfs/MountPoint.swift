#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims

/// Whether a path is the root of a mount.
public enum MountPoint {
    /// True when `path` is where a filesystem is mounted. Asks statx(2) for
    /// STATX_ATTR_MOUNT_ROOT, which costs the same however many mounts the
    /// host has (a node with a hundred pods has several hundred); kernels
    /// before 5.8 fall back to scanning /proc/self/mountinfo for `path`.
    public static func isMountPoint(_ path: String) -> Bool {
        let answer = swr_is_mount_root(path)
        if answer >= 0 { return answer == 1 }
        guard errno == EOPNOTSUPP else { return false }
        return listed(path, in: (try? FileIO.read("/proc/self/mountinfo")) ?? "")
    }

    /// Whether `mountinfo` lists a mount at `path` (field 5, octal escapes as the kernel writes them).
    static func listed(_ path: String, in mountinfo: String) -> Bool {
        mountinfo.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ", maxSplits: 5)
            return fields.count > 4 && unescapeMountinfo(String(fields[4])) == path
        }
    }
}
