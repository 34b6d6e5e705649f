public import Netlink

/// Which UDP conntrack entries must go after endpoints changed. UDP has no
/// connection end: an entry to a removed endpoint would keep sending a
/// client's datagrams into the void until it times out, and an entry made
/// while a Service had no endpoints would keep bypassing the DNAT.
public enum StaleFlows {
    /// The state of one UDP Service port after a sync.
    public struct UDPPort: Hashable, Sendable {
        public var clusterIP: IPAddress?
        public var port: UInt16
        public var nodePort: UInt16?
        /// Endpoints traffic may still use.
        public var endpoints: Set<ProxyEndpoint>

        public init(clusterIP: IPAddress?, port: UInt16, nodePort: UInt16?, endpoints: Set<ProxyEndpoint>) {
            self.clusterIP = clusterIP
            self.port = port
            self.nodePort = nodePort
            self.endpoints = endpoints
        }
    }

    /// The UDP ports of `before` and `after` (the old and new ports of the
    /// Services a sync changed) whose entries may be stale. A port that is
    /// gone has no endpoints left.
    public static func ports(before: [ServicePortInfo], after: [ServicePortInfo], node: String) -> [UDPPort] {
        var out: [UDPPort] = []
        for old in before where old.proto == .udp {
            let new = after.first { $0.proto == .udp && $0.port == old.port && $0.clusterIP == old.clusterIP }
            let valid = Set((new.map { $0.clusterEndpoints(node: node) + $0.externalEndpoints(node: node) } ?? []).map { ProxyEndpoint(address: $0.address, port: $0.port) })
            let removed = old.endpoints.contains { !valid.contains(ProxyEndpoint(address: $0.address, port: $0.port)) }
            if removed || new == nil { out.append(UDPPort(clusterIP: old.clusterIP, port: old.port, nodePort: old.nodePort, endpoints: valid)) }
        }
        for new in after where new.proto == .udp && new.hasEndpoints {
            let old = before.first { $0.proto == .udp && $0.port == new.port && $0.clusterIP == new.clusterIP }
            // From no endpoints to some: entries made meanwhile were never DNATed.
            if old == nil || old?.hasEndpoints == false {
                let valid = Set((new.clusterEndpoints(node: node) + new.externalEndpoints(node: node)).map { ProxyEndpoint(address: $0.address, port: $0.port) })
                out.append(UDPPort(clusterIP: new.clusterIP, port: new.port, nodePort: new.nodePort, endpoints: valid))
            }
        }
        return out
    }

    /// The entries among `entries` that lead to no valid endpoint of `ports`.
    public static func stale(_ entries: [ConntrackEntry], ports: [UDPPort]) -> [ConntrackEntry] {
        guard !ports.isEmpty else { return [] }
        return entries.filter { e in
            guard e.proto == .udp else { return false }
            let target = ProxyEndpoint(address: e.reply.source, port: e.reply.sourcePort)
            return ports.contains { p in
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
}
