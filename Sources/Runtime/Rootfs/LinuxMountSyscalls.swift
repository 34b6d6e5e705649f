#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
public import LinuxSystem

/// ``MountSyscalls`` on the real kernel.
public struct LinuxMountSyscalls: MountSyscalls {
    public init() {}

    public func mount(source: String?, target: String, type: String?, flags: MountFlags, data: String?) throws {
        try Mounts.mount(source: source, target: target, type: type, flags: flags, data: data)
    }

    public func unmount(_ target: String, detach: Bool) throws {
        try Mounts.unmount(target, detach: detach)
    }

    public func makeDirectories(_ path: String, mode: UInt32) throws {
        try FileIO.makeDirectories(path, mode: mode)
    }

    public func createFile(_ path: String, mode: UInt32) throws {
        try FileIO.createFile(path, mode: mode)
    }

    public func makeNode(_ path: String, type: DeviceNode.NodeType, major: Int64, minor: Int64, mode: UInt32, uid: UInt32, gid: UInt32) throws {
        let fileType: mode_t
        switch type {
        case .char: fileType = S_IFCHR
        case .block: fileType = S_IFBLK
        case .fifo: fileType = S_IFIFO
        }
        let dev = gnu_dev_makedev(UInt32(truncatingIfNeeded: major), UInt32(truncatingIfNeeded: minor))
        try sys("mknod", path) { mknod(path, fileType | mode_t(mode & 0o7777), dev) }
        try sys("chmod", path) { chmod(path, mode_t(mode & 0o7777)) }
        try sys("chown", path) { chown(path, uid, gid) }
    }

    public func symlink(_ target: String, at path: String) throws {
        if Glibc.symlink(target, path) != 0 {
            let code = errno
            if code == EEXIST, (try? readLink(path)) == target { return }
            throw SystemError(call: "symlink", errno: code, context: "\(path) → \(target)")
        }
    }

    public func removeFile(_ path: String) throws {
        try sys("unlink", path) { unlink(path) }
    }

    public func kind(of path: String) -> FileKind? {
        FileIO.kind(of: path)
    }

    public func readLink(_ path: String) throws -> String {
        try FileIO.readLink(path)
    }

    public func pivotRoot(_ newRoot: String) throws {
        // The dance runc uses: pivot_root(".", ".") stacks the old root on top
        // of the new one; detaching it from "." then leaves only the new root,
        // with no directory needed for the old one.
        let oldRoot = try sys("open", "/") { open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC) }
        defer { close(oldRoot) }
        let newRootFD = try sys("open", newRoot) { open(newRoot, O_DIRECTORY | O_RDONLY | O_CLOEXEC) }
        defer { close(newRootFD) }
        try sys("fchdir", newRoot) { fchdir(newRootFD) }
        try sys("pivot_root", newRoot) { swr_pivot_root(".", ".") }
        try sys("fchdir", "old root") { fchdir(oldRoot) }
        // Keep unmount events of the old root from reaching the host.
        try sys("mount", "make old root rslave") { Glibc.mount(nil, ".", nil, MountFlags([.slave, .recursive]).rawValue, nil) }
        try sys("umount2", "old root") { umount2(".", Int32(MNT_DETACH)) }
        try sys("chdir", "/") { chdir("/") }
    }

    public func moveRoot(_ newRoot: String) throws {
        try sys("chdir", newRoot) { chdir(newRoot) }
        try sys("mount", "move \(newRoot) to /") { Glibc.mount(newRoot, "/", nil, MountFlags.move.rawValue, nil) }
        try sys("chroot", newRoot) { chroot(".") }
        try sys("chdir", "/") { chdir("/") }
    }

    public func changeDirectory(_ path: String) throws {
        try sys("chdir", path) { chdir(path) }
    }

    public func lockedFlags(of path: String) -> MountFlags {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return [] }
        var flags: MountFlags = []
        // statvfs ST_* bits (sys/statvfs.h) share their values with MS_* for these.
        let f = UInt(st.f_flag)
        for flag: MountFlags in [.readOnly, .noSUID, .noDev, .noExec, .noAccessTime, .noDirAccessTime] where f & flag.rawValue != 0 {
            flags.insert(flag)
        }
        if f & 4096 != 0 { flags.insert(.relativeAccessTime) } // ST_RELATIME
        return flags
    }

    public func setUmask(_ mask: UInt32) -> UInt32 {
        UInt32(umask(mode_t(mask)))
    }
}
