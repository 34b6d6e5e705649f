import Testing
import KubeAPI
import Netlink
@testable import Proxy

/// LoadBalancer Services in the proxy: the ingress addresses programmed
/// like external IPs, `loadBalancerSourceRanges` as a firewall chain,
/// `externalTrafficPolicy: Local`, the health-check ports, and the
/// layer-2 speaker's choices and packets.
@Suite struct LoadBalancerTests {
    typealias F = Fixtures

    static func lbService(_ name: String, ips: [String], ranges: [String]? = nil, local: Bool = false, healthCheck: Int? = nil) -> Service {
        var svc = F.service(name, type: "LoadBalancer", ports: [F.port(80, nodePort: 30080)], externalLocal: local)
        svc.spec?.loadBalancerSourceRanges = ranges
        svc.spec?.healthCheckNodePort = healthCheck
        var status = ServiceStatus()
        var lb = LoadBalancerStatus()
        lb.ingress = ips.map { ip in
            var i = LoadBalancerIngress()
            i.ip = ip
            return i
        }
        status.loadBalancer = lb
        svc.status = status
        return svc
    }

    @Test func ingressAddressesAreServedAndSourceRangesFilterThem() throws {
        let svc = Self.lbService("web", ips: ["192.0.2.100", "2001:db8::1"], ranges: ["198.51.100.0/24", "2001:db8:1::/48"])
        let slice = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.1.5", node: "node-2")])
        let ports = ServiceModel.ports(of: svc, slices: [slice], family: .ipv4).ports
        #expect(ports.first?.loadBalancerIPs == [F.ip("192.0.2.100")])
        #expect(ports.first?.sourceRanges == [try #require(CIDR("198.51.100.0/24"))])
        let ruleset = F.ruleset([svc], [slice])
        let tracer = PacketTracer(ruleset, localAddresses: [F.ip("10.99.0.11")])
        let allowed = PacketTracer.Packet(source: F.ip("198.51.100.7"), destination: F.ip("192.0.2.100"), proto: .tcp, port: 80)
        #expect(tracer.endpoints(allowed, from: .outside).map(\.description) == ["10.244.1.5:8080"])
        let refused = PacketTracer.Packet(source: F.ip("203.0.113.7"), destination: F.ip("192.0.2.100"), proto: .tcp, port: 80)
        #expect(tracer.trace(refused, from: .outside).map(\.verdict) == [.drop])
        // The node port is not behind the firewall (upstream filters only the load balancer's addresses).
        let nodePort = PacketTracer.Packet(source: F.ip("203.0.113.7"), destination: F.ip("10.99.0.11"), proto: .tcp, port: 30080)
        #expect(tracer.endpoints(nodePort, from: .outside).map(\.description) == ["10.244.1.5:8080"])
        let text = RulesetText.render(ruleset)
        #expect(text.contains("ip saddr 198.51.100.0/24 goto external-"), "\(text)")
        #expect(text.contains("is not open to this source (loadBalancerSourceRanges)"))
    }

    @Test func withoutRangesTheAddressSharesTheEndpointMaps() throws {
        let svc = Self.lbService("web", ips: ["192.0.2.100"])
        let slice = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.1.5", node: "node-2"), F.endpoint("10.244.2.5", node: "node-1")])
        let tracer = PacketTracer(F.ruleset([svc], [slice]), localAddresses: [])
        let p = PacketTracer.Packet(source: F.ip("10.99.0.1"), destination: F.ip("192.0.2.100"), proto: .tcp, port: 80)
        #expect(tracer.endpoints(p, from: .outside).map(\.description).sorted() == ["10.244.1.5:8080", "10.244.2.5:8080"])
        #expect(tracer.trace(p, from: .outside).allSatisfy { $0.masqueraded })
    }

