import Testing
import Netlink
@testable import Proxy

/// ctnetlink messages and the choice of stale UDP entries.
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
        var m = Conntrack.deleteRequest(entry)
        m.type = 0x0100
        m.nested(2, flagNested: true) { t in
            t.nested(1, flagNested: true) { ip in
                ip.attribute(1, entry.reply.source.bytes)
                ip.attribute(2, entry.reply.destination.bytes)
            }
            t.nested(2, flagNested: true) { p in
                p.attribute(1, u8: 17)
                p.attribute(2, entry.reply.sourcePort.bigEndianBytes)
                p.attribute(3, entry.reply.destinationPort.bigEndianBytes)
            }
        }
        let reply = try #require(NetlinkReply.parse(m.serialized(sequence: 1)).first)
        #expect(Conntrack.parse(reply) == entry)
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
}
