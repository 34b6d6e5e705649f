/// The health of a control-plane component (core/v1 `ComponentStatus`,
/// deprecated upstream since 1.19 but still what `kubectl get cs` shows).
/// Computed on each read, never stored.
public struct ComponentStatus: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "ComponentStatus"
    public static let resource = "componentstatuses"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var conditions: [ComponentCondition]?
    public init(metadata: ObjectMeta = ObjectMeta(), conditions: [ComponentCondition]? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.conditions = conditions
    }
}

/// One condition of a component: `Healthy` with its probe's message or error.
public struct ComponentCondition: Sendable, Hashable, Codable {
    public var type: String
    public var status: String
    public var message: String?
    public var error: String?
    public init(type: String, status: String, message: String? = nil, error: String? = nil) {
        self.type = type
        self.status = status
        self.message = message
        self.error = error
    }
}
