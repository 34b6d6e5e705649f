#if canImport(Glibc)
import Glibc
#endif
public import KubeAPI
import Runtime
import Foundation
import LinuxSystem

/// Where volume contents come from (the API server, or fakes in tests).
public protocol VolumeSources: Sendable {
    func configMap(namespace: String, name: String) async throws -> ConfigMap?
    func secret(namespace: String, name: String) async throws -> Secret?
    /// A bound service-account token (TokenRequest).
    func serviceAccountToken(namespace: String, serviceAccount: String, audience: String?, expirationSeconds: Int64?, pod: Pod) async throws -> String
    /// A claim in the pod's namespace, nil when it does not exist.
    func persistentVolumeClaim(namespace: String, name: String) async throws -> PersistentVolumeClaim?
    /// A PersistentVolume, nil when it does not exist.
    func persistentVolume(name: String) async throws -> PersistentVolume?
    /// A CSI driver's CSIDriver object, nil when it has none.
    func csiDriver(name: String) async throws -> CSIDriver?
    /// A VolumeAttachment, nil when it does not exist.
    func volumeAttachment(name: String) async throws -> VolumeAttachment?
    /// Writes a claim's status (a finished file-system resize).
    func updateClaimStatus(_ claim: PersistentVolumeClaim) async throws
}

extension VolumeSources {
    public func csiDriver(name: String) async throws -> CSIDriver? { nil }
    public func volumeAttachment(name: String) async throws -> VolumeAttachment? { nil }
    public func updateClaimStatus(_ claim: PersistentVolumeClaim) async throws {}
}

/// A volume could not be set up; the container waits with the message.
/// `volume` names the pod volume it is about, once known (the FailedMount
/// event then reads `MountVolume.SetUp failed for volume "NAME" : …`).
public struct VolumeError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public var volume: String?
    public init(_ message: String, volume: String? = nil) {
        description = message
        self.volume = volume
    }

    /// The message of a FailedMount event, in upstream's shape.
    public var mountFailure: String {
        volume.map { "MountVolume.SetUp failed for volume \"\($0)\" : \(description)" } ?? "MountVolume.SetUp failed: \(description)"
    }
}

/// A pod's volumes once set up: volume name → host path, the volumes
/// every container gets read-only (a claim or persistent volume marked
/// `readOnly`), whatever its volumeMounts say, and the block volumes (their
/// path is a block device, for `volumeDevices`).
public struct PodVolumes: Sendable, Equatable {
    public var paths: [String: String]
    public var readOnly: Set<String>
    public var devices: Set<String>
    public init(paths: [String: String] = [:], readOnly: Set<String> = [], devices: Set<String> = []) {
        self.paths = paths
        self.readOnly = readOnly
        self.devices = devices
    }
}

/// Prepares a pod's volumes on the host under `<pod dir>/volumes` and tears
/// them down: emptyDir (disk or a size-limited tmpfs), hostPath with its
/// type checks, and configMap, secret, downwardAPI and projected volumes
/// written atomically (and rewritten when their sources change); secret and
/// projected volumes on tmpfs.
public struct VolumeManager: Sendable {
    public let sources: any VolumeSources
    /// Mounts that need the kernel (NFS), a recording fake in tests.
    public let mounter: any VolumeMounter
    /// How long an NFS mount may take before it is abandoned.
    public var nfsMountTimeout: Double
    /// The claim-backed volumes set up, for volume stats.
    public let claims: ClaimVolumes
    /// The CSI drivers registered on this node (nil: CSI volumes are refused).
    public let csi: CSIVolumePlugin?

    public init(sources: any VolumeSources, mounter: any VolumeMounter = SystemVolumeMounter(), nfsMountTimeout: Double = 30,
                claims: ClaimVolumes = ClaimVolumes(), csi: CSIVolumePlugin? = nil) {
        self.sources = sources
        self.mounter = mounter
        self.nfsMountTimeout = nfsMountTimeout
        self.claims = claims
        self.csi = csi
    }

    /// The volume types this kubelet mounts.
    public static let supportedTypes = ["emptyDir", "hostPath", "configMap", "secret", "downwardAPI", "projected", "persistentVolumeClaim", "nfs", "csi"]

    /// Why `volume` cannot be mounted here, naming its type (as upstream's
    /// kubelet names a CSI driver it does not have), or nil when it can be.
    public static func unsupported(_ volume: Volume) -> VolumeError? {
        guard let type = volume.sourceNames.first, !supportedTypes.contains(type) else { return nil }
        let name = volume.name ?? ""
        return VolumeError("volume \"\(name)\": no volume plugin matched volume type \"\(type)\" (this kubelet mounts "
                           + supportedTypes.joined(separator: ", ") + " volumes)")
    }

