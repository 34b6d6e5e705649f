import Testing
import KubeAPI
import Netlink
@testable import Proxy

/// The ruleset simulated: where does a connection go? Each test runs over
/// both layouts: endpoint maps (the default) and upstream's chains.
@Suite struct PacketTracerTests {
    typealias F = Fixtures
    let nodeIP = Fixtures.ip("192.168.50.10")
    let pod = Fixtures.ip("10.244.1.50")
    let outsider = Fixtures.ip("192.168.50.99")

    func tracer(_ services: [Service], _ slices: [EndpointSlice], _ endpointMaps: Bool) -> PacketTracer {
        PacketTracer(F.ruleset(services, slices, endpointMaps: endpointMaps), localAddresses: [nodeIP, F.ip("127.0.0.1")])
    }

    func endpoints(_ list: [String], port: UInt16 = 8080) -> Set<ProxyEndpoint> {
        Set(list.map { ProxyEndpoint(address: F.ip($0), port: port) })
    }

    @Test(arguments: [true, false]) func clusterIPReachesEveryEndpointFromPodsAndNode(endpointMaps: Bool) {
        let (s, e) = RulesetTests.webService()
        let t = tracer(s, e, endpointMaps)
        let toVIP = PacketTracer.Packet(source: pod, destination: F.ip("10.96.0.10"), proto: .tcp, port: 80)
        #expect(t.endpoints(toVIP, from: .outside) == endpoints(["10.244.1.10", "10.244.1.11"]))
        #expect(t.trace(toVIP, from: .outside).allSatisfy { !$0.masqueraded })
        var fromNode = toVIP
        fromNode.source = nodeIP
        // From the node itself (outside the cluster CIDR): DNATed and masqueraded.
        let outcomes = t.trace(fromNode, from: .thisNode)
        #expect(Set(outcomes.compactMap(\.destination)) == endpoints(["10.244.1.10", "10.244.1.11"]))
        #expect(outcomes.allSatisfy { $0.masqueraded })
        // Wrong port or protocol: untouched.
        var udp = toVIP
        udp.proto = .udp
        #expect(t.trace(udp, from: .outside) == [.init(verdict: .accept, destination: nil, endpointChain: nil, masqueraded: false, affinityUpdates: [])])
    }

    @Test(arguments: [true, false]) func hairpinIsMasqueraded(endpointMaps: Bool) {
        let (s, e) = RulesetTests.webService(endpoints: ["10.244.1.10"])
        let t = tracer(s, e, endpointMaps)
        let fromEndpoint = PacketTracer.Packet(source: F.ip("10.244.1.10"), destination: F.ip("10.96.0.10"), proto: .tcp, port: 80)
        #expect(t.trace(fromEndpoint, from: .outside).allSatisfy { $0.masqueraded })
    }

    @Test(arguments: [true, false]) func nodePortFromOutsideIsMasqueraded(endpointMaps: Bool) {
        let (s, e) = RulesetTests.webService()
        let t = tracer(s, e, endpointMaps)
        let p = PacketTracer.Packet(source: outsider, destination: nodeIP, proto: .tcp, port: 30080)
        let outcomes = t.trace(p, from: .outside)
        #expect(Set(outcomes.compactMap(\.destination)) == endpoints(["10.244.1.10", "10.244.1.11"]))
        #expect(outcomes.allSatisfy { $0.masqueraded })
        // Not on loopback, and not on addresses that are not the node's.
        #expect(t.endpoints(.init(source: F.ip("127.0.0.1"), destination: F.ip("127.0.0.1"), proto: .tcp, port: 30080), from: .thisNode).isEmpty)
        #expect(t.endpoints(.init(source: outsider, destination: F.ip("192.168.50.11"), proto: .tcp, port: 30080), from: .outside).isEmpty)
    }

