/// A pod disruption budget (`policy/v1`): how many of the pods its selector
/// matches may be down at once through voluntary disruptions (evictions,
/// `kubectl drain`). The disruption controller keeps its status; the
/// `pods/eviction` subresource reads and decrements `disruptionsAllowed`.
public struct PodDisruptionBudget: KubeObject, Hashable {
    public static let apiVersion = "policy/v1"
    public static let kind = "PodDisruptionBudget"
    public static let resource = "poddisruptionbudgets"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: PodDisruptionBudgetSpec?
    public var status: PodDisruptionBudgetStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: PodDisruptionBudgetSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// What a budget protects and how much.
public struct PodDisruptionBudgetSpec: Sendable, Hashable, Codable {
    /// At least this many (or this share, `NN%` rounded up) of the selected pods stay healthy.
    public var minAvailable: IntOrString?
    /// The pods the budget covers; in policy/v1 an empty selector selects every pod of the namespace.
    public var selector: LabelSelector?
    /// At most this many (or this share, `NN%` rounded up) may be unhealthy; exclusive with `minAvailable`.
    public var maxUnavailable: IntOrString?
    /// `IfHealthyBudget` (the behaviour when unset) or `AlwaysAllow`: when a
    /// running but not ready pod may be evicted.
    public var unhealthyPodEvictionPolicy: String?

    public init(minAvailable: IntOrString? = nil, maxUnavailable: IntOrString? = nil, selector: LabelSelector? = nil) {
        self.minAvailable = minAvailable
        self.maxUnavailable = maxUnavailable
        self.selector = selector
    }

    /// The values `unhealthyPodEvictionPolicy` takes.
    public static let unhealthyPodEvictionPolicies = ["AlwaysAllow", "IfHealthyBudget"]
}

/// What the disruption controller observed.
public struct PodDisruptionBudgetStatus: Sendable, Hashable, Codable {
    /// The generation the controller last saw.
    public var observedGeneration: Int64?
    /// Pods evicted (name → eviction time) that the controller has not yet
    /// seen go; entries older than two minutes are dropped.
    public var disruptedPods: [String: Timestamp]?
    /// How many more pods may be disrupted now.
    public var disruptionsAllowed: Int
    /// Healthy (Ready) pods counted.
    public var currentHealthy: Int
    /// Healthy pods the budget needs.
    public var desiredHealthy: Int
    /// Pods the budget counts: those of the pods' controllers' scale.
    public var expectedPods: Int
    /// `DisruptionAllowed`, with reasons `SufficientPods`, `InsufficientPods` and `SyncFailed`.
    public var conditions: [Condition]?

    public init(disruptionsAllowed: Int = 0, currentHealthy: Int = 0, desiredHealthy: Int = 0, expectedPods: Int = 0) {
        self.disruptionsAllowed = disruptionsAllowed
        self.currentHealthy = currentHealthy
        self.desiredHealthy = desiredHealthy
        self.expectedPods = expectedPods
    }
}