    /// Sets up (or refreshes) every volume; returns volume name → host path
    /// and the volumes that are read-only. A volume of a type this kubelet
    /// cannot mount fails the whole set-up before anything is made. Claims
    /// and NFS volumes set up before (in `previous`) are kept as they are:
    /// a refresh neither asks the API about them again nor remounts them.
    public func setUp(_ pod: Pod, sandbox: Sandbox, fields: PodFields, previous: PodVolumes? = nil) async throws -> PodVolumes {
        for volume in pod.spec?.volumes ?? [] {
            if let unsupported = Self.unsupported(volume) { throw unsupported }
        }
        var result = PodVolumes()
        for volume in pod.spec?.volumes ?? [] {
            guard let name = volume.name else { continue }
            if volume.persistentVolumeClaim != nil || volume.nfs != nil || volume.csi != nil, let path = previous?.paths[name] {
                if let claim = volume.persistentVolumeClaim?.claimName, path.contains("/" + CSIVolumePlugin.podDirectory + "/") {
                    do { try await expandCSIIfPending(claim: claim, name: name, pod: pod, path: path) } catch var error as VolumeError {
                        error.volume = name
                        throw error
                    }
                }
                result.paths[name] = path
                if previous?.readOnly.contains(name) == true { result.readOnly.insert(name) }
                if previous?.devices.contains(name) == true { result.devices.insert(name) }
                continue
            }
            do {
                let prepared = try await setUp(volume, name: name, pod: pod, sandbox: sandbox, fields: fields)
                result.paths[name] = prepared.path
                if prepared.readOnly { result.readOnly.insert(name) }
                if prepared.device { result.devices.insert(name) }
            } catch var error as VolumeError {
                if error.volume == nil { error.volume = name }
                throw error
            } catch {
                throw VolumeError("\(error)", volume: name)
            }
        }
        claims.set(pod.metadata.uid ?? "", (pod.spec?.volumes ?? []).compactMap { volume in
            guard let name = volume.name, let claim = volume.persistentVolumeClaim?.claimName, let path = result.paths[name],
                  !result.devices.contains(name) else { return nil }
            return ClaimVolumes.Entry(volume: name, namespace: pod.metadata.namespace ?? "default", claim: claim, path: path)
        })
        return result
    }

