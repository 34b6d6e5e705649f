#if canImport(Glibc)
import Glibc
#endif
import KubeAPI
import LinuxSystem

/// NFS volumes, inline in a pod or a PersistentVolume's source: the export
/// is mounted (in the kubelet's network namespace) at
/// `<pod dir>/volumes/kubernetes.io~nfs/<volume name>`, upstream's layout,
/// and bind-mounted from there into the containers.
extension VolumeManager {
    /// The directory under a pod's volumes where NFS exports are mounted.
    public static let nfsDirectory = "kubernetes.io~nfs"

    /// `server:/path`, with an IPv6 address in brackets.
    static func nfsSource(_ source: NFSVolumeSource) throws -> String {
        let server = source.server ?? "", path = source.path ?? ""
        guard !server.isEmpty else { throw VolumeError("nfs: no server given") }
        guard path.hasPrefix("/") else { throw VolumeError("nfs: the exported path \"\(path)\" is not absolute") }
        let host = server.contains(":") && !server.hasPrefix("[") ? "[\(server)]" : server
        return host + ":" + path
    }

    /// The mount options: the PV's `mountOptions` as given, and `ro` when the
    /// volume is read-only (upstream's nfs plugin does the same).
    static func nfsOptions(_ mountOptions: [String], readOnly: Bool) -> [String] {
        var options = mountOptions.filter { !$0.isEmpty }
        if readOnly, !options.contains("ro") { options.append("ro") }
        return options
    }

    /// Mounts an NFS export for volume `name`; returns the mount's path.
    /// Already mounted (a refresh, or a kubelet restarted since): kept.
    func mountNFS(_ source: NFSVolumeSource, mountOptions: [String], readOnly: Bool, name: String, base: String) async throws -> String {
        let remote = try Self.nfsSource(source)
        let dir = base + "/" + Self.nfsDirectory + "/" + name
        try FileIO.makeDirectories(dir, mode: 0o750)
        if mounter.isMountPoint(dir) { return dir }
        do {
            try await mounter.mountNFS(source: remote, target: dir, options: Self.nfsOptions(mountOptions, readOnly: readOnly), timeout: nfsMountTimeout)
        } catch {
            rmdir(dir)
            throw error
        }
        return dir
    }

    /// Unmounts every NFS volume under a pod's volumes directory and removes
    /// the mount points. A mount that stays fails the teardown (to be retried).
    static func unmountNFS(_ base: String, mounter: any VolumeMounter) throws {
        let parent = base + "/" + nfsDirectory
        for name in (try? FileIO.listDirectory(parent)) ?? [] {
            let dir = parent + "/" + name
            if mounter.isMountPoint(dir) { try mounter.unmount(dir) }
            guard !mounter.isMountPoint(dir) else {
                throw VolumeError("nfs volume \"\(name)\" is still mounted at \(dir) after unmounting", volume: name)
            }
            // rmdir, not a tree removal: an empty mount point is all there may be.
            if rmdir(dir) != 0, errno != ENOENT {
                throw SystemError(call: "rmdir", errno: errno, context: dir)
            }
        }
    }
}
