/// PersistentVolumeClaimVolumeSource references the user's PVC in the same namespace.
public struct PersistentVolumeClaimVolumeSource: Sendable, Hashable, Codable {
    public var claimName: String?
    public var readOnly: Bool?
    public init() {}
}

/// Represents an ephemeral volume that is handled by a normal storage driver.
public struct EphemeralVolumeSource: Sendable, Hashable, Codable {
    public var volumeClaimTemplate: PersistentVolumeClaimTemplate?
    public init() {}
}

/// Represents a source location of a volume to mount, managed by an external CSI driver.
public struct CSIVolumeSource: Sendable, Hashable, Codable {
    public var driver: String?
    public var fsType: String?
    public var nodePublishSecretRef: LocalObjectReference?
    public var readOnly: Bool?
    public var volumeAttributes: [String: String]?
    public init() {}
}

/// ImageVolumeSource represents a image volume resource.
public struct ImageVolumeSource: Sendable, Hashable, Codable {
    public var pullPolicy: String?
    public var reference: String?
    public init() {}
}

/// ClusterTrustBundleProjection describes how to select a set of ClusterTrustBundle objects and project their contents into the pod filesystem.
public struct ClusterTrustBundleProjection: Sendable, Hashable, Codable {
    public var labelSelector: LabelSelector?
    public var name: String?
    public var optional: Bool?
    public var path: String?
    public var signerName: String?
    public init() {}
}

/// PersistentVolumeClaimTemplate is used to produce PersistentVolumeClaim objects as part of an EphemeralVolumeSource.
public struct PersistentVolumeClaimTemplate: Sendable, Hashable, Codable {
    public var metadata: ObjectMeta?
    public var spec: PersistentVolumeClaimSpec?
    public init() {}
}

/// PersistentVolumeClaimSpec describes the common attributes of storage devices and allows a Source for provider-specific attributes.
public struct PersistentVolumeClaimSpec: Sendable, Hashable, Codable {
    public var accessModes: [String]?
    public var dataSource: TypedLocalObjectReference?
    public var dataSourceRef: TypedObjectReference?
    public var resources: VolumeResourceRequirements?
    public var selector: LabelSelector?
    public var storageClassName: String?
    public var volumeAttributesClassName: String?
    public var volumeMode: String?
    public var volumeName: String?
    public init() {}
}

/// TypedLocalObjectReference contains enough information to let you locate the typed referenced object inside the same namespace.
public struct TypedLocalObjectReference: Sendable, Hashable, Codable {
    public var apiGroup: String?
    public var kind: String?
    public var name: String?
    public init() {}
}

/// TypedObjectReference contains enough information to let you locate the typed referenced object.
public struct TypedObjectReference: Sendable, Hashable, Codable {
    public var apiGroup: String?
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public init() {}
}

/// VolumeResourceRequirements describes the storage resource requirements for a volume.
public struct VolumeResourceRequirements: Sendable, Hashable, Codable {
    public var limits: [String: Quantity]?
    public var requests: [String: Quantity]?
    public init() {}
}
