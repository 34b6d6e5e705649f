/// A priority class (`scheduling.k8s.io/v1`): the priority a pod naming it
/// in `spec.priorityClassName` gets, set by the Priority admission plugin.
public struct PriorityClass: KubeObject, Hashable {
    public static let apiVersion = "scheduling.k8s.io/v1"
    public static let kind = "PriorityClass"
    public static let resource = "priorityclasses"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    /// The priority; user classes at most 1,000,000,000.
    public var value: Int32
    /// Whether pods without a class get this one (at most one class).
    public var globalDefault: Bool?
    public var description: String?
    /// `PreemptLowerPriority` (the default) or `Never`.
    public var preemptionPolicy: String?

    public init(metadata: ObjectMeta = ObjectMeta(), value: Int32) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.value = value
    }

    /// Values above this are reserved for the system classes.
    public static let highestUserDefinablePriority: Int32 = 1_000_000_000
    /// The classes every cluster has, created at start.
    public static let systemClasses: [(name: String, value: Int32, description: String)] = [
        ("system-node-critical", 2_000_001_000, "Used for system critical pods that must not be moved from their current node."),
        ("system-cluster-critical", 2_000_000_000, "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary."),
    ]
}
