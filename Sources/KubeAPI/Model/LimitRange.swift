/// A limit range (core/v1): default requests and limits for the containers
/// of a namespace, and the least and most a container, pod or claim may ask
/// for, applied by the LimitRanger admission plugin.
public struct LimitRange: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "LimitRange"
    public static let resource = "limitranges"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: LimitRangeSpec?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: LimitRangeSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// The limits, one item per type.
public struct LimitRangeSpec: Sendable, Hashable, Codable {
    public var limits: [LimitRangeItem]
    public init(limits: [LimitRangeItem] = []) { self.limits = limits }
}

/// Limits of one type (`Container`, `Pod` or `PersistentVolumeClaim`).
public struct LimitRangeItem: Sendable, Hashable, Codable {
    public var type: String
    public var max: ResourceList?
    public var min: ResourceList?
    /// Default limits of containers.
    public var `default`: ResourceList?
    /// Default requests of containers.
    public var defaultRequest: ResourceList?
    public var maxLimitRequestRatio: ResourceList?
    public init(type: String) { self.type = type }
}
