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

/// mountinfo escapes space, tab, newline and backslash as octal.
public func unescapeMountinfo(_ s: String) -> String {
    guard s.contains("\\") else { return s }
    var out: [UInt8] = []
    let bytes = Array(s.utf8)
    var i = 0
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "\\"), i + 3 < bytes.count,
           let v = UInt8(String(decoding: bytes[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
            out.append(v)
            i += 4
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}
