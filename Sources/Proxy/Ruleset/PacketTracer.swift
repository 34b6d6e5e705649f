public import Netlink

/// Simulates a new connection's first packet through the proxy's table, as
/// the kernel would run it, without root: which endpoint chains it can reach
/// (every branch of a `numgen` is followed), whether it is DNATed, rejected,
/// dropped or masqueraded.
///
/// ```swift
/// let tracer = PacketTracer(ruleset, localAddresses: [IPAddress("192.168.1.10")!])
/// let outcomes = tracer.trace(.init(source: pod, destination: vip, proto: .tcp, port: 80), from: .pod)
/// outcomes.compactMap(\.destination)   // every endpoint it may go to
/// ```
public struct PacketTracer: Sendable {
    /// The first packet of a connection.
    public struct Packet: Hashable, Sendable {
        public var source: IPAddress
        public var destination: IPAddress
        public var proto: L4Protocol
        public var port: UInt16
        public init(source: IPAddress, destination: IPAddress, proto: L4Protocol, port: UInt16) {
            self.source = source
            self.destination = destination
            self.proto = proto
            self.port = port
        }
    }

    /// Where the packet comes from.
    public enum Origin: Sendable {
        /// Arrives on an interface (a pod on the bridge, another host): prerouting.
        case outside
        /// Sent by a process of the node itself: output.
        case thisNode
    }

    /// What happens to the packet.
    public struct Outcome: Hashable, Sendable {
        public enum Verdict: Hashable, Sendable { case accept, drop, reject }
        public var verdict: Verdict
        /// The endpoint it was DNATed to, if any.
        public var destination: ProxyEndpoint?
        /// The endpoint chain (or endpoint map) that DNATed it.
        public var endpointChain: String?
        public var masqueraded: Bool
        /// Affinity sets the connection's source is added to.
        public var affinityUpdates: [String]
    }

    public let localAddresses: Set<IPAddress>
    /// Affinity set → source addresses already in it.
    public var affinity: [String: Set<IPAddress>] = [:]
    let chains: [String: [ProxyRule]]
    let maps: [String: [MapKey: MapTarget]]

    public init(_ ruleset: ProxyRuleset, localAddresses: Set<IPAddress>) {
        self.localAddresses = localAddresses
        chains = ruleset.allChains
        maps = Dictionary(uniqueKeysWithValues: ruleset.maps.keys.map { ($0, ruleset.elements($0)) })
    }

    struct State: Hashable {
        var packet: Packet
        /// The destination before any DNAT (conntrack's original direction).
        var originalDestination: IPAddress
        var mark: UInt32 = 0
        var dnat: ProxyEndpoint?
        var endpointChain: String?
        var affinityUpdates: [String] = []
        var verdict: Outcome.Verdict?
        var masqueraded = false
    }

    /// Every possible outcome for `packet`.
    public func trace(_ packet: Packet, from origin: Origin) -> Set<Outcome> {
        var states = [State(packet: packet, originalDestination: packet.destination)]
        if origin == .thisNode {
            states = hook(ChainNames.filterOutput, states)
            states = hook(ChainNames.natOutput, states)
        } else {
            states = hook(ChainNames.natPrerouting, states)
            states = states.flatMap { s in
                hook(localAddresses.contains(s.packet.destination) ? ChainNames.filterInput : ChainNames.filterForward, [s])
            }
        }
        states = hook(ChainNames.natPostrouting, states)
        return Set(states.map { s in
            Outcome(verdict: s.verdict ?? .accept, destination: s.dnat, endpointChain: s.endpointChain,
                    masqueraded: s.masqueraded, affinityUpdates: s.affinityUpdates)
        })
    }

    /// Runs a base chain on the packets still going (accepted by earlier hooks).
    func hook(_ chain: String, _ states: [State]) -> [State] {
        states.flatMap { s -> [State] in
            guard s.verdict == nil || s.verdict == .accept else { return [s] }
            var t = s
            t.verdict = nil
            return run(chain, t, depth: 0)
        }
    }

    /// The endpoints a packet may reach (empty when it is refused or dropped).
    public func endpoints(_ packet: Packet, from origin: Origin) -> Set<ProxyEndpoint> {
        Set(trace(packet, from: origin).filter { $0.verdict == .accept }.compactMap(\.destination))
    }

