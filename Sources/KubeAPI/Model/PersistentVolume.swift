/// A piece of storage in the cluster (core/v1 PersistentVolume): made by an
/// administrator or provisioned for a claim through a StorageClass.
public struct PersistentVolume: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "PersistentVolume"
    public static let resource = "persistentvolumes"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeSpec?
    public var status: PersistentVolumeStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: PersistentVolumeSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// What a PersistentVolume is: its size, how it may be mounted, where it
/// comes from (exactly one source) and to which claim it is bound.
public struct PersistentVolumeSpec: Sendable, Hashable, Codable {
    /// `ReadWriteOnce`, `ReadOnlyMany`, `ReadWriteMany`, `ReadWriteOncePod`.
    public var accessModes: [String]?
    /// `storage`: the volume's size.
    public var capacity: [String: Quantity]?
    /// The claim this volume is bound to (set by the binder, or by an administrator to pre-bind).
    public var claimRef: ObjectReference?
    public var mountOptions: [String]?
    /// The nodes the volume can be reached from.
    public var nodeAffinity: VolumeNodeAffinity?
    /// `Retain`, `Delete` (the default for provisioned volumes) or `Recycle`.
    public var persistentVolumeReclaimPolicy: String?
    public var storageClassName: String?
    public var volumeAttributesClassName: String?
    /// `Filesystem` (the default) or `Block`.
    public var volumeMode: String?

    public var hostPath: HostPathVolumeSource?
    public var local: LocalVolumeSource?
    public var nfs: NFSVolumeSource?
    public var csi: CSIPersistentVolumeSource?
    public var awsElasticBlockStore: AWSElasticBlockStoreVolumeSource?
    public var azureDisk: AzureDiskVolumeSource?
    public var azureFile: AzureFilePersistentVolumeSource?
    public var cephfs: CephFSPersistentVolumeSource?
    public var cinder: CinderPersistentVolumeSource?
    public var fc: FCVolumeSource?
    public var flexVolume: FlexPersistentVolumeSource?
    public var flocker: FlockerVolumeSource?
    public var gcePersistentDisk: GCEPersistentDiskVolumeSource?
    public var glusterfs: GlusterfsPersistentVolumeSource?
    public var iscsi: ISCSIPersistentVolumeSource?
    public var photonPersistentDisk: PhotonPersistentDiskVolumeSource?
    public var portworxVolume: PortworxVolumeSource?
    public var quobyte: QuobyteVolumeSource?
    public var rbd: RBDPersistentVolumeSource?
    public var scaleIO: ScaleIOPersistentVolumeSource?
    public var storageos: StorageOSPersistentVolumeSource?
    public var vsphereVolume: VsphereVirtualDiskVolumeSource?

    public init() {}

    /// The names of the sources that are set, in upstream's order.
    public var sourceNames: [String] {
        let set: [(String, Bool)] = [
            ("gcePersistentDisk", gcePersistentDisk != nil), ("awsElasticBlockStore", awsElasticBlockStore != nil),
            ("hostPath", hostPath != nil), ("glusterfs", glusterfs != nil), ("nfs", nfs != nil), ("rbd", rbd != nil),
            ("quobyte", quobyte != nil), ("cinder", cinder != nil), ("cephfs", cephfs != nil), ("iscsi", iscsi != nil),
            ("flexVolume", flexVolume != nil), ("flocker", flocker != nil), ("fc", fc != nil), ("azureFile", azureFile != nil),
            ("vsphereVolume", vsphereVolume != nil), ("azureDisk", azureDisk != nil),
            ("photonPersistentDisk", photonPersistentDisk != nil), ("portworxVolume", portworxVolume != nil),
            ("scaleIO", scaleIO != nil), ("local", local != nil), ("storageos", storageos != nil), ("csi", csi != nil),
        ]
        return set.filter(\.1).map(\.0)
    }

    /// The size in bytes (0 when unstated).
    public var storageBytes: Int64 { capacity?["storage"]?.value ?? 0 }
}

/// Where a PersistentVolume is in its life.
public struct PersistentVolumeStatus: Sendable, Hashable, Codable {
    /// `Pending`, `Available`, `Bound`, `Released` or `Failed`.
    public var phase: String?
    public var message: String?
    public var reason: String?
    public var lastPhaseTransitionTime: Timestamp?
    public init(phase: String? = nil) { self.phase = phase }
}

/// A user's request for storage (core/v1 PersistentVolumeClaim).
public struct PersistentVolumeClaim: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "PersistentVolumeClaim"
    public static let resource = "persistentvolumeclaims"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PersistentVolumeClaimSpec?
    public var status: PersistentVolumeClaimStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: PersistentVolumeClaimSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

extension PersistentVolumeClaimSpec {
    /// The requested size in bytes (0 when unstated).
    public var requestedBytes: Int64 { resources?.requests?["storage"]?.value ?? 0 }
}

/// A claim's state: bound or not, and what it got.
public struct PersistentVolumeClaimStatus: Sendable, Hashable, Codable {
    /// `Pending`, `Bound` or `Lost`.
    public var phase: String?
    public var accessModes: [String]?
    public var capacity: [String: Quantity]?
    public var conditions: [Condition]?
    public var allocatedResources: [String: Quantity]?
    public var allocatedResourceStatuses: [String: String]?
    public var currentVolumeAttributesClassName: String?
    public var modifyVolumeStatus: ModifyVolumeStatus?
    public init(phase: String? = nil) { self.phase = phase }
}

/// The state of a claim's volume-attributes-class change.
public struct ModifyVolumeStatus: Sendable, Hashable, Codable {
    public var status: String
    public var targetVolumeAttributesClassName: String?
}

/// The nodes a volume can be reached from.
public struct VolumeNodeAffinity: Sendable, Hashable, Codable {
    public var required: NodeSelector?
    public init(required: NodeSelector? = nil) { self.required = required }
}
