public import KubeAPI
import Netlink

/// A pod as network policy sees it: where it runs, its IPv4 address, its
/// labels and its named container ports.
public struct PodInfo: Sendable, Hashable, Codable {
    public var namespace: String
    public var name: String
    public var node: String
    public var ip: UInt32
    public var labels: [String: String]
    /// Named container ports: (name, protocol number, port).
    public var namedPorts: [NamedPort]

    public struct NamedPort: Sendable, Hashable, Codable {
        public var name: String
        public var proto: UInt8
        public var port: UInt16
        public init(name: String, proto: UInt8, port: UInt16) {
            self.name = name
            self.proto = proto
            self.port = port
        }
    }

    public init(namespace: String, name: String, node: String, ip: UInt32, labels: [String: String] = [:], namedPorts: [NamedPort] = []) {
        self.namespace = namespace
        self.name = name
        self.node = node
        self.ip = ip
        self.labels = labels
        self.namedPorts = namedPorts
    }

    public var key: ObjectRef { ObjectRef(namespace: namespace, name: name) }

    /// The pod as policy sees it, or nil when policy does not apply to it:
    /// no IPv4 address yet, host network, or finished.
    public init?(_ pod: Pod) {
        guard pod.spec?.hostNetwork != true, pod.status?.phase != "Succeeded", pod.status?.phase != "Failed",
              let text = pod.status?.podIP ?? pod.status?.podIPs?.first(where: { !$0.ip.contains(":") })?.ip,
              case .v4(let ip)? = IPAddress(text) else { return nil }
        var ports: [NamedPort] = []
        let containers = (pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? [])
        for c in containers {
            for p in c.ports ?? [] {
                guard let name = p.name, !name.isEmpty, let number = p.containerPort, number > 0, number < 65536 else { continue }
                ports.append(NamedPort(name: name, proto: Proto(p.protocol)?.rawValue ?? 6, port: UInt16(number)))
            }
        }
        self.init(namespace: pod.metadata.namespace ?? "default", name: pod.metadata.name ?? "", node: pod.spec?.nodeName ?? "",
                  ip: ip, labels: pod.metadata.labels ?? [:], namedPorts: ports)
    }
}

/// A namespaced object's name.
public struct ObjectRef: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }
    public var description: String { "\(namespace)/\(name)" }
    public static func < (a: ObjectRef, b: ObjectRef) -> Bool { (a.namespace, a.name) < (b.namespace, b.name) }
}

/// The transport protocols a policy names.
public enum Proto: UInt8, Sendable, Hashable, CaseIterable {
    case tcp = 6, udp = 17, sctp = 132

    public init?(_ name: String?) {
        switch name ?? "TCP" {
        case "TCP": self = .tcp
        case "UDP": self = .udp
        case "SCTP": self = .sctp
        default: return nil
        }
    }

    public var keyword: String {
        switch self {
        case .tcp: return "tcp"
        case .udp: return "udp"
        case .sctp: return "sctp"
        }
    }
}

/// An IPv4 block.
public struct Block4: Sendable, Hashable, CustomStringConvertible {
    public var network: UInt32
    public var prefix: Int
    public init(network: UInt32, prefix: Int) {
        self.prefix = prefix
        self.network = network & Block4.mask(prefix)
    }
    public init?(_ text: String) {
        guard let c = CIDR(text), case .v4(let n) = c.network else { return nil }
        self.init(network: n, prefix: c.prefix)
    }
    public static func mask(_ prefix: Int) -> UInt32 { prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - prefix) }
    public var mask: UInt32 { Block4.mask(prefix) }
    public func contains(_ ip: UInt32) -> Bool { ip & mask == network }
    public var description: String { prefix == 32 ? IPAddress.v4(network).description : "\(IPAddress.v4(network))/\(prefix)" }
}

/// One direction of traffic a policy governs.
public enum Direction: String, Sendable, Hashable {
    case ingress, egress
    var short: String { self == .ingress ? "in" : "eg" }
}

/// A policy's rule, compiled: who (pods by selectors, IP blocks) and which ports.
public struct CompiledRule: Sendable, Hashable {
    public var direction: Direction
    public var index: Int
    /// No `from`/`to`: every peer.
    public var anyPeer: Bool
    /// Peers chosen by labels (their IPs go to the rule's peer set).
    public var selectorPeers: [SelectorPeer]
    /// Peers chosen by address (IPv4 blocks; IPv6 blocks are not enforced).
    public var blocks: [(block: Block4, except: [Block4])] { blockList.map { ($0.block, $0.except) } }
    public var blockList: [BlockPeer]
    /// nil: every port and protocol.
    public var ports: [PortMatch]?

    public struct BlockPeer: Sendable, Hashable {
        public var block: Block4
        public var except: [Block4]
    }

    /// Selectors of one peer: both must match (AND) when both are set.
    public struct SelectorPeer: Sendable, Hashable {
        /// nil: the policy's own namespace.
        public var namespaceSelector: LabelRequirements?
        /// nil: every pod of the selected namespaces.
        public var podSelector: LabelRequirements?
    }
}

/// One port entry of a rule.
public enum PortMatch: Sendable, Hashable {
    /// A protocol, every port.
    case proto(Proto)
    /// `port`…`end` (equal for one port).
    case range(Proto, UInt16, UInt16)
    /// A container port name, resolved per destination pod.
    case named(Proto, String)
}

