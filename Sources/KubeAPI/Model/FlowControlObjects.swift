/// API Priority and Fairness' classification rule
/// (`flowcontrol.apiserver.k8s.io/v1` FlowSchema). The spec and status are
/// kept as JSON: the server's flow control reads its own defaults, and
/// these objects show them.
public struct FlowSchema: KubeObject, Hashable {
    public static let apiVersion = "flowcontrol.apiserver.k8s.io/v1"
    public static let kind = "FlowSchema"
    public static let resource = "flowschemas"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: JSONValue?
    public var status: JSONValue?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: JSONValue? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// An API Priority and Fairness priority level
/// (`flowcontrol.apiserver.k8s.io/v1` PriorityLevelConfiguration), spec and
/// status kept as JSON.
public struct PriorityLevelConfiguration: KubeObject, Hashable {
    public static let apiVersion = "flowcontrol.apiserver.k8s.io/v1"
    public static let kind = "PriorityLevelConfiguration"
    public static let resource = "prioritylevelconfigurations"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: JSONValue?
    public var status: JSONValue?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: JSONValue? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}