    /// Runs `chain`; returned states either carry a final verdict or fell off
    /// the end (continue in the caller).
    func run(_ chain: String, _ start: State, depth: Int) -> [State] {
        guard depth < 32, let rules = chains[chain] else { return [start] }
        var live = [start]
        var finished: [State] = []
        for rule in rules {
            var next: [State] = []
            for s in live {
                guard matches(rule.matches, s) else {
                    next.append(s)
                    continue
                }
                var t = s
                if apply(rule.statements, &t, chain: chain) {
                    finished.append(t)
                    continue
                }
                if let picks = picks(rule.statements, t) {
                    // No element for the key: the rule does not match.
                    if picks.isEmpty { next.append(t) } else { finished += picks }
                    continue
                }
                switch rule.verdict {
                case nil:
                    next.append(t)
                case .accept?: t.verdict = .accept; finished.append(t)
                case .drop?: t.verdict = .drop; finished.append(t)
                case .reject?: t.verdict = .reject; finished.append(t)
                case .return?: finished.append(t)
                case .jump(let target)?:
                    for r in run(target, t, depth: depth + 1) {
                        if r.verdict != nil { finished.append(r) } else { next.append(r) }
                    }
                case .goto(let target)?:
                    finished += run(target, t, depth: depth + 1)
                case .numgen(let targets)?:
                    for target in targets { finished += run(target, t, depth: depth + 1) }
                case .vmap(let map, let kind)?:
                    switch maps[map]?[Self.key(kind, of: t.packet)] {
                    case nil, .endpoint?, .member?: next.append(t)
                    case .drop?: t.verdict = .drop; finished.append(t)
                    case .reject?: finished += run(ChainNames.rejectChain, t, depth: depth + 1)
                    case .goto(let target)?, .gotoShared(let target, _)?: finished += run(target, t, depth: depth + 1)
                    }
                }
            }
            live = next
        }
        return finished + live
    }

    func matches(_ conditions: [ProxyRule.Match], _ s: State) -> Bool {
        conditions.allSatisfy { m in
            switch m {
            case .destination(let a): return s.packet.destination == a
            case .source(let a): return s.packet.source == a
            case .sourceNotIn(let c): return !c.contains(s.packet.source)
            case .sourceIn(let c): return c.contains(s.packet.source)
            case .destinationNotIn(let c): return !c.contains(s.packet.destination)
            case .l4proto(let p): return s.packet.proto == p
            case .destinationPort(let p): return s.packet.port == p
            case .ctStateNew: return true
            case .destinationLocal: return localAddresses.contains(s.packet.destination)
            case .sourceLocal: return localAddresses.contains(s.packet.source)
            case .markBitsClear(let bits): return s.mark & bits == 0
            case .sourceInSet(let set): return affinity[set]?.contains(s.packet.source) == true
            case .hairpinInSet(let set):
                return s.packet.source == s.packet.destination
                    && maps[set]?[.hairpin(service: s.originalDestination, endpoint: s.packet.source)] != nil
            }
        }
    }

    /// Applies statements; returns true when one of them ends evaluation (NAT).
    func apply(_ statements: [ProxyRule.Statement], _ s: inout State, chain: String) -> Bool {
        for statement in statements {
            switch statement {
            case .setMarkBits(let bits): s.mark |= bits
            case .toggleMarkBits(let bits): s.mark ^= bits
            case .updateSourceInSet(let set): s.affinityUpdates.append(set)
            case .masquerade:
                s.masqueraded = true
                s.verdict = .accept
                return true
            case .dnat(let address, let port):
                s.dnat = ProxyEndpoint(address: address, port: port)
                s.endpointChain = chain
                s.packet.destination = address
                s.packet.port = port
                s.verdict = .accept
                return true
            case .dnatPick:
                break // see picks(_:_:)
            }
        }
        return false
    }

    /// The key `packet` looks up in a map of a Service key layout.
    static func key(_ kind: MapKeyKind, of packet: Packet) -> MapKey {
        kind == .addressProtocolPort ? .addressProtocolPort(packet.destination, packet.proto, packet.port) : .protocolPort(packet.proto, packet.port)
    }

    /// Every endpoint a `dnatPick` statement may choose, each as a finished
    /// state (nil: the statements hold no pick).
    func picks(_ statements: [ProxyRule.Statement], _ s: State) -> [State]? {
        for statement in statements {
            guard case .dnatPick(let map, let kind, let modulus) = statement else { continue }
            let key = Self.key(kind, of: s.packet)
            return (0..<modulus).compactMap { i -> State? in
                guard case .endpoint(let e)? = maps[map]?[.indexed(key, UInt32(i))] else { return nil }
                var t = s
                t.dnat = e
                t.endpointChain = map
                t.packet.destination = e.address
                t.packet.port = e.port
                t.verdict = .accept
                return t
            }
        }
        return nil
    }
}
