#if canImport(Glibc)
import Glibc
#endif

/// mount(2) and umount2(2), with errors that name the mount.
///
/// ```swift
/// try Mounts.mount(source: "tmpfs", target: dir, type: "tmpfs", flags: [.noSUID, .noDev], data: "mode=0755")
/// try Mounts.unmount(dir, detach: true)
/// ```
public enum Mounts {
    /// Mounts `source` (or nothing) on `target`.
    public static func mount(source: String?, target: String, type: String?, flags: MountFlags, data: String?) throws {
        let what = "\(source ?? "none") on \(target)" + (type.map { " (type \($0))" } ?? "")
        try sys("mount", what) {
            Glibc.mount(source, target, type, flags.rawValue, data)
        }
    }

    /// Unmounts `target`; `detach` is MNT_DETACH (lazy: gone from the tree
    /// now, released when the last user lets go).
    public static func unmount(_ target: String, detach: Bool) throws {
        try sys("umount2", target) { umount2(target, detach ? Int32(MNT_DETACH) : 0) }
    }
}
