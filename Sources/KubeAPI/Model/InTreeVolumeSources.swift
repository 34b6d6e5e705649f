// In-tree volume plugins of Kubernetes 1.32 (most are deprecated upstream in favour
// of CSI drivers). The API server stores and validates them; this kubelet mounts none
// of them and reports so on the pod (see VolumeManager).

/// Represents a Persistent Disk resource in AWS.
public struct AWSElasticBlockStoreVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var partition: Int32?
    public var readOnly: Bool?
    public var volumeID: String?
    public init() {}
}

/// AzureDisk represents an Azure Data Disk mount on the host and bind mount to the pod.
public struct AzureDiskVolumeSource: Sendable, Hashable, Codable {
    public var cachingMode: String?
    public var diskName: String?
    public var diskURI: String?
    public var fsType: String?
    public var kind: String?
    public var readOnly: Bool?
    public init() {}
}

/// AzureFile represents an Azure File Service mount on the host and bind mount to the pod.
public struct AzureFileVolumeSource: Sendable, Hashable, Codable {
    public var readOnly: Bool?
    public var secretName: String?
    public var shareName: String?
    public init() {}
}

/// Represents a Ceph Filesystem mount that lasts the lifetime of a pod Cephfs volumes do not support ownership management or SELinux relabeling.
public struct CephFSVolumeSource: Sendable, Hashable, Codable {
    public var monitors: [String]?
    public var path: String?
    public var readOnly: Bool?
    public var secretFile: String?
    public var secretRef: LocalObjectReference?
    public var user: String?
    public init() {}
}

/// Represents a cinder volume resource in Openstack.
public struct CinderVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var readOnly: Bool?
    public var secretRef: LocalObjectReference?
    public var volumeID: String?
    public init() {}
}

/// Represents a Fibre Channel volume.
public struct FCVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var lun: Int32?
    public var readOnly: Bool?
    public var targetWWNs: [String]?
    public var wwids: [String]?
    public init() {}
}

/// FlexVolume represents a generic volume resource that is provisioned/attached using an exec based plugin.
public struct FlexVolumeSource: Sendable, Hashable, Codable {
    public var driver: String?
    public var fsType: String?
    public var options: [String: String]?
    public var readOnly: Bool?
    public var secretRef: LocalObjectReference?
    public init() {}
}

/// Represents a Flocker volume mounted by the Flocker agent.
public struct FlockerVolumeSource: Sendable, Hashable, Codable {
    public var datasetName: String?
    public var datasetUUID: String?
    public init() {}
}

/// Represents a Persistent Disk resource in Google Compute Engine.
public struct GCEPersistentDiskVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var partition: Int32?
    public var pdName: String?
    public var readOnly: Bool?
    public init() {}
}

/// Represents a volume that is populated with the contents of a git repository.
public struct GitRepoVolumeSource: Sendable, Hashable, Codable {
    public var directory: String?
    public var repository: String?
    public var revision: String?
    public init() {}
}

/// Represents a Glusterfs mount that lasts the lifetime of a pod.
public struct GlusterfsVolumeSource: Sendable, Hashable, Codable {
    public var endpoints: String?
    public var path: String?
    public var readOnly: Bool?
    public init() {}
}

/// Represents an ISCSI disk.
public struct ISCSIVolumeSource: Sendable, Hashable, Codable {
    public var chapAuthDiscovery: Bool?
    public var chapAuthSession: Bool?
    public var fsType: String?
    public var initiatorName: String?
    public var iqn: String?
    public var iscsiInterface: String?
    public var lun: Int32?
    public var portals: [String]?
    public var readOnly: Bool?
    public var secretRef: LocalObjectReference?
    public var targetPortal: String?
    public init() {}
}

/// Represents an NFS mount that lasts the lifetime of a pod.
public struct NFSVolumeSource: Sendable, Hashable, Codable {
    public var path: String?
    public var readOnly: Bool?
    public var server: String?
    public init() {}
}

/// Represents a Photon Controller persistent disk resource.
public struct PhotonPersistentDiskVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var pdID: String?
    public init() {}
}

/// PortworxVolumeSource represents a Portworx volume resource.
public struct PortworxVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var readOnly: Bool?
    public var volumeID: String?
    public init() {}
}

/// Represents a Quobyte mount that lasts the lifetime of a pod.
public struct QuobyteVolumeSource: Sendable, Hashable, Codable {
    public var group: String?
    public var readOnly: Bool?
    public var registry: String?
    public var tenant: String?
    public var user: String?
    public var volume: String?
    public init() {}
}

/// Represents a Rados Block Device mount that lasts the lifetime of a pod.
public struct RBDVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var image: String?
    public var keyring: String?
    public var monitors: [String]?
    public var pool: String?
    public var readOnly: Bool?
    public var secretRef: LocalObjectReference?
    public var user: String?
    public init() {}
}

/// ScaleIOVolumeSource represents a persistent ScaleIO volume.
public struct ScaleIOVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var gateway: String?
    public var protectionDomain: String?
    public var readOnly: Bool?
    public var secretRef: LocalObjectReference?
    public var sslEnabled: Bool?
    public var storageMode: String?
    public var storagePool: String?
    public var system: String?
    public var volumeName: String?
    public init() {}
}

/// Represents a StorageOS persistent volume resource.
public struct StorageOSVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var readOnly: Bool?
    public var secretRef: LocalObjectReference?
    public var volumeName: String?
    public var volumeNamespace: String?
    public init() {}
}

/// Represents a vSphere volume resource.
public struct VsphereVirtualDiskVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var storagePolicyID: String?
    public var storagePolicyName: String?
    public var volumePath: String?
    public init() {}
}