/// A NetworkPolicy reduced to what enforcement needs.
public struct CompiledPolicy: Sendable, Hashable {
    public var ref: ObjectRef
    /// Short, stable name of the policy's chains and sets (`np-` and 12 hex digits).
    public var id: String
    public var podSelector: LabelRequirements
    public var ingress: Bool
    public var egress: Bool
    public var rules: [CompiledRule]

    public init(_ policy: NetworkPolicy) {
        let ns = policy.metadata.namespace ?? "default"
        ref = ObjectRef(namespace: ns, name: policy.metadata.name ?? "")
        id = CompiledPolicy.id(ref)
        let spec = policy.spec ?? NetworkPolicySpec()
        // A selector that does not parse selects nothing (validation refuses those).
        func requirements(_ s: LabelSelector) -> LabelRequirements {
            if let r = try? LabelRequirements(s) { return r }
            var nothing = LabelRequirements(requirements: [])
            nothing.matchesNothing = true
            return nothing
        }
        podSelector = requirements(spec.podSelector)
        let types = spec.effectivePolicyTypes
        ingress = types.contains("Ingress")
        egress = types.contains("Egress")
        func compile(_ direction: Direction, _ index: Int, peers: [NetworkPolicyPeer]?, ports: [NetworkPolicyPort]?) -> CompiledRule {
            var selectorPeers: [CompiledRule.SelectorPeer] = []
            var blocks: [CompiledRule.BlockPeer] = []
            for peer in peers ?? [] {
                if let b = peer.ipBlock {
                    // IPv6 blocks cannot match this IPv4 table's packets.
                    guard let block = Block4(b.cidr) else { continue }
                    blocks.append(.init(block: block, except: (b.except ?? []).compactMap(Block4.init)))
                } else if peer.podSelector != nil || peer.namespaceSelector != nil {
                    selectorPeers.append(.init(namespaceSelector: peer.namespaceSelector.map(requirements), podSelector: peer.podSelector.map(requirements)))
                }
            }
            var matches: [PortMatch]?
            if let ports, !ports.isEmpty {
                matches = ports.compactMap { p -> PortMatch? in
                    guard let proto = Proto(p.protocol) else { return nil }
                    switch p.port {
                    case nil: return .proto(proto)
                    case .int(let n)?:
                        guard n > 0, n < 65536 else { return nil }
                        let end = p.endPort.map { max(Int($0), n) } ?? n
                        return .range(proto, UInt16(n), UInt16(min(end, 65535)))
                    case .string(let name)?: return .named(proto, name)
                    }
                }
            }
            return CompiledRule(direction: direction, index: index, anyPeer: (peers ?? []).isEmpty, selectorPeers: selectorPeers,
                                blockList: blocks, ports: matches)
        }
        var rules: [CompiledRule] = []
        if ingress {
            for (i, r) in (spec.ingress ?? []).enumerated() { rules.append(compile(.ingress, i, peers: r.from, ports: r.ports)) }
        }
        if egress {
            for (i, r) in (spec.egress ?? []).enumerated() { rules.append(compile(.egress, i, peers: r.to, ports: r.ports)) }
        }
        self.rules = rules
    }

    /// FNV-1a of `namespace/name`: chain and set names stay short and stable.
    public static func id(_ ref: ObjectRef) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in "\(ref.namespace)/\(ref.name)".utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return "np-" + (String(repeating: "0", count: 16 - hex.count) + hex).prefix(12)
    }

    /// Whether the policy selects `pod` (its namespace, its labels).
    public func selects(_ pod: PodInfo) -> Bool {
        pod.namespace == ref.namespace && podSelector.matches(pod.labels)
    }

    /// Named ports the policy's rules name.
    public var namedPorts: Set<NamedPortKey> {
        var out = Set<NamedPortKey>()
        for r in rules {
            for case .named(let proto, let name) in r.ports ?? [] { out.insert(NamedPortKey(proto: proto, name: name)) }
        }
        return out
    }

    /// The name of the set of a rule's selector peers.
    public func peerSet(_ rule: CompiledRule) -> String { "\(id)-\(rule.direction.short)\(rule.index)-peers" }
    /// The set of the pods (of this node) the policy selects.
    public var targetSet: String { "\(id)-pods" }
    /// The policy's chain for one direction.
    public func chain(_ d: Direction) -> String { "\(id)-\(d.rawValue)" }
}

/// A container port name and protocol some policy names.
public struct NamedPortKey: Sendable, Hashable, Comparable {
    public var proto: Proto
    public var name: String
    public var set: String { "port-\(proto.keyword)-\(name)" }
    public static func < (a: NamedPortKey, b: NamedPortKey) -> Bool { a.set < b.set }
}

extension CompiledRule.SelectorPeer {
    /// Whether a pod (with its namespace's labels) is this peer, for a policy in `policyNamespace`.
    func matches(_ pod: PodInfo, namespaceLabels: [String: String], policyNamespace: String) -> Bool {
        if let ns = namespaceSelector {
            guard ns.matches(namespaceLabels) else { return false }
        } else if pod.namespace != policyNamespace {
            return false
        }
        return podSelector?.matches(pod.labels) ?? true
    }
}
