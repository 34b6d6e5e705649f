/// Node, pod and anti-pod affinity.
public struct Affinity: Sendable, Hashable, Codable {
    public var nodeAffinity: NodeAffinity?
    public var podAffinity: PodAffinity?
    public var podAntiAffinity: PodAffinity?
    public init() {}
}

/// Constraints on the nodes a pod may run on.
public struct NodeAffinity: Sendable, Hashable, Codable {
    public var requiredDuringSchedulingIgnoredDuringExecution: NodeSelector?
    public var preferredDuringSchedulingIgnoredDuringExecution: [PreferredSchedulingTerm]?
    public init() {}
}

/// ORed node selector terms.
public struct NodeSelector: Sendable, Hashable, Codable {
    public var nodeSelectorTerms: [NodeSelectorTerm]
    public init(nodeSelectorTerms: [NodeSelectorTerm]) { self.nodeSelectorTerms = nodeSelectorTerms }
}

/// ANDed requirements on node labels and fields.
public struct NodeSelectorTerm: Sendable, Hashable, Codable {
    public var matchExpressions: [NodeSelectorRequirement]?
    public var matchFields: [NodeSelectorRequirement]?
    public init() {}
}

/// `key op values` with In, NotIn, Exists, DoesNotExist, Gt, Lt.
public struct NodeSelectorRequirement: Sendable, Hashable, Codable {
    public var key: String
    public var `operator`: String
    public var values: [String]?
    public init(key: String, operator op: String, values: [String]? = nil) {
        self.key = key
        self.operator = op
        self.values = values
    }
}

/// A weighted node selector term.
public struct PreferredSchedulingTerm: Sendable, Hashable, Codable {
    public var weight: Int
    public var preference: NodeSelectorTerm
}

/// Pod affinity or anti-affinity.
public struct PodAffinity: Sendable, Hashable, Codable {
    public var requiredDuringSchedulingIgnoredDuringExecution: [PodAffinityTerm]?
    public var preferredDuringSchedulingIgnoredDuringExecution: [WeightedPodAffinityTerm]?
    public init() {}
}

/// Pods matching the selector in the namespaces, within the topology domain.
public struct PodAffinityTerm: Sendable, Hashable, Codable {
    public var labelSelector: LabelSelector?
    public var namespaces: [String]?
    public var topologyKey: String
    public var namespaceSelector: LabelSelector?
    public var matchLabelKeys: [String]?
    public var mismatchLabelKeys: [String]?
}

/// A weighted pod affinity term.
public struct WeightedPodAffinityTerm: Sendable, Hashable, Codable {
    public var weight: Int
    public var podAffinityTerm: PodAffinityTerm
}

/// A toleration of a node taint.
public struct Toleration: Sendable, Hashable, Codable {
    public var key: String?
    public var `operator`: String?
    public var value: String?
    public var effect: String?
    public var tolerationSeconds: Int64?
    public init(key: String? = nil, operator op: String? = nil, value: String? = nil, effect: String? = nil,
                tolerationSeconds: Int64? = nil) {
        self.key = key
        self.operator = op
        self.value = value
        self.effect = effect
        self.tolerationSeconds = tolerationSeconds
    }

    /// Whether this toleration tolerates the taint (Kubernetes' ToleratesTaint).
    public func tolerates(_ taint: Taint) -> Bool {
        if let effect, !effect.isEmpty, effect != taint.effect { return false }
        if let key, !key.isEmpty, key != taint.key { return false }
        switch `operator` ?? "Equal" {
        case "Exists": return true
        case "Equal", "": return (value ?? "") == (taint.value ?? "")
        default: return false
        }
    }
}

/// How pods spread over topology domains.
public struct TopologySpreadConstraint: Sendable, Hashable, Codable {
    public var maxSkew: Int
    public var topologyKey: String
    public var whenUnsatisfiable: String
    public var labelSelector: LabelSelector?
    public var minDomains: Int?
    public var nodeAffinityPolicy: String?
    public var nodeTaintsPolicy: String?
    public var matchLabelKeys: [String]?
}
