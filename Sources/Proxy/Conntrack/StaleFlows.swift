public import Netlink

/// Which conntrack entries must go after endpoints changed.
///
/// - UDP (as upstream kube-proxy's `conntrack.CleanStaleEntries`): UDP has
///   no connection end, so an entry to a removed endpoint would keep sending
///   a client's datagrams into the void until it times out, and an entry
///   made while a Service had no endpoints would keep bypassing the DNAT.
/// - TCP and SCTP: only entries that were never answered (`SYN_SENT`,
///   `[UNREPLIED]`) and lead to an endpoint that is no longer valid. Such an
///   entry lives 120 s, refreshed by every SYN that matches it, and a new
///   connection from the same client that reuses its source port (Linux
///   reuses one within seconds to a minute when a client connects to the
///   same address in a loop) is a SYN retransmission to conntrack: it keeps
///   the old DNAT and goes to the lost endpoint again. Answered connections
///   are left alone, so connections to an endpoint that is terminating
///   still drain (upstream keeps TCP entries for that reason, kubernetes
///   issue 101607; an unanswered one has nothing to drain).
public enum StaleFlows {
    /// The state of one Service port after a sync.
    public struct Port: Hashable, Sendable {
        public var proto: L4Protocol
        public var clusterIP: IPAddress?
        public var port: UInt16
        public var nodePort: UInt16?
        /// Endpoints traffic may still use.
        public var endpoints: Set<ProxyEndpoint>

        public init(proto: L4Protocol = .udp, clusterIP: IPAddress?, port: UInt16, nodePort: UInt16?, endpoints: Set<ProxyEndpoint>) {
            self.proto = proto
            self.clusterIP = clusterIP
            self.port = port
            self.nodePort = nodePort
            self.endpoints = endpoints
        }
    }

    /// The ports of `before` and `after` (the old and new ports of the
    /// Services a sync changed) whose entries may be stale: those that lost
    /// an endpoint (a port that is gone has no endpoints left), and UDP ports
    /// that had no endpoints and now have some.
    public static func ports(before: [ServicePortInfo], after: [ServicePortInfo], node: String) -> [Port] {
        func valid(_ p: ServicePortInfo) -> Set<ProxyEndpoint> {
            Set((p.clusterEndpoints(node: node) + p.externalEndpoints(node: node)).map { ProxyEndpoint(address: $0.address, port: $0.port) })
        }
        var out: [Port] = []
        for old in before {
            let new = after.first { $0.proto == old.proto && $0.port == old.port && $0.clusterIP == old.clusterIP }
            let endpoints = new.map(valid) ?? []
            let removed = old.endpoints.contains { !endpoints.contains(ProxyEndpoint(address: $0.address, port: $0.port)) }
            if removed || new == nil {
                out.append(Port(proto: old.proto, clusterIP: old.clusterIP, port: old.port, nodePort: old.nodePort, endpoints: endpoints))
            }
        }
        for new in after where new.proto == .udp && new.hasEndpoints {
            let old = before.first { $0.proto == .udp && $0.port == new.port && $0.clusterIP == new.clusterIP }
            // From no endpoints to some: entries made meanwhile were never DNATed.
            if old == nil || old?.hasEndpoints == false {
                out.append(Port(proto: .udp, clusterIP: new.clusterIP, port: new.port, nodePort: new.nodePort, endpoints: valid(new)))
            }
        }
        return out
    }

    /// The entries among `entries` that lead to no valid endpoint of
    /// `ports`: any such UDP entry, and TCP or SCTP ones never answered.
    public static func stale(_ entries: [ConntrackEntry], ports: [Port]) -> [ConntrackEntry] {
        guard !ports.isEmpty else { return [] }
        return entries.filter { e in
            guard e.proto == .udp || !e.replied else { return false }
            let target = ProxyEndpoint(address: e.reply.source, port: e.reply.sourcePort)
            return ports.contains { p in
                guard p.proto == e.proto else { return false }
                if let vip = p.clusterIP, e.original.destination == vip, e.original.destinationPort == p.port {
                    return !p.endpoints.contains(target)
                }
                if let n = p.nodePort, e.original.destinationPort == n, e.isDNATed {
                    return !p.endpoints.contains(target)
                }
                return false
            }
        }
    }

    /// Deletes the entries of `family` that `ports` make stale (one dump,
    /// then one delete per entry). Returns how many were deleted, per protocol.
    @discardableResult
    public static func clean(_ conntrack: Conntrack, family: IPFamily, ports: [Port]) throws -> [L4Protocol: Int] {
        guard !ports.isEmpty else { return [:] }
        var deleted: [L4Protocol: Int] = [:]
        for entry in stale(try conntrack.entries(family: family), ports: ports) {
            if try conntrack.delete([entry]) > 0 { deleted[entry.proto, default: 0] += 1 }
        }
        return deleted
    }
}
