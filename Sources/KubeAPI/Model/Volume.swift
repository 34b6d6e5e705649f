/// A pod volume. Exactly one source should be set.
public struct Volume: Sendable, Hashable, Codable {
    public var name: String?
    public var hostPath: HostPathVolumeSource?
    public var emptyDir: EmptyDirVolumeSource?
    public var gcePersistentDisk: GCEPersistentDiskVolumeSource?
    public var awsElasticBlockStore: AWSElasticBlockStoreVolumeSource?
    public var gitRepo: GitRepoVolumeSource?
    public var secret: SecretVolumeSource?
    public var nfs: NFSVolumeSource?
    public var iscsi: ISCSIVolumeSource?
    public var glusterfs: GlusterfsVolumeSource?
    public var persistentVolumeClaim: PersistentVolumeClaimVolumeSource?
    public var rbd: RBDVolumeSource?
    public var flexVolume: FlexVolumeSource?
    public var cinder: CinderVolumeSource?
    public var cephfs: CephFSVolumeSource?
    public var flocker: FlockerVolumeSource?
    public var downwardAPI: DownwardAPIVolumeSource?
    public var fc: FCVolumeSource?
    public var azureFile: AzureFileVolumeSource?
    public var configMap: ConfigMapVolumeSource?
    public var vsphereVolume: VsphereVirtualDiskVolumeSource?
    public var quobyte: QuobyteVolumeSource?
    public var azureDisk: AzureDiskVolumeSource?
    public var photonPersistentDisk: PhotonPersistentDiskVolumeSource?
    public var projected: ProjectedVolumeSource?
    public var portworxVolume: PortworxVolumeSource?
    public var scaleIO: ScaleIOVolumeSource?
    public var storageos: StorageOSVolumeSource?
    public var csi: CSIVolumeSource?
    public var ephemeral: EphemeralVolumeSource?
    public var image: ImageVolumeSource?
    public init(name: String? = nil) { self.name = name }

    /// The names of the sources that are set, in upstream's order, for validation.
    public var sourceNames: [String] {
        let set: [(String, Bool)] = [
            ("hostPath", hostPath != nil),
            ("emptyDir", emptyDir != nil),
            ("gcePersistentDisk", gcePersistentDisk != nil),
            ("awsElasticBlockStore", awsElasticBlockStore != nil),
            ("gitRepo", gitRepo != nil),
            ("secret", secret != nil),
            ("nfs", nfs != nil),
            ("iscsi", iscsi != nil),
            ("glusterfs", glusterfs != nil),
            ("persistentVolumeClaim", persistentVolumeClaim != nil),
            ("rbd", rbd != nil),
            ("flexVolume", flexVolume != nil),
            ("cinder", cinder != nil),
            ("cephfs", cephfs != nil),
            ("flocker", flocker != nil),
            ("downwardAPI", downwardAPI != nil),
            ("fc", fc != nil),
            ("azureFile", azureFile != nil),
            ("configMap", configMap != nil),
            ("vsphereVolume", vsphereVolume != nil),
            ("quobyte", quobyte != nil),
            ("azureDisk", azureDisk != nil),
            ("photonPersistentDisk", photonPersistentDisk != nil),
            ("projected", projected != nil),
            ("portworxVolume", portworxVolume != nil),
            ("scaleIO", scaleIO != nil),
            ("storageos", storageos != nil),
            ("csi", csi != nil),
            ("ephemeral", ephemeral != nil),
            ("image", image != nil),
        ]
        return set.filter(\.1).map(\.0)
    }
}

/// A scratch directory on disk or in memory.
public struct EmptyDirVolumeSource: Sendable, Hashable, Codable {
    public var medium: String?
    public var sizeLimit: Quantity?
    public init() {}
}

/// A path on the node.
public struct HostPathVolumeSource: Sendable, Hashable, Codable {
    public var path: String
    public var type: String?
    public init(path: String, type: String? = nil) {
        self.path = path
        self.type = type
    }
}

/// A key of a ConfigMap or Secret projected to a file.
public struct KeyToPath: Sendable, Hashable, Codable {
    public var key: String
    public var path: String
    public var mode: Int?
}

/// A ConfigMap as files.
public struct ConfigMapVolumeSource: Sendable, Hashable, Codable {
    public var name: String?
    public var items: [KeyToPath]?
    public var defaultMode: Int?
    public var optional: Bool?
    public init() {}
}

/// A Secret as files.
public struct SecretVolumeSource: Sendable, Hashable, Codable {
    public var secretName: String?
    public var items: [KeyToPath]?
    public var defaultMode: Int?
    public var optional: Bool?
    public init() {}
}

/// Pod fields as files.
public struct DownwardAPIVolumeSource: Sendable, Hashable, Codable {
    public var items: [DownwardAPIVolumeFile]?
    public var defaultMode: Int?
    public init() {}
}

/// One downward API file.
public struct DownwardAPIVolumeFile: Sendable, Hashable, Codable {
    public var path: String
    public var fieldRef: ObjectFieldSelector?
    public var resourceFieldRef: ResourceFieldSelector?
    public var mode: Int?
}

/// Several sources merged into one directory.
public struct ProjectedVolumeSource: Sendable, Hashable, Codable {
    public var sources: [VolumeProjection]?
    public var defaultMode: Int?
    public init() {}
}

/// One source of a projected volume.
public struct VolumeProjection: Sendable, Hashable, Codable {
    public var secret: ProjectedKeys?
    public var configMap: ProjectedKeys?
    public var downwardAPI: DownwardAPIVolumeSource?
    public var serviceAccountToken: ServiceAccountTokenProjection?
    public var clusterTrustBundle: ClusterTrustBundleProjection?
    public init() {}
}

/// ConfigMap or Secret keys in a projected volume.
public struct ProjectedKeys: Sendable, Hashable, Codable {
    public var name: String?
    public var items: [KeyToPath]?
    public var optional: Bool?
    public init() {}
}

/// A service account token in a projected volume.
public struct ServiceAccountTokenProjection: Sendable, Hashable, Codable {
    public var audience: String?
    public var expirationSeconds: Int64?
    public var path: String
}
