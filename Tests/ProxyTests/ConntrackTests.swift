import Testing
import Netlink
@testable import Proxy

/// ctnetlink messages and the choice of stale entries.
@Suite struct ConntrackTests {
    typealias F = Fixtures

    func hex(_ bytes: [UInt8]) -> String { bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }

    @Test func deleteMessageBytes() {
        let entry = ConntrackEntry(proto: .udp,
                                   original: .init(source: F.ip("10.244.1.50"), destination: F.ip("10.96.0.10"), sourcePort: 40000, destinationPort: 53),
                                   reply: .init(source: F.ip("10.244.1.10"), destination: F.ip("10.244.1.50"), sourcePort: 5353, destinationPort: 40000))
        let m = Conntrack.deleteRequest(entry)
        #expect(m.type == 0x0102 && m.flags == [.request, .ack])
        // nfgenmsg AF_INET; CTA_TUPLE_ORIG { CTA_TUPLE_IP { src, dst }, CTA_TUPLE_PROTO { num 17, sport 40000, dport 53 } }
        #expect(hex(m.payload) == "02000000" + "34000180" + "14000180" + "08000100" + "0af40132" + "08000200" + "0a60000a"
                + "1c000280" + "05000100" + "11000000" + "06000200" + "9c400000" + "06000300" + "00350000")
        let dump = Conntrack.dumpRequest(family: .ipv4)
        #expect(dump.type == 0x0101 && dump.flags == [.request, .dump] && dump.payload == [2, 0, 0, 0])
    }

    @Test func parsesDumpReplies() throws {
        // An IPCTNL_MSG_CT_NEW reply: nfgenmsg, then the original and reply tuples (as the delete request encodes them).
        let entry = ConntrackEntry(proto: .udp,
                                   original: .init(source: F.ip("10.244.1.50"), destination: F.ip("10.96.0.10"), sourcePort: 40000, destinationPort: 53),
                                   reply: .init(source: F.ip("10.244.1.10"), destination: F.ip("10.244.1.50"), sourcePort: 5353, destinationPort: 40000))
        #expect(Conntrack.parse(try dumpReply(entry, status: false)) == entry)
        #expect(entry.isDNATed)
    }

    @Test func staleEntriesAreThoseToRemovedEndpoints() {
        let vip = F.ip("10.96.0.10")
        func entry(to endpoint: String, port: UInt16 = 53, nodePort: Bool = false) -> ConntrackEntry {
            let dst = nodePort ? F.ip("192.168.50.10") : vip
            return ConntrackEntry(proto: .udp, original: .init(source: F.ip("10.244.1.50"), destination: dst, sourcePort: 40000, destinationPort: nodePort ? 30053 : port),
                                  reply: .init(source: F.ip(endpoint), destination: F.ip("10.244.1.50"), sourcePort: nodePort && endpoint == "192.168.50.10" ? 30053 : 5353, destinationPort: 40000))
        }
        let name = ServiceName(namespace: "kube-system", name: "dns")
        let before = [ServicePortInfo(service: name, proto: .udp, port: 53, clusterIP: vip, nodePort: 30053, endpoints: [
            ProxyEndpoint(address: F.ip("10.244.1.10"), port: 5353), ProxyEndpoint(address: F.ip("10.244.1.11"), port: 5353)])]
        var after = before
        after[0].endpoints.removeLast()
        let ports = StaleFlows.ports(before: before, after: after, node: F.node)
        #expect(ports.count == 1)
        let entries = [entry(to: "10.244.1.10"), entry(to: "10.244.1.11"), entry(to: "10.244.1.11", nodePort: true),
                       entry(to: "192.168.50.10", nodePort: true), entry(to: "10.244.1.11", port: 54)]
        #expect(StaleFlows.stale(entries, ports: ports) == [entries[1], entries[2]])
        // No change in endpoints: nothing to clean.
        #expect(StaleFlows.ports(before: before, after: before, node: F.node).isEmpty)
        // From no endpoints to some: entries that were never DNATed go.
        var empty = before
        empty[0].endpoints = []
        let revived = StaleFlows.ports(before: empty, after: before, node: F.node)
        let undnated = ConntrackEntry(proto: .udp, original: .init(source: F.ip("10.244.1.50"), destination: vip, sourcePort: 40000, destinationPort: 53),
                                      reply: .init(source: vip, destination: F.ip("10.244.1.50"), sourcePort: 53, destinationPort: 40000))
        #expect(StaleFlows.stale([undnated, entries[0]], ports: revived) == [undnated])
    }

    /// An IPCTNL_MSG_CT_NEW message of a dump holding `entry` (its status says whether it was answered).
    func dumpReply(_ entry: ConntrackEntry, status: Bool = true) throws -> NetlinkReply {
        var m = Conntrack.deleteRequest(entry)
        m.type = 0x0100
        m.nested(2, flagNested: true) { t in
            t.nested(1, flagNested: true) { ip in
                ip.attribute(1, entry.reply.source.bytes)
                ip.attribute(2, entry.reply.destination.bytes)
            }
            t.nested(2, flagNested: true) { p in
                p.attribute(1, u8: entry.proto.number)
                p.attribute(2, entry.reply.sourcePort.bigEndianBytes)
                p.attribute(3, entry.reply.destinationPort.bigEndianBytes)
            }
        }
        // CTA_STATUS: IPS_CONFIRMED | IPS_DST_NAT (| IPS_SEEN_REPLY).
        if status { m.attribute(3, be32: (1 << 3) | (1 << 5) | (entry.replied ? 1 << 1 : 0)) }
        return try #require(NetlinkReply.parse(m.serialized(sequence: 1)).first)
    }

    /// A TCP connection from a pod on node-1 to the VIP, DNATed to `endpoint`.
    func tcp(to endpoint: String, sourcePort: UInt16 = 40000, replied: Bool, nodePort: Bool = false) -> ConntrackEntry {
        let dst = nodePort ? F.ip("10.99.0.11") : F.ip("10.96.0.80")
        return ConntrackEntry(proto: .tcp, original: .init(source: F.ip("10.244.1.50"), destination: dst, sourcePort: sourcePort, destinationPort: nodePort ? 30080 : 80),
                              reply: .init(source: F.ip(endpoint), destination: F.ip("10.244.1.50"), sourcePort: 8080, destinationPort: sourcePort),
                              replied: replied)
    }

    /// The web Service of the lab: one endpoint on node-1, one on node-2 (then lost).
    func webPorts(lost: Bool) -> [ServicePortInfo] {
        let name = ServiceName(namespace: "default", name: "web")
        var endpoints = [ProxyEndpoint(address: F.ip("10.244.1.10"), port: 8080, nodeName: F.node)]
        if !lost { endpoints.append(ProxyEndpoint(address: F.ip("10.244.2.10"), port: 8080, nodeName: "node-2")) }
        return [ServicePortInfo(service: name, proto: .tcp, port: 80, clusterIP: F.ip("10.96.0.80"), nodePort: 30080, endpoints: endpoints)]
    }

    @Test func parsesWhetherAnEntryWasAnswered() throws {
        let unanswered = tcp(to: "10.244.2.10", replied: false)
        #expect(Conntrack.parse(try dumpReply(unanswered)) == unanswered)
        let answered = tcp(to: "10.244.2.10", replied: true)
        #expect(Conntrack.parse(try dumpReply(answered)) == answered)
        // No CTA_STATUS: counted as answered (never deleted for TCP).
        #expect(Conntrack.parse(try dumpReply(unanswered, status: false))?.replied == true)
    }

    @Test func unansweredTCPEntriesToARemovedEndpointAreStaleAnsweredOnesDrain() {
        let ports = StaleFlows.ports(before: webPorts(lost: false), after: webPorts(lost: true), node: F.node)
        #expect(ports == [StaleFlows.Port(proto: .tcp, clusterIP: F.ip("10.96.0.80"), port: 80, nodePort: 30080,
                                          endpoints: [ProxyEndpoint(address: F.ip("10.244.1.10"), port: 8080)])])
        let entries = [
            tcp(to: "10.244.2.10", sourcePort: 40001, replied: false),                 // SYN_SENT to the lost pod: a reused port would follow it
            tcp(to: "10.244.2.10", sourcePort: 40002, replied: true),                  // established: left to drain
            tcp(to: "10.244.1.10", sourcePort: 40003, replied: false),                 // to the endpoint that stays
            tcp(to: "10.244.2.10", sourcePort: 40004, replied: false, nodePort: true), // by the NodePort
        ]
        #expect(StaleFlows.stale(entries, ports: ports) == [entries[0], entries[3]])
        // A UDP entry with the same addresses is not the TCP port's.
        var udp = entries[0]
        udp.proto = .udp
        #expect(StaleFlows.stale([udp], ports: ports).isEmpty)
        // Nothing lost, nothing stale.
        #expect(StaleFlows.ports(before: webPorts(lost: false), after: webPorts(lost: false), node: F.node).isEmpty)
    }

    @Test func cleanDumpsOnceAndDeletesTheStaleEntries() throws {
        let stale = tcp(to: "10.244.2.10", sourcePort: 40001, replied: false)
        let draining = tcp(to: "10.244.2.10", sourcePort: 40002, replied: true)
        let fake = RecordingNetlinkConnection()
        fake.scriptedReplies = [[try dumpReply(stale), try dumpReply(draining)]]
        let ports = StaleFlows.ports(before: webPorts(lost: false), after: webPorts(lost: true), node: F.node)
        let deleted = try StaleFlows.clean(Conntrack(connection: fake), family: .ipv4, ports: ports)
        #expect(deleted == [.tcp: 1])
        #expect(fake.sent.count == 2)
        #expect(fake.sent.first?.map(\.payload) == [Conntrack.dumpRequest(family: .ipv4).payload])
        #expect(fake.sent.last?.map(\.payload) == [Conntrack.deleteRequest(stale).payload])
        let none = try StaleFlows.clean(Conntrack(connection: fake), family: .ipv4, ports: [])
        #expect(none.isEmpty && fake.sent.count == 2, "no port lost an endpoint: no dump")
    }
}
