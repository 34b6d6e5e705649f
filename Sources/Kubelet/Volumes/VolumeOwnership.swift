#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// A pod's `fsGroup` applied to a volume as upstream's kubelet does
/// (`SetVolumeOwnership`): every file and directory gets the group, group
/// read and write (directories also execute and setgid, so new files
/// inherit the group). With `fsGroupChangePolicy: OnRootMismatch` the walk
/// is skipped when the volume's root already has the group and those bits.
/// The walk stays on the volume's filesystem and does not follow symlinks.
enum VolumeOwnership {
    static let groupReadWrite: mode_t = 0o060
    static let groupExecute: mode_t = 0o010

    /// Applies `group` to the tree at `root`.
    static func apply(_ root: String, group: UInt32, onRootMismatch: Bool) throws {
        var st = stat()
        guard lstat(root, &st) == 0 else { throw SystemError(call: "lstat", errno: errno, context: root) }
        if onRootMismatch, !needsChange(st, group: group) { return }
        try walk(root, device: st.st_dev, group: group)
    }

    /// Whether the root lacks the group or the bits (OnRootMismatch).
    static func needsChange(_ st: stat, group: UInt32) -> Bool {
        if st.st_gid != group { return true }
        let mask = mode(for: st.st_mode)
        return st.st_mode & mask != mask
    }

    /// The bits a file of this type must have.
    static func mode(for mode: mode_t) -> mode_t {
        (mode & S_IFMT) == S_IFDIR ? groupReadWrite | groupExecute | S_ISGID : groupReadWrite
    }

    static func walk(_ path: String, device: dev_t, group: UInt32) throws {
        var st = stat()
        guard lstat(path, &st) == 0 else { return }  // gone meanwhile
        guard st.st_dev == device else { return }    // another filesystem mounted inside
        let kind = st.st_mode & S_IFMT
        if lchown(path, UInt32.max, group) != 0 { throw SystemError(call: "lchown", errno: errno, context: path) }
        if kind == S_IFLNK { return }
        let wanted = (st.st_mode & 0o7777) | mode(for: st.st_mode)
        if wanted != st.st_mode & 0o7777, chmod(path, wanted) != 0 { throw SystemError(call: "chmod", errno: errno, context: path) }
        if kind == S_IFDIR {
            for name in try FileIO.listDirectory(path) { try walk(path + "/" + name, device: device, group: group) }
        }
    }
}
