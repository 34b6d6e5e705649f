/// A replication controller (core/v1): the older ReplicaSet, whose selector
/// is a plain label map (equality only). Its controller is the ReplicaSet
/// controller's logic, as upstream's replication manager is.
public struct ReplicationController: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "ReplicationController"
    public static let resource = "replicationcontrollers"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ReplicationControllerSpec?
    public var status: ReplicationControllerStatus?
    public init(metadata: ObjectMeta = ObjectMeta(), spec: ReplicationControllerSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// Desired state of a replication controller.
public struct ReplicationControllerSpec: Sendable, Hashable, Codable {
    public var replicas: Int?
    public var minReadySeconds: Int?
    /// Pods whose labels include all of these are the controller's.
    public var selector: [String: String]?
    public var template: PodTemplateSpec?
    public init() {}
}

/// Observed state of a replication controller.
public struct ReplicationControllerStatus: Sendable, Hashable, Codable {
    public var replicas: Int
    public var fullyLabeledReplicas: Int?
    public var readyReplicas: Int?
    public var availableReplicas: Int?
    public var observedGeneration: Int64?
    public var conditions: [Condition]?
    public init(replicas: Int = 0) { self.replicas = replicas }
}
