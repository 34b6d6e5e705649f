public import Prometheus
import Foundation

/// The DNS server's Prometheus metrics under CoreDNS' names and labels
/// (its `prometheus` plugin, what kube-prometheus' CoreDNS dashboards and
/// alerts query): requests by protocol, family and query type, responses by
/// rcode, and the time to answer. `server` is `dns://ADDRESS:PORT`; `zone`
/// is `.`, the one server block we have.
public final class DNSMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let server: String
    /// CoreDNS' buckets: 0.25 ms doubling 16 times.
    static let buckets: [Duration] = (0..<16).map { .nanoseconds(Int64(250_000) << $0) }

    public init(server: String, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.server = server
        self.registry = registry
    }

    /// One answered (or dropped) query.
    public func record(query: [UInt8], reply: [UInt8]?, transport: DNSTransport, family: Int, seconds: Double) {
        let type = Self.queryType(query).map(Self.typeName) ?? "other"
        let proto = transport == .tcp ? "tcp" : "udp"
        registry.makeCounter(descriptor: .init(metricName: "coredns_dns_requests", unitName: "total", helpText: "Counter of DNS requests made per zone, protocol and family."),
                             labels: [("server", server), ("zone", "."), ("view", ""), ("proto", proto), ("family", String(family)), ("type", type)]).increment()
        registry.makeDurationHistogram(descriptor: .init(metricName: "coredns_dns_request_duration", unitName: "seconds", helpText: "Histogram of the time (in seconds) each request took per zone."),
                                       labels: [("server", server), ("zone", "."), ("view", ""), ("type", type)], buckets: Self.buckets)
            .record(.nanoseconds(Int64(seconds * 1e9)))
        guard let reply, reply.count >= 4 else { return }
        registry.makeCounter(descriptor: .init(metricName: "coredns_dns_responses", unitName: "total", helpText: "Counter of response status codes."),
                             labels: [("server", server), ("zone", "."), ("view", ""), ("rcode", Self.rcodeName(Int(reply[3] & 0x0f))), ("plugin", "")]).increment()
    }

    /// The exposition text.
    public func render() -> String {
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// The first question's QTYPE, read without trusting the packet (nil when it is malformed).
    static func queryType(_ packet: [UInt8]) -> UInt16? {
        guard packet.count > 12, packet[4] != 0 || packet[5] != 0 else { return nil }
        var i = 12
        while i < packet.count {
            let length = Int(packet[i])
            if length == 0 { break }
            guard length < 64 else { return nil }   // a pointer or an extended label: not in a question
            i += 1 + length
        }
        guard i + 2 < packet.count else { return nil }
        return UInt16(packet[i + 1]) << 8 | UInt16(packet[i + 2])
    }

    /// CoreDNS reports the common types by name and the rest as "other".
    static func typeName(_ type: UInt16) -> String {
        let names: [UInt16: String] = [1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 15: "MX", 16: "TXT", 28: "AAAA",
                                       33: "SRV", 35: "NAPTR", 43: "DS", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 50: "NSEC3",
                                       64: "SVCB", 65: "HTTPS", 255: "ANY", 252: "AXFR", 251: "IXFR"]
        return names[type] ?? "other"
    }

    static func rcodeName(_ code: Int) -> String {
        ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE"]
            .dropFirst(code).first ?? "RCODE\(code)"
    }
}