    @Test(arguments: [true, false]) func noEndpointsIsRejectedAtOnce(endpointMaps: Bool) {
        let (s, _) = RulesetTests.webService()
        let t = tracer(s, [], endpointMaps)
        let toVIP = PacketTracer.Packet(source: pod, destination: F.ip("10.96.0.10"), proto: .tcp, port: 80)
        #expect(t.trace(toVIP, from: .outside).map(\.verdict) == [.reject])
        #expect(t.trace(toVIP, from: .thisNode).map(\.verdict) == [.reject])
        #expect(t.trace(.init(source: outsider, destination: nodeIP, proto: .tcp, port: 30080), from: .outside).map(\.verdict) == [.reject])
    }

    @Test(arguments: [true, false]) func terminatingEndpointsOnlyWhenNoneReady(endpointMaps: Bool) {
        let svc = F.service("web", ports: [F.port(80)])
        let both = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.1.10"),
                                                                F.endpoint("10.244.1.11", ready: false, serving: true, terminating: true)])
        let p = PacketTracer.Packet(source: pod, destination: F.ip("10.96.0.10"), proto: .tcp, port: 80)
        #expect(tracer([svc], [both], endpointMaps).endpoints(p, from: .outside) == endpoints(["10.244.1.10"]))
        let onlyTerminating = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.1.11", ready: false, serving: true, terminating: true)])
        #expect(tracer([svc], [onlyTerminating], endpointMaps).endpoints(p, from: .outside) == endpoints(["10.244.1.11"]))
    }

    @Test(arguments: [true, false]) func externalTrafficPolicyLocal(endpointMaps: Bool) {
        let svc = F.service("web", type: "NodePort", ports: [F.port(80, nodePort: 30080)], externalLocal: true)
        let slice = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.1.10", node: F.node), F.endpoint("10.244.2.10", node: "node-2")])
        let t = tracer([svc], [slice], endpointMaps)
        let external = t.trace(.init(source: outsider, destination: nodeIP, proto: .tcp, port: 30080), from: .outside)
        #expect(Set(external.compactMap(\.destination)) == endpoints(["10.244.1.10"]))
        #expect(external.allSatisfy { !$0.masqueraded })  // the client's address is kept
        // From the node itself any endpoint, masqueraded.
        let local = t.trace(.init(source: nodeIP, destination: nodeIP, proto: .tcp, port: 30080), from: .thisNode)
        #expect(Set(local.compactMap(\.destination)) == endpoints(["10.244.1.10", "10.244.2.10"]))
        // No local endpoints: outside traffic is dropped.
        let remote = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.2.10", node: "node-2")])
        #expect(tracer([svc], [remote], endpointMaps).trace(.init(source: outsider, destination: nodeIP, proto: .tcp, port: 30080), from: .outside).map(\.verdict) == [.drop])
    }

    @Test(arguments: [true, false]) func internalTrafficPolicyLocal(endpointMaps: Bool) {
        let svc = F.service("web", ports: [F.port(80)], internalLocal: true)
        let p = PacketTracer.Packet(source: pod, destination: F.ip("10.96.0.10"), proto: .tcp, port: 80)
        let slice = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.1.10", node: F.node), F.endpoint("10.244.2.10", node: "node-2")])
        #expect(tracer([svc], [slice], endpointMaps).endpoints(p, from: .outside) == endpoints(["10.244.1.10"]))
        let remote = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.2.10", node: "node-2")])
        #expect(tracer([svc], [remote], endpointMaps).trace(p, from: .outside).map(\.verdict) == [.drop])
    }

    @Test(arguments: [true, false]) func affinitySticks(endpointMaps: Bool) throws {
        let svc = F.service("web", ports: [F.port(80)], affinity: 300)
        let slice = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.1.10"), F.endpoint("10.244.1.11")])
        var t = tracer([svc], [slice], endpointMaps)
        let p = PacketTracer.Packet(source: pod, destination: F.ip("10.96.0.10"), proto: .tcp, port: 80)
        let first = t.trace(p, from: .outside)
        #expect(first.count == 2 && first.allSatisfy { $0.affinityUpdates.count == 1 })
        // Once the client is in one endpoint's set, it goes only there.
        let chosen = try #require(first.first { $0.destination?.address == F.ip("10.244.1.11") })
        t.affinity[chosen.affinityUpdates[0]] = [pod]
        #expect(t.endpoints(p, from: .outside) == endpoints(["10.244.1.11"]))
    }
}