    /// Sets up one volume: its host path, whether it is read-only, and
    /// whether it is a block device (a claim of a `volumeMode: Block` PV).
    func setUp(_ volume: Volume, name: String, pod: Pod, sandbox: Sandbox, fields: PodFields) async throws -> (path: String, readOnly: Bool, device: Bool) {
        let fsGroup = pod.spec?.securityContext?.fsGroup.map { UInt32(truncatingIfNeeded: $0) }
        let ns = pod.metadata.namespace ?? "default"
        let base = sandbox.volumesDirectory
        if let claim = volume.persistentVolumeClaim {
            return try await setUpClaim(claim, name: name, pod: pod, base: base)
        } else if let inline = volume.csi {
            return (try await setUpInlineCSI(inline, name: name, pod: pod, base: base), inline.readOnly == true, false)
        } else if let nfs = volume.nfs {
            return (try await mountNFS(nfs, mountOptions: [], readOnly: nfs.readOnly == true, name: name, base: base), nfs.readOnly == true, false)
        } else if let emptyDir = volume.emptyDir {
            let dir = base + "/empty-dir/" + name
            try FileIO.makeDirectories(dir, mode: 0o777)
            chmod(dir, 0o777)
            if emptyDir.medium == "Memory", !isMountPoint(dir) {
                var options = "mode=1777"
                if let size = emptyDir.sizeLimit?.value, size > 0 { options += ",size=\(size)" }
                try Mounts.mount(source: "tmpfs", target: dir, type: "tmpfs", flags: [.noSUID, .noDev], data: options)
            }
            if let fsGroup { _ = chown(dir, UInt32.max, fsGroup) }
            return (dir, false, false)
        } else if let hostPath = volume.hostPath {
            try prepareHostPath(hostPath, volume: name)
            return (hostPath.path, false, false)
        } else if let cm = volume.configMap {
            let dir = base + "/configmap/" + name
            let object = try await sources.configMap(namespace: ns, name: cm.name ?? "")
            guard let object else {
                if cm.optional == true { try AtomicWriter(directory: dir, group: fsGroup).write([]); return (dir, false, false) }
                throw VolumeError("configmap \"\(cm.name ?? "")\" not found")
            }
            let data = (object.data ?? [:]).mapValues { Array($0.utf8) }.merging(VolumeManager.decoded(object.binaryData)) { a, _ in a }
            try AtomicWriter(directory: dir, group: fsGroup).write(
                try files(data, items: cm.items, defaultMode: cm.defaultMode, source: "configmap \(cm.name ?? "")", optional: cm.optional))
            return (dir, false, false)
        } else if let s = volume.secret {
            let dir = base + "/secret/" + name
            try mountMemory(dir)
            let object = try await sources.secret(namespace: ns, name: s.secretName ?? "")
            guard let object else {
                if s.optional == true { try AtomicWriter(directory: dir, group: fsGroup).write([]); return (dir, false, false) }
                throw VolumeError("secret \"\(s.secretName ?? "")\" not found")
            }
            try AtomicWriter(directory: dir, group: fsGroup).write(
                try files(VolumeManager.decoded(object.data), items: s.items, defaultMode: s.defaultMode, source: "secret \(s.secretName ?? "")", optional: s.optional))
            return (dir, false, false)
        } else if let d = volume.downwardAPI {
            let dir = base + "/downward-api/" + name
            try AtomicWriter(directory: dir, group: fsGroup).write(try downwardFiles(d.items ?? [], defaultMode: d.defaultMode, fields: fields))
            return (dir, false, false)
        } else if let projected = volume.projected {
            let dir = base + "/projected/" + name
            try mountMemory(dir)
            var all: [AtomicWriter.File] = []
            for source in projected.sources ?? [] {
                if let ref = source.configMap {
                    if let object = try await sources.configMap(namespace: ns, name: ref.name ?? "") {
                        let data = (object.data ?? [:]).mapValues { Array($0.utf8) }
                        all += try files(data, items: ref.items, defaultMode: projected.defaultMode, source: "configmap \(ref.name ?? "")", optional: ref.optional)
                    } else if ref.optional != true {
                        throw VolumeError("configmap \"\(ref.name ?? "")\" not found")
                    }
                }
                if let ref = source.secret {
                    if let object = try await sources.secret(namespace: ns, name: ref.name ?? "") {
                        all += try files(VolumeManager.decoded(object.data), items: ref.items, defaultMode: projected.defaultMode, source: "secret \(ref.name ?? "")", optional: ref.optional)
                    } else if ref.optional != true {
                        throw VolumeError("secret \"\(ref.name ?? "")\" not found")
                    }
                }
                if let downward = source.downwardAPI {
                    all += try downwardFiles(downward.items ?? [], defaultMode: projected.defaultMode, fields: fields)
                }
                if let token = source.serviceAccountToken {
                    let value = try await sources.serviceAccountToken(
                        namespace: ns, serviceAccount: pod.spec?.serviceAccountName ?? "default",
                        audience: token.audience, expirationSeconds: token.expirationSeconds, pod: pod)
                    all.append(AtomicWriter.File(path: token.path, content: Array(value.utf8), mode: UInt32(projected.defaultMode ?? 0o644)))
                }
            }
            try AtomicWriter(directory: dir, group: fsGroup).write(all)
            return (dir, false, false)
        } else if let unsupported = Self.unsupported(volume) {
            throw unsupported
        } else {
            throw VolumeError("volume \"\(name)\" has no source")
        }
    }

    func files(_ data: [String: [UInt8]], items: [KeyToPath]?, defaultMode: Int?, source: String, optional: Bool?) throws -> [AtomicWriter.File] {
        let mode = UInt32(defaultMode ?? 0o644)
        guard let items, !items.isEmpty else {
            return data.sorted { $0.key < $1.key }.map { AtomicWriter.File(path: $0.key, content: $0.value, mode: mode) }
        }
        return try items.compactMap { item in
            guard let content = data[item.key] else {
                if optional == true { return nil }
                throw VolumeError("\(source) has no key \"\(item.key)\"")
            }
            return AtomicWriter.File(path: item.path, content: content, mode: item.mode.map(UInt32.init) ?? mode)
        }
    }

    func downwardFiles(_ items: [DownwardAPIVolumeFile], defaultMode: Int?, fields: PodFields) throws -> [AtomicWriter.File] {
        try items.map { item in
            var value = ""
            if let ref = item.fieldRef {
                do { value = try fields.field(ref.fieldPath ?? "") } catch { throw VolumeError("\(error)") }
            } else if let ref = item.resourceFieldRef {
                let container = fields.pod.spec?.containers.first { $0.name == ref.containerName } ?? Container()
                do { value = try fields.resource(ref, container: container) } catch { throw VolumeError("\(error)") }
            }
            return AtomicWriter.File(path: item.path, content: Array(value.utf8), mode: UInt32(item.mode ?? defaultMode ?? 0o644))
        }
    }

