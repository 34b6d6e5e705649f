/// How the resolver answers: the cluster domain, the TTL of every record
/// it serves, and whether it may forward other names.
public struct ResolverConfiguration: Sendable {
    /// The cluster domain (`cluster.local`).
    public var zone: DNSName
    /// TTL of answers, and of negative answers through the SOA minimum.
    public var ttl: UInt32
    /// Whether upstream servers exist; without them other names get SERVFAIL.
    public var forwards: Bool
    /// The UDP payload size advertised in EDNS replies (1232 avoids IP fragmentation).
    public var maxUDPPayload: UInt16 = 1232

    public init(zone: DNSName, ttl: UInt32 = 5, forwards: Bool = false) {
        self.zone = zone
        self.ttl = ttl
        self.forwards = forwards
    }
}

/// How a query arrived; replies over UDP are cut to fit.
public enum DNSTransport: String, Sendable {
    case udp, tcp
}