    @Test func localPolicyAnswersOnlyWithLocalEndpointsKeepsTheSourceAndCountsThem() throws {
        let svc = Self.lbService("web", ips: ["192.0.2.100"], local: true, healthCheck: 31999)
        let slice = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.1.5", node: "node-1"), F.endpoint("10.244.2.5", node: "node-2")])
        let tracer = PacketTracer(F.ruleset([svc], [slice]), localAddresses: [])
        let p = PacketTracer.Packet(source: F.ip("10.99.0.1"), destination: F.ip("192.0.2.100"), proto: .tcp, port: 80)
        let outcomes = tracer.trace(p, from: .outside)
        #expect(outcomes.map { $0.destination?.description } == ["10.244.1.5:8080"])
        #expect(outcomes.allSatisfy { !$0.masqueraded }, "the client's address is kept")
        let ports = ServiceModel.ports(of: svc, slices: [slice], family: .ipv4).ports
        #expect(ServiceHealthServers.desired(ports, node: "node-1") == [31999: .init(service: ServiceName(namespace: "default", name: "web"), localEndpoints: 1)])
        #expect(ServiceHealthServers.desired(ports, node: "node-3")[31999]?.localEndpoints == 0)
        // The speaker campaigns only where an endpoint is.
        #expect(LoadBalancerSpeaker.wanted(ports, node: "node-1").keys.map(\.description) == ["192.0.2.100"])
        #expect(LoadBalancerSpeaker.wanted(ports, node: "node-3").isEmpty)
    }

    @Test func theSpeakerAnswersOnTheSegmentThatHoldsTheAddress() throws {
        let addresses = [AddressInfo(index: 2, address: F.ip("10.99.0.11"), prefix: 24), AddressInfo(index: 1, address: F.ip("127.0.0.1"), prefix: 8)]
        let mac: [UInt8] = [2, 0, 0, 0, 0, 11]
        let links = [LinkInfo(index: 2, name: "eth0", up: true, mtu: 1500, master: nil, kind: "veth", macAddress: mac)]
        let chosen = LoadBalancerSpeaker.interface(for: F.ip("10.99.0.100"), addresses: addresses, links: links)
        #expect(chosen?.index == 2 && chosen?.mac == mac)
        #expect(LoadBalancerSpeaker.interface(for: F.ip("192.0.2.100"), addresses: addresses, links: links) == nil, "not on any segment")
        #expect(LoadBalancerSpeaker.interface(for: F.ip("10.99.0.11"), addresses: addresses, links: links) == nil, "the node's own address")
        #expect(LoadBalancerSpeaker.leaseName(F.ip("10.99.0.100")) == "swiftkube-lb-10-99-0-100")
    }

    @Test func arpAndNeighbourDiscoveryPacketsRoundTrip() throws {
        let asker: [UInt8] = [2, 0, 0, 0, 0, 1], holder: [UInt8] = [2, 0, 0, 0, 0, 11]
        let request = NeighborPackets.ARP(isRequest: true, senderMAC: asker, senderIP: F.ip("10.99.0.1"), targetMAC: [0, 0, 0, 0, 0, 0], targetIP: F.ip("10.99.0.100"))
        #expect(NeighborPackets.ARP(bytes: request.bytes) == request)
        let reply = request.reply(mac: holder)
        #expect(!reply.isRequest && reply.senderIP == F.ip("10.99.0.100") && reply.senderMAC == holder && reply.targetMAC == asker)
        #expect(reply.bytes.count == 28)
        #expect(NeighborPackets.ARP(bytes: Array(request.bytes.prefix(27))) == nil)
        // A solicitation as Linux sends it, and our advertisement's checksum verifies.
        let target = F.ip("2001:db8::100"), source = F.ip("2001:db8::1")
        var icmp: [UInt8] = [135, 0, 0, 0, 0, 0, 0, 0] + target.bytes + [1, 1] + asker
        let sum = NeighborPackets.checksum(source: source, destination: target, icmp: icmp)
        icmp[2] = UInt8(sum >> 8)
        icmp[3] = UInt8(sum & 0xff)
        let ns = [0x60, 0, 0, 0, 0, UInt8(icmp.count), 58, 255] + source.bytes + target.bytes + icmp
        let parsed = try #require(NeighborPackets.Solicitation(ipv6: ns))
        #expect(parsed.source == source && parsed.target == target)
        let na = NeighborPackets.advertisement(target: target, mac: holder, destination: source)
        #expect(na[40] == 136 && na[44] == 0x60 && Array(na[24..<40]) == source.bytes)
        #expect(NeighborPackets.checksum(source: target, destination: source, icmp: Array(na[40...])) == 0)
        #expect(NeighborPackets.solicitedNodeMAC(target) == [0x33, 0x33, 0xff, 0, 1, 0])
    }
}
