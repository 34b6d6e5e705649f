/// A pod volume. Exactly one source should be set.
public struct Volume: Sendable, Hashable, Codable {
    public var name: String?
    public var emptyDir: EmptyDirVolumeSource?
    public var hostPath: HostPathVolumeSource?
    public var configMap: ConfigMapVolumeSource?
    public var secret: SecretVolumeSource?
    public var downwardAPI: DownwardAPIVolumeSource?
    public var projected: ProjectedVolumeSource?
    public var persistentVolumeClaim: JSONValue?
    public var nfs: JSONValue?
    public var csi: JSONValue?
    public var ephemeral: JSONValue?
    public var image: JSONValue?
    public init(name: String? = nil) { self.name = name }

    /// The names of the sources that are set, for validation.
    public var sourceNames: [String] {
        var out: [String] = []
        if emptyDir != nil { out.append("emptyDir") }
        if hostPath != nil { out.append("hostPath") }
        if configMap != nil { out.append("configMap") }
        if secret != nil { out.append("secret") }
        if downwardAPI != nil { out.append("downwardAPI") }
        if projected != nil { out.append("projected") }
        if persistentVolumeClaim != nil { out.append("persistentVolumeClaim") }
        if nfs != nil { out.append("nfs") }
        if csi != nil { out.append("csi") }
        if ephemeral != nil { out.append("ephemeral") }
        if image != nil { out.append("image") }
        return out
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
    public var clusterTrustBundle: JSONValue?
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
