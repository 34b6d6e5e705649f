public import LinuxSystem

/// The kernel calls that set up a container's root filesystem, behind a
/// protocol so the order and arguments of every mount can be checked by unit
/// tests with ``RecordingMountSyscalls``-style fakes; ``LinuxMountSyscalls``
/// performs them.
public protocol MountSyscalls: PathLookup {
    func mount(source: String?, target: String, type: String?, flags: MountFlags, data: String?) throws
    func unmount(_ target: String, detach: Bool) throws
    /// `mkdir -p` with `mode` for the directories it creates.
    func makeDirectories(_ path: String, mode: UInt32) throws
    /// Creates an empty regular file if nothing exists at `path` (a bind mount point).
    func createFile(_ path: String, mode: UInt32) throws
    func makeNode(_ path: String, type: DeviceNode.NodeType, major: Int64, minor: Int64, mode: UInt32, uid: UInt32, gid: UInt32) throws
    func symlink(_ target: String, at path: String) throws
    /// unlink(2): removes a stale file so a device node or symlink can take its place.
    func removeFile(_ path: String) throws
    /// Makes `newRoot` the root with pivot_root(2) and detaches the old root.
    func pivotRoot(_ newRoot: String) throws
    /// For roots on ramfs, where pivot_root is impossible: move the mount onto / and chroot.
    func moveRoot(_ newRoot: String) throws
    func changeDirectory(_ path: String) throws
    /// The flags of the mount holding `path` that an unprivileged remount may not clear.
    func lockedFlags(of path: String) -> MountFlags
    func setUmask(_ mask: UInt32) -> UInt32
}
