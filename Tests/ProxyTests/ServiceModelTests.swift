import Testing
import KubeAPI
import Netlink
@testable import Proxy

/// Services + EndpointSlices → the ports the ruleset is built from.
@Suite struct ServiceModelTests {
    typealias F = Fixtures

    @Test func namedTargetPortsResolvePerEndpoint() throws {
        let svc = F.service("web", ports: [F.port(80, name: "http", target: .string("web"))])
        // Two slices: the pods of each name their port differently.
        let a = F.slice("web-a", service: "web", ports: [("http", 8080, "TCP")], endpoints: [F.endpoint("10.244.1.10")])
        let b = F.slice("web-b", service: "web", ports: [("http", 9090, "TCP")], endpoints: [F.endpoint("10.244.2.10")])
        let result = ServiceModel.ports(of: svc, slices: [a, b], family: .ipv4)
        #expect(result.warnings.isEmpty)
        let port = try #require(result.ports.first)
        #expect(port.endpoints.map(\.description) == ["10.244.1.10:8080", "10.244.2.10:9090"])
        #expect(port.displayName == "default/web:http")
    }

    @Test func readyServingTerminating() {
        let p = ServicePortInfo(service: .init(namespace: "d", name: "s"), port: 80, clusterIP: F.ip("10.96.0.1"), endpoints: [
            ProxyEndpoint(address: F.ip("10.244.1.1"), port: 80, ready: false, serving: true, terminating: true),
            ProxyEndpoint(address: F.ip("10.244.1.2"), port: 80, ready: true),
        ])
        #expect(p.clusterEndpoints(node: F.node).map(\.address) == [F.ip("10.244.1.2")])
        var onlyTerminating = p
        onlyTerminating.endpoints.removeLast()
        #expect(onlyTerminating.hasEndpoints)
        #expect(onlyTerminating.clusterEndpoints(node: F.node).map(\.address) == [F.ip("10.244.1.1")])
        var notServing = onlyTerminating
        notServing.endpoints[0].serving = false
        #expect(!notServing.hasEndpoints && notServing.clusterEndpoints(node: F.node).isEmpty)
    }

    @Test func trafficPoliciesUseNodeName() {
        let p = ServicePortInfo(service: .init(namespace: "d", name: "s"), port: 80, clusterIP: F.ip("10.96.0.1"), nodePort: 30080,
                                  externalPolicyLocal: true, internalPolicyLocal: false, endpoints: [
            ProxyEndpoint(address: F.ip("10.244.1.1"), port: 80, nodeName: F.node),
            ProxyEndpoint(address: F.ip("10.244.2.1"), port: 80, nodeName: "node-2"),
        ])
        #expect(p.externalEndpoints(node: F.node).map(\.address) == [F.ip("10.244.1.1")])
        #expect(p.clusterEndpoints(node: F.node).count == 2)
    }

    @Test func badInputIsSkippedWithReasons() {
        let svc = F.service("bad", ports: [F.port(80, name: "a"), F.port(80, name: "b"), F.port(70000, name: "c"),
                                           F.port(53, name: "d", proto: "ICMP"), F.port(81, name: "a")])
        let slice = F.slice("bad-1", service: "bad", ports: [("a", 8080, "TCP")],
                            endpoints: [F.endpoint("fd00::1"), F.endpoint("not-an-ip"), F.endpoint("10.244.1.1")])
        let result = ServiceModel.ports(of: svc, slices: [slice], family: .ipv4)
        #expect(result.ports.map(\.port) == [80])
        #expect(result.ports.first?.endpoints.map(\.description) == ["10.244.1.1:8080"])
        #expect(result.warnings.count == 6, "\(result.warnings)")
        #expect(result.warnings.contains { $0.contains("80/tcp appears twice") })
        #expect(result.warnings.contains { $0.contains("outside 1–65535") })
        #expect(result.warnings.contains { $0.contains("unsupported protocol ICMP") })
        #expect(result.warnings.contains { $0.contains("fd00::1 is not an IPv4 address") })
    }

    @Test func headlessAndExternalNameHaveNoPorts() {
        #expect(ServiceModel.ports(of: F.service("h", clusterIP: "None", ports: [F.port(80)]), slices: [], family: .ipv4).ports.isEmpty)
        #expect(ServiceModel.ports(of: F.service("e", type: "ExternalName", ports: [F.port(80)]), slices: [], family: .ipv4).ports.isEmpty)
    }

    @Test func trackerMarksOnlyRealChangesDirty() {
        var t = ServiceTracker()
        var svc = F.service("web", ports: [F.port(80)])
        t.update(svc)
        #expect(t.takeDirty() == [ServiceName(namespace: "default", name: "web")])
        svc.metadata.resourceVersion = "42"
        t.update(svc)
        #expect(t.takeDirty().isEmpty)
        // A slice for a Service nobody has seen is kept, and counts once the Service comes.
        t.update(F.slice("other-1", service: "other", endpoints: [F.endpoint("10.244.1.1")]))
        #expect(t.model(ServiceName(namespace: "default", name: "other"), family: .ipv4) == nil)
        t.update(F.service("other", clusterIP: "10.96.0.11", ports: [F.port(80)]))
        #expect(t.model(ServiceName(namespace: "default", name: "other"), family: .ipv4)?.ports.first?.endpoints.count == 1)
        _ = t.takeDirty()
        t.replaceSlices([])
        #expect(t.takeDirty() == [ServiceName(namespace: "default", name: "other")])
    }
}
