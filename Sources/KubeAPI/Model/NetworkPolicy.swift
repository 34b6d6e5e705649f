/// A network policy (`networking.k8s.io/v1`): which traffic the pods its
/// `podSelector` selects may receive (ingress) and send (egress). A pod
/// selected by any policy of a type is isolated for that type: only what
/// some selecting policy allows passes. Enforced on every node by
/// kube-proxy's network-policy enforcer (see docs/network-policy.md).
public struct NetworkPolicy: KubeObject, Hashable {
    public static let apiVersion = "networking.k8s.io/v1"
    public static let kind = "NetworkPolicy"
    public static let resource = "networkpolicies"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: NetworkPolicySpec?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: NetworkPolicySpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// What a policy selects and allows.
public struct NetworkPolicySpec: Sendable, Hashable, Codable {
    /// The pods of the policy's namespace it applies to; empty selects all of them.
    public var podSelector: LabelSelector
    /// Traffic the selected pods may receive: any rule allowing it is enough.
    public var ingress: [NetworkPolicyIngressRule]?
    /// Traffic the selected pods may send.
    public var egress: [NetworkPolicyEgressRule]?
    /// `Ingress`, `Egress` or both; defaulted to Ingress, plus Egress when egress rules are given.
    public var policyTypes: [String]?

    public init(podSelector: LabelSelector = LabelSelector(), ingress: [NetworkPolicyIngressRule]? = nil,
                egress: [NetworkPolicyEgressRule]? = nil, policyTypes: [String]? = nil) {
        self.podSelector = podSelector
        self.ingress = ingress
        self.egress = egress
        self.policyTypes = policyTypes
    }

    /// The policy types in effect: the stated ones, else upstream's default
    /// (Ingress always, Egress when there are egress rules).
    public var effectivePolicyTypes: [String] {
        if let policyTypes, !policyTypes.isEmpty { return policyTypes }
        return ["Ingress"] + ((egress ?? []).isEmpty ? [] : ["Egress"])
    }
}

/// Traffic allowed in: from any of `from` (everyone when empty) to any of `ports` (all when empty).
public struct NetworkPolicyIngressRule: Sendable, Hashable, Codable {
    public var ports: [NetworkPolicyPort]?
    public var from: [NetworkPolicyPeer]?
    public init(ports: [NetworkPolicyPort]? = nil, from: [NetworkPolicyPeer]? = nil) {
        self.ports = ports
        self.from = from
    }
}

/// Traffic allowed out: to any of `to` (everyone when empty) on any of `ports` (all when empty).
public struct NetworkPolicyEgressRule: Sendable, Hashable, Codable {
    public var ports: [NetworkPolicyPort]?
    public var to: [NetworkPolicyPeer]?
    public init(ports: [NetworkPolicyPort]? = nil, to: [NetworkPolicyPeer]? = nil) {
        self.ports = ports
        self.to = to
    }
}

/// One port (or range, or named container port) and protocol.
public struct NetworkPolicyPort: Sendable, Hashable, Codable {
    /// `TCP` (the default), `UDP` or `SCTP`.
    public var `protocol`: String?
    /// A number, or the name of a container port of the destination pod; all ports when unset.
    public var port: IntOrString?
    /// With a numeric `port`: the last port of the range `port`…`endPort`.
    public var endPort: Int32?
    public init(protocol: String? = nil, port: IntOrString? = nil, endPort: Int32? = nil) {
        self.protocol = `protocol`
        self.port = port
        self.endPort = endPort
    }
}

/// Who traffic may come from or go to: pods (by namespace and pod labels,
/// both when both are set) or an IP block.
public struct NetworkPolicyPeer: Sendable, Hashable, Codable {
    public var podSelector: LabelSelector?
    public var namespaceSelector: LabelSelector?
    public var ipBlock: IPBlock?
    public init(podSelector: LabelSelector? = nil, namespaceSelector: LabelSelector? = nil, ipBlock: IPBlock? = nil) {
        self.podSelector = podSelector
        self.namespaceSelector = namespaceSelector
        self.ipBlock = ipBlock
    }
}

/// A CIDR, less the CIDRs in `except` (each a strict subset of it).
public struct IPBlock: Sendable, Hashable, Codable {
    public var cidr: String
    public var except: [String]?
    public init(cidr: String, except: [String]? = nil) {
        self.cidr = cidr
        self.except = except
    }
}
