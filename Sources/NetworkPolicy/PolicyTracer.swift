import Netlink

/// "Would this packet from A to B:port be allowed, and by which policy?",
/// answered by walking the same chains and sets the kernel holds.
public struct PolicyTracer: Sendable {
    public let planner: PolicyPlanner
    public let chains: PolicyChains

    public init(planner: PolicyPlanner, chains: PolicyChains? = nil) {
        self.planner = planner
        self.chains = chains ?? PolicyChains(Array(planner.policies.values))
    }

    /// A new connection's first packet (replies of allowed connections always pass).
    public struct Packet: Sendable, Hashable, CustomStringConvertible {
        public var source: UInt32
        public var destination: UInt32
        public var proto: Proto
        public var port: UInt16
        /// Sent by a node (its own address): always allowed to its pods.
        public var fromNode: Bool
        public init(source: UInt32, destination: UInt32, proto: Proto = .tcp, port: UInt16, fromNode: Bool = false) {
            self.source = source
            self.destination = destination
            self.proto = proto
            self.port = port
            self.fromNode = fromNode
        }
        public var description: String {
            "\(IPAddress.v4(source)) → \(IPAddress.v4(destination)):\(port)/\(proto.keyword.uppercased())"
        }
    }

    /// What one direction's chain decided.
    public enum Decision: Sendable, Hashable, CustomStringConvertible {
        /// No policy selects the pod for this direction.
        case notIsolated
        /// Allowed by a rule (the rule's comment: `ns/name ingress[0]`, or why).
        case allowed(String)
        /// Isolated and no rule allows it.
        case denied
        public var allows: Bool { if case .denied = self { return false }; return true }
        public var description: String {
            switch self {
            case .notIsolated: return "not isolated (no policy selects it)"
            case .allowed(let why): return "allowed by \(why)"
            case .denied: return "denied (isolated, no rule allows it)"
            }
        }
    }

    public struct Answer: Sendable, Hashable, CustomStringConvertible {
        public var packet: Packet
        public var egress: Decision
        public var ingress: Decision
        public var sourcePod: String?
        public var destinationPod: String?
        public var allowed: Bool { egress.allows && ingress.allows }
        /// The policies that decided (the ones that allowed it).
        public var policies: [String] {
            [egress, ingress].compactMap { d -> String? in
                if case .allowed(let why) = d { return why }
                return nil
            }
        }
        public var description: String {
            """
            \(packet): \(allowed ? "ALLOWED" : "DENIED")
              egress  from \(sourcePod ?? IPAddress.v4(packet.source).description): \(egress)
              ingress to   \(destinationPod ?? IPAddress.v4(packet.destination).description): \(ingress)
            """
        }
    }

    public func trace(_ packet: Packet) -> Answer {
        Answer(packet: packet, egress: walk(PolicyChains.egress, packet), ingress: walk(PolicyChains.ingress, packet),
               sourcePod: planner.pod(ip: packet.source)?.key.description, destinationPod: planner.pod(ip: packet.destination)?.key.description)
    }

    /// One base chain: the decision of its first verdict.
    func walk(_ base: String, _ packet: Packet) -> Decision {
        var isolated = false
        for rule in chains.chains[base] ?? [] where matches(rule, packet) {
            switch rule.verdict {
            case .accept:
                if rule.matches.contains(where: { if case .inSet(_, _, negate: true) = $0 { return true }; return false }) { return .notIsolated }
                return .allowed(rule.comment ?? rule.text)
            case .drop:
                return .denied
            case .jump(let chain):
                isolated = true
                for inner in chains.chains[chain] ?? [] where matches(inner, packet) {
                    if inner.verdict == .accept { return .allowed(inner.comment ?? inner.text) }
                }
            }
        }
        return isolated ? .denied : .notIsolated
    }

    func matches(_ rule: FilterRule, _ p: Packet) -> Bool {
        rule.matches.allSatisfy { m in
            switch m {
            case .established: return false
            case .inSet(let field, let set, let negate):
                let ip = field == .source ? p.source : p.destination
                return (planner.sets[set]?[SetElement(ip: ip)] != nil) != negate
            case .block(let field, let block, let negate):
                return block.contains(field == .source ? p.source : p.destination) != negate
            case .fromNode: return p.fromNode
            case .proto(let proto): return proto == p.proto
            case .port(let lo, let hi): return p.port >= lo && p.port <= hi
            case .namedPort(let set):
                return planner.sets[set]?[SetElement(ip: p.destination, proto: p.proto.rawValue, port: p.port)] != nil
            }
        }
    }
}
