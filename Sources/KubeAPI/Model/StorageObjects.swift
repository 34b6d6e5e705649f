/// A class of storage (`storage.k8s.io/v1` StorageClass): who provisions its
/// volumes, with which parameters, when and how they are bound and reclaimed.
public struct StorageClass: KubeObject, Hashable {
    public static let apiVersion = "storage.k8s.io/v1"
    public static let kind = "StorageClass"
    public static let resource = "storageclasses"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// The provisioner's name (`rancher.io/local-path`, a CSI driver's name, or
    /// `kubernetes.io/no-provisioner` for static volumes only).
    public var provisioner: String
    public var parameters: [String: String]?
    /// `Delete` (the default) or `Retain`.
    public var reclaimPolicy: String?
    public var mountOptions: [String]?
    public var allowVolumeExpansion: Bool?
    /// `Immediate` (the default) or `WaitForFirstConsumer`.
    public var volumeBindingMode: String?
    public var allowedTopologies: [TopologySelectorTerm]?

    public init(metadata: ObjectMeta = ObjectMeta(), provisioner: String) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.provisioner = provisioner
    }

    /// The annotation that marks the cluster's default class.
    public static let defaultClassAnnotation = "storageclass.kubernetes.io/is-default-class"
    /// Whether this is a default class.
    public var isDefault: Bool { metadata.annotations?[Self.defaultClassAnnotation] == "true" }
}

/// ORed topology terms of a StorageClass.
public struct TopologySelectorTerm: Sendable, Hashable, Codable {
    public var matchLabelExpressions: [TopologySelectorLabelRequirement]?
    public init() {}
}

/// A node label and the values it may have.
public struct TopologySelectorLabelRequirement: Sendable, Hashable, Codable {
    public var key: String
    public var values: [String]
}

/// How Kubernetes treats a CSI driver (`storage.k8s.io/v1` CSIDriver).
public struct CSIDriver: KubeObject, Hashable {
    public static let apiVersion = "storage.k8s.io/v1"
    public static let kind = "CSIDriver"
    public static let resource = "csidrivers"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: CSIDriverSpec

    public init(metadata: ObjectMeta = ObjectMeta(), spec: CSIDriverSpec = CSIDriverSpec()) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// A CSI driver's needs: attach, pod info on mount, fsGroup handling, lifecycle modes.
public struct CSIDriverSpec: Sendable, Hashable, Codable {
    public var attachRequired: Bool?
    /// `ReadWriteOnceWithFSType` (the default), `File` or `None`.
    public var fsGroupPolicy: String?
    public var podInfoOnMount: Bool?
    public var requiresRepublish: Bool?
    public var seLinuxMount: Bool?
    public var storageCapacity: Bool?
    public var tokenRequests: [CSITokenRequest]?
    /// `Persistent` (the default) and/or `Ephemeral`.
    public var volumeLifecycleModes: [String]?
    public init() {}
}

/// A service-account token a CSI driver wants on NodePublishVolume.
public struct CSITokenRequest: Sendable, Hashable, Codable {
    public var audience: String
    public var expirationSeconds: Int64?
}

/// The CSI drivers installed on one node (`storage.k8s.io/v1` CSINode, named as the node).
public struct CSINode: KubeObject, Hashable {
    public static let apiVersion = "storage.k8s.io/v1"
    public static let kind = "CSINode"
    public static let resource = "csinodes"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: CSINodeSpec

    public init(metadata: ObjectMeta = ObjectMeta(), spec: CSINodeSpec = CSINodeSpec(drivers: [])) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// The drivers of a CSINode.
public struct CSINodeSpec: Sendable, Hashable, Codable {
    public var drivers: [CSINodeDriver]
    public init(drivers: [CSINodeDriver]) { self.drivers = drivers }
}

/// One driver on a node: the node's ID for it and its topology keys.
public struct CSINodeDriver: Sendable, Hashable, Codable {
    public var name: String
    public var nodeID: String
    public var topologyKeys: [String]?
    public var allocatable: VolumeNodeResources?
    public init(name: String, nodeID: String) {
        self.name = name
        self.nodeID = nodeID
    }
}

/// How many volumes of a driver a node can take.
public struct VolumeNodeResources: Sendable, Hashable, Codable {
    public var count: Int32?
    public init() {}
}

/// A request to attach a volume to a node (`storage.k8s.io/v1` VolumeAttachment).
public struct VolumeAttachment: KubeObject, Hashable {
    public static let apiVersion = "storage.k8s.io/v1"
    public static let kind = "VolumeAttachment"
    public static let resource = "volumeattachments"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: VolumeAttachmentSpec
    public var status: VolumeAttachmentStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: VolumeAttachmentSpec) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// Which volume to attach, to which node, by which attacher (CSI driver).
public struct VolumeAttachmentSpec: Sendable, Hashable, Codable {
    public var attacher: String
    public var nodeName: String
    public var source: VolumeAttachmentSource
    public init(attacher: String, nodeName: String, source: VolumeAttachmentSource) {
        self.attacher = attacher
        self.nodeName = nodeName
        self.source = source
    }
}

/// A PersistentVolume by name, or an inline volume spec.
public struct VolumeAttachmentSource: Sendable, Hashable, Codable {
    public var persistentVolumeName: String?
    public var inlineVolumeSpec: PersistentVolumeSpec?
    public init(persistentVolumeName: String? = nil) { self.persistentVolumeName = persistentVolumeName }
}

/// Whether the volume is attached, and the last attach or detach error.
public struct VolumeAttachmentStatus: Sendable, Hashable, Codable {
    public var attached: Bool
    public var attachError: StorageVolumeError?
    public var attachmentMetadata: [String: String]?
    public var detachError: StorageVolumeError?
    public init(attached: Bool) { self.attached = attached }
}

/// An error of an attach or detach.
public struct StorageVolumeError: Sendable, Hashable, Codable {
    public var message: String?
    public var time: Timestamp?
    public init(message: String? = nil, time: Timestamp? = nil) {
        self.message = message
        self.time = time
    }
}
