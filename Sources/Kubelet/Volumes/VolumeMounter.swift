#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem
import Foundation

/// The mounts of volumes that need the kernel's help (NFS) and their
/// removal, behind a protocol so that the decisions around them (paths,
/// options, what teardown unmounts) are tested with a recording fake.
public protocol VolumeMounter: Sendable {
    /// Mounts the NFS export `source` (`server:/path`) on `target` with
    /// `options`. A mount that fails or does not finish within `timeout`
    /// seconds throws, leaving nothing mounted on `target`.
    func mountNFS(source: String, target: String, options: [String], timeout: Double) async throws
    /// Detaches the mount on `target` (MNT_DETACH: never blocks on a server
    /// that is gone).
    func unmount(_ target: String) throws
    /// Whether a filesystem is mounted on `path`.
    func isMountPoint(_ path: String) -> Bool
}

/// The real mounts: NFS through `mount.nfs` from Debian's nfs-common (as
/// upstream's kubelet runs `mount -t nfs`): it resolves the server's name,
/// negotiates the protocol version, finds the client address NFSv4.0
/// callbacks need and starts rpc.statd for NFSv3 locking, none of which the
/// bare mount(2) does. It runs in the kubelet's network namespace.
public struct SystemVolumeMounter: VolumeMounter {
    /// Where nfs-common installs the helper.
    public static let mountNFSCandidates = ["/sbin/mount.nfs", "/usr/sbin/mount.nfs"]

    public init() {}

    public func mountNFS(source: String, target: String, options: [String], timeout: Double) async throws {
        guard let helper = Self.mountNFSCandidates.first(where: { access($0, X_OK) == 0 }) else {
            throw VolumeError("NFS volumes need mount.nfs, which is not installed on this node (apt-get install nfs-common)")
        }
        try await Blocking.run {
            try Self.run(helper: helper, source: source, target: target, options: options, timeout: timeout)
        }
    }

    static func run(helper: String, source: String, target: String, options: [String], timeout: Double) throws {
        let output = try Descriptors.memoryFile("mount.nfs")
        defer { close(output) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        var args = [helper, source, target]
        if !options.isEmpty { args += ["-o", options.joined(separator: ",")] }
        let pid = try Spawn.start(Spawn.Request(path: helper, args: args, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
                                                fds: [(null, 0), (output, 1), (output, 2)]))
        let status = try waitForExit(pid, timeout: timeout)
        let said = Self.read(output)
        guard let status, status.code == 0 else {
            // Whatever a killed or failed helper left mounted goes.
            if MountPoint.isMountPoint(target) { umount2(target, Int32(MNT_DETACH)) }
            guard let status else {
                throw VolumeError("mount of \(source) did not finish within \(Int(timeout)) s (is the server reachable from this node?); nothing is mounted")
            }
            throw VolumeError(Self.failure(source: source, status: status, output: said))
        }
    }

    /// Why a mount failed, with the kernel's missing NFS client named when that is the cause.
    static func failure(source: String, status: ExitStatus, output: String) -> String {
        var message = "mount.nfs \(source) failed (exit status \(status.shellCode))"
        if !output.isEmpty { message += ": " + output }
        if !kernelHasNFSClient() {
            message += " (this kernel has no NFS client: nfs is not in /proc/filesystems and cannot be loaded)"
        }
        return message
    }

    /// Whether the kernel can mount NFS: `nfs` in /proc/filesystems, or a module to load.
    static func kernelHasNFSClient() -> Bool {
        if ((try? FileIO.read("/proc/filesystems")) ?? "").split(separator: "\n").contains(where: { $0.hasSuffix("\tnfs") || $0.hasSuffix("\tnfs4") }) {
            return true
        }
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return FileIO.exists("/lib/modules/\(release)/kernel/fs/nfs")
    }

    static func read(_ fd: Int32) -> String {
        lseek(fd, 0, SEEK_SET)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65_536 {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func unmount(_ target: String) throws {
        try Mounts.unmount(target, detach: true)
    }

    public func isMountPoint(_ path: String) -> Bool {
        MountPoint.isMountPoint(path)
    }
}
