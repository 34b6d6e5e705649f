// Volume sources only PersistentVolumes have, and the PV forms of in-tree
// sources whose secret references may name another namespace.

/// A directory, partition or disk on one node (a `local` PersistentVolume needs nodeAffinity).
public struct LocalVolumeSource: Sendable, Hashable, Codable {
    public var path: String
    public var fsType: String?
    public init(path: String) { self.path = path }
}

/// A volume of an external CSI driver.
public struct CSIPersistentVolumeSource: Sendable, Hashable, Codable {
    public var driver: String
    public var volumeHandle: String
    public var fsType: String?
    public var readOnly: Bool?
    public var volumeAttributes: [String: String]?
    public var controllerExpandSecretRef: SecretReference?
    public var controllerPublishSecretRef: SecretReference?
    public var nodeExpandSecretRef: SecretReference?
    public var nodePublishSecretRef: SecretReference?
    public var nodeStageSecretRef: SecretReference?
    public init(driver: String, volumeHandle: String) {
        self.driver = driver
        self.volumeHandle = volumeHandle
    }
}

/// A Secret by name and namespace.
public struct SecretReference: Sendable, Hashable, Codable {
    public var name: String?
    public var namespace: String?
    public init(name: String? = nil, namespace: String? = nil) {
        self.name = name
        self.namespace = namespace
    }
}

/// An Azure File share (PV form).
public struct AzureFilePersistentVolumeSource: Sendable, Hashable, Codable {
    public var secretName: String
    public var shareName: String
    public var secretNamespace: String?
    public var readOnly: Bool?
}

/// A CephFS mount (PV form).
public struct CephFSPersistentVolumeSource: Sendable, Hashable, Codable {
    public var monitors: [String]
    public var path: String?
    public var readOnly: Bool?
    public var secretFile: String?
    public var secretRef: SecretReference?
    public var user: String?
}

/// An OpenStack Cinder volume (PV form).
public struct CinderPersistentVolumeSource: Sendable, Hashable, Codable {
    public var volumeID: String
    public var fsType: String?
    public var readOnly: Bool?
    public var secretRef: SecretReference?
}

/// A FlexVolume driver's volume (PV form).
public struct FlexPersistentVolumeSource: Sendable, Hashable, Codable {
    public var driver: String
    public var fsType: String?
    public var options: [String: String]?
    public var readOnly: Bool?
    public var secretRef: SecretReference?
}

/// A GlusterFS volume (PV form).
public struct GlusterfsPersistentVolumeSource: Sendable, Hashable, Codable {
    public var endpoints: String
    public var path: String
    public var endpointsNamespace: String?
    public var readOnly: Bool?
}

/// An iSCSI disk (PV form).
public struct ISCSIPersistentVolumeSource: Sendable, Hashable, Codable {
    public var targetPortal: String
    public var iqn: String
    public var lun: Int32
    public var chapAuthDiscovery: Bool?
    public var chapAuthSession: Bool?
    public var fsType: String?
    public var initiatorName: String?
    public var iscsiInterface: String?
    public var portals: [String]?
    public var readOnly: Bool?
    public var secretRef: SecretReference?
}

/// A Ceph RBD image (PV form).
public struct RBDPersistentVolumeSource: Sendable, Hashable, Codable {
    public var monitors: [String]
    public var image: String
    public var fsType: String?
    public var keyring: String?
    public var pool: String?
    public var readOnly: Bool?
    public var secretRef: SecretReference?
    public var user: String?
}

/// A ScaleIO volume (PV form).
public struct ScaleIOPersistentVolumeSource: Sendable, Hashable, Codable {
    public var gateway: String
    public var system: String
    public var secretRef: SecretReference
    public var fsType: String?
    public var protectionDomain: String?
    public var readOnly: Bool?
    public var sslEnabled: Bool?
    public var storageMode: String?
    public var storagePool: String?
    public var volumeName: String?
}

/// A StorageOS volume (PV form).
public struct StorageOSPersistentVolumeSource: Sendable, Hashable, Codable {
    public var fsType: String?
    public var readOnly: Bool?
    public var secretRef: ObjectReference?
    public var volumeName: String?
    public var volumeNamespace: String?
}