    static func decoded(_ map: [String: String]?) -> [String: [UInt8]] {
        (map ?? [:]).mapValues { text in Data(base64Encoded: text).map { Array($0) } ?? Array(text.utf8) }
    }

    /// Checks (and for the …OrCreate types makes) a hostPath; a directory
    /// made here gets `mode`.
    func prepareHostPath(_ source: HostPathVolumeSource, volume: String, mode: mode_t = 0o755) throws {
        let path = source.path
        var st = stat()
        let exists = stat(path, &st) == 0
        let kind = st.st_mode & S_IFMT
        func fail(_ what: String) -> VolumeError { VolumeError("hostPath volume \"\(volume)\": \(path) is not \(what)") }
        switch source.type ?? "" {
        case "":
            return
        case "DirectoryOrCreate":
            if !exists {
                try FileIO.makeDirectories(path, mode: mode)
                chmod(path, mode)
            } else if kind != S_IFDIR {
                throw fail("a directory")
            }
        case "Directory":
            guard exists && kind == S_IFDIR else { throw fail("a directory") }
        case "FileOrCreate":
            if !exists {
                if let slash = path.lastIndex(of: "/") { try FileIO.makeDirectories(String(path[..<slash])) }
                try FileIO.createFile(path, mode: 0o644)
            } else if kind != S_IFREG { throw fail("a file") }
        case "File":
            guard exists && kind == S_IFREG else { throw fail("a file") }
        case "Socket":
            guard exists && kind == S_IFSOCK else { throw fail("a socket") }
        case "CharDevice":
            guard exists && kind == S_IFCHR else { throw fail("a character device") }
        case "BlockDevice":
            guard exists && kind == S_IFBLK else { throw fail("a block device") }
        default:
            throw VolumeError("hostPath volume \"\(volume)\": unknown type \"\(source.type ?? "")\"")
        }
    }

    /// Secret and projected volumes live in memory, as upstream's do: their
    /// contents (secrets, service-account tokens) never reach the disk. A
    /// volume already written to disk (by a kubelet before this one) stays
    /// there: its containers have it mounted, and would not see updates
    /// written to a tmpfs laid over it.
    func mountMemory(_ dir: String) throws {
        try FileIO.makeDirectories(dir, mode: 0o755)
        guard !isMountPoint(dir), (try FileIO.listDirectory(dir)).isEmpty else { return }
        try Mounts.mount(source: "tmpfs", target: dir, type: "tmpfs", flags: [.noSUID, .noDev], data: "mode=0755")
    }

    /// The volume kinds that may be tmpfs mounts.
    static let memoryBacked = ["empty-dir", "secret", "projected"]

    /// Unpublishes CSI volumes through their drivers, unmounts memory-backed
    /// and NFS volumes and removes the pod's volume directories.
    public func tearDown(_ sandbox: Sandbox) async throws {
        claims.set(sandbox.podUID, [])
        try await tearDownCSI(sandbox.volumesDirectory)
        try Self.tearDown(sandbox, mounter: mounter)
    }

    /// Unmounts and removes a sandbox's volumes (needs no API access).
    public static func tearDown(_ sandbox: Sandbox) throws {
        try tearDown(sandbox, mounter: SystemVolumeMounter())
    }

    /// Unmounts and removes a sandbox's volumes, found by the directory
    /// layout alone (so a kubelet restarted since the set-up needs no API
    /// access): tmpfs volumes, then NFS mounts. The tree is removed only
    /// once nothing is mounted in it any more: removing through a mount
    /// still in place would delete the data on the server.
    public static func tearDown(_ sandbox: Sandbox, mounter: any VolumeMounter) throws {
        let base = sandbox.volumesDirectory
        for kind in memoryBacked {
            for dir in ((try? FileIO.listDirectory(base + "/" + kind)) ?? []).map({ base + "/" + kind + "/" + $0 }) where mounter.isMountPoint(dir) {
                try mounter.unmount(dir)
            }
        }
        try unmountNFS(base, mounter: mounter)
        try checkNoCSIMounts(base, mounter: mounter)
        try FileIO.removeTree(base)
    }

    func isMountPoint(_ path: String) -> Bool { MountPoint.isMountPoint(path) }
}
