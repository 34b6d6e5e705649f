#if canImport(Glibc)
import Glibc
#endif
public import KubeAPI
import LinuxSystem

/// `persistentVolumeClaim` volumes: the claim (in the pod's namespace) and
/// the PersistentVolume bound to it are read through the API, and the PV's
/// source is set up as the kubelet's volume plugins do: hostPath (with its
/// type), local (the path must exist; fsGroup applied) and nfs. Other
/// sources, and block volumes, are refused with their name.
extension VolumeManager {
    /// The PersistentVolume sources this kubelet mounts.
    public static let persistentVolumeTypes = ["hostPath", "local", "nfs", "csi"]
    /// The sources whose block devices it hands to containers (`volumeMode: Block`).
    public static let blockVolumeTypes = ["hostPath", "local"]

    /// The device of a `volumeMode: Block` PV: its hostPath or local path,
    /// which must be a block device on this node.
    static func blockDevice(_ pv: PersistentVolume) throws -> String {
        if let unsupported = unsupported(pv) { throw unsupported }
        let path = pv.spec?.hostPath?.path ?? pv.spec?.local?.path ?? ""
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFBLK else {
            throw VolumeError("block volume \"\(pv.metadata.name ?? "")\": \(path) is not a block device on this node")
        }
        return path
    }

    /// Sets up a claim's volume: its path, and whether it is read-only (the
    /// claim source's `readOnly`, or the PV source's).
    func setUpClaim(_ claim: PersistentVolumeClaimVolumeSource, name: String, pod: Pod, base: String) async throws -> (path: String, readOnly: Bool, device: Bool) {
        // A pod already running (adopted by a restarted kubelet) keeps its
        // claim while it is being deleted: pvc-protection holds the claim
        // for it, and only pods yet to start must not get it.
        let pv = try await boundVolume(namespace: pod.metadata.namespace ?? "default", claim: claim.claimName ?? "",
                                       allowDeleting: pod.status?.phase == "Running")
        let readOnly = claim.readOnly == true || Self.sourceIsReadOnly(pv)
        let fsGroup = pod.spec?.securityContext?.fsGroup.map { UInt32(truncatingIfNeeded: $0) }
        let policy = pod.spec?.securityContext?.fsGroupChangePolicy
        if pv.spec?.volumeMode == "Block" {
            return (try Self.blockDevice(pv), readOnly, true)
        }
        if pv.spec?.csi != nil {
            return (try await setUpCSI(pv, name: name, pod: pod, base: base, readOnly: readOnly), readOnly, false)
        }
        return (try await setUp(pv, name: name, base: base, readOnly: readOnly, fsGroup: fsGroup, fsGroupChangePolicy: policy), readOnly, false)
    }

    /// The PersistentVolume a claim is bound to, or why there is none yet.
    /// A claim being deleted is refused unless `allowDeleting`.
    public func boundVolume(namespace: String, claim name: String, allowDeleting: Bool = false) async throws -> PersistentVolume {
        guard let claim = try await sources.persistentVolumeClaim(namespace: namespace, name: name) else {
            throw VolumeError("persistentvolumeclaim \"\(name)\" not found")
        }
        if claim.metadata.deletionTimestamp != nil, !allowDeleting {
            throw VolumeError("PVC \(namespace)/\(name) can't be used as it is being deleted")
        }
        guard claim.status?.phase == "Bound", let pvName = claim.spec?.volumeName, !pvName.isEmpty else {
            throw VolumeError("PVC \(namespace)/\(name) is not bound")
        }
        guard let pv = try await sources.persistentVolume(name: pvName) else {
            throw VolumeError("PVC \(namespace)/\(name) is bound to persistentvolume \"\(pvName)\", which was not found")
        }
        if let ref = pv.spec?.claimRef {
            let other = (ref.namespace.map { $0 != namespace } ?? false) || (ref.name.map { $0 != name } ?? false)
                || (ref.uid != nil && claim.metadata.uid != nil && ref.uid != claim.metadata.uid)
            if other {
                throw VolumeError("persistentvolume \"\(pvName)\" of PVC \(namespace)/\(name) is bound to another claim "
                                  + "(\(ref.namespace ?? "")/\(ref.name ?? "") uid \(ref.uid ?? "none"))")
            }
        }
        return pv
    }

    /// Whether the PV's own source says read-only.
    static func sourceIsReadOnly(_ pv: PersistentVolume) -> Bool {
        pv.spec?.nfs?.readOnly == true || pv.spec?.csi?.readOnly == true
    }

    /// Why this kubelet cannot set up `pv`, naming its source type, or nil when it can.
    public static func unsupported(_ pv: PersistentVolume) -> VolumeError? {
        let name = pv.metadata.name ?? ""
        guard let type = pv.spec?.sourceNames.first else { return VolumeError("persistentvolume \"\(name)\" has no volume source") }
        if pv.spec?.volumeMode == "Block", !blockVolumeTypes.contains(type) {
            return VolumeError("persistentvolume \"\(name)\" has volumeMode Block: this kubelet passes block devices of "
                               + blockVolumeTypes.joined(separator: " and ") + " volumes only, not of \"\(type)\"")
        }
        if persistentVolumeTypes.contains(type) { return nil }
        return VolumeError("persistentvolume \"\(name)\": no volume plugin matched volume type \"\(type)\" (this kubelet mounts "
                           + persistentVolumeTypes.joined(separator: ", ") + " persistent volumes)")
    }

    /// Sets up the PV's source for pod volume `name`; returns the path to bind-mount.
    func setUp(_ pv: PersistentVolume, name: String, base: String, readOnly: Bool, fsGroup: UInt32?, fsGroupChangePolicy: String?) async throws -> String {
        if let unsupported = Self.unsupported(pv) { throw unsupported }
        let spec = pv.spec ?? PersistentVolumeSpec()
        if let hostPath = spec.hostPath {
            try prepareHostPath(hostPath, volume: name, mode: Self.isLocalPath(pv) ? 0o777 : 0o755)
            return hostPath.path
        }
        if let local = spec.local {
            var st = stat()
            guard stat(local.path, &st) == 0 else {
                throw VolumeError("local volume \"\(pv.metadata.name ?? "")\": path \"\(local.path)\" does not exist on this node")
            }
            if (st.st_mode & S_IFMT) == S_IFBLK {
                throw VolumeError("local volume \"\(pv.metadata.name ?? "")\": \(local.path) is a block device; formatting and mounting "
                                  + "block devices is not supported by this kubelet yet")
            }
            // As upstream's local plugin: the group of a writable volume is the pod's fsGroup.
            if let fsGroup, !readOnly {
                try VolumeOwnership.apply(local.path, group: fsGroup, onRootMismatch: fsGroupChangePolicy == "OnRootMismatch")
            }
            return local.path
        }
        if let nfs = spec.nfs {
            return try await mountNFS(nfs, mountOptions: spec.mountOptions ?? [], readOnly: readOnly, name: name, base: base)
        }
        throw VolumeError("persistentvolume \"\(pv.metadata.name ?? "")\" has no volume source")
    }

    /// A volume of the built-in local-path provisioner: its directory is
    /// made world-writable, as k3s's provisioner makes it (`mkdir -m 0777`).
    static func isLocalPath(_ pv: PersistentVolume) -> Bool {
        pv.metadata.annotations?[StorageNames.provisionedBy] == StorageNames.localPathProvisioner
    }
}
