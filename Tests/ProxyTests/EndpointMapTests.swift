import Testing
import KubeAPI
import Netlink
@testable import Proxy

/// The default layout: Services without per-client state as elements of
/// shared endpoint maps, so that adding one touches no chain.
@Suite struct EndpointMapTests {
    typealias F = Fixtures
    static let web = ServiceName(namespace: "default", name: "web")

    @Test func serviceBecomesElementsOnly() throws {
        let (services, slices) = RulesetTests.webService()
        let r = F.ruleset(services, slices)
        let vip = MapKey.addressProtocolPort(F.ip("10.96.0.10"), .tcp, 80)
        let nodePort = MapKey.protocolPort(.tcp, 30080)
        #expect(r.elements(ChainNames.serviceIPsMap) == [vip: .gotoShared(ChainNames.dnatServiceIPs, service: "default/web:http")])
        #expect(r.elements(ChainNames.serviceNodePortsMap) == [nodePort: .gotoShared(ChainNames.dnatNodePorts, service: "default/web:http")])
        let e0 = ProxyEndpoint(address: F.ip("10.244.1.10"), port: 8080), e1 = ProxyEndpoint(address: F.ip("10.244.1.11"), port: 8080)
        #expect(r.elements("service-ip-endpoints-2") == [.indexed(vip, 0): .endpoint(e0), .indexed(vip, 1): .endpoint(e1)])
        #expect(r.elements("nodeport-endpoints-2") == [.indexed(nodePort, 0): .endpoint(e0), .indexed(nodePort, 1): .endpoint(e1)])
        #expect(r.elements(ChainNames.hairpinSet).keys.sorted() == [.hairpin(service: F.ip("10.96.0.10"), endpoint: e0.address),
                                                                      .hairpin(service: F.ip("10.96.0.10"), endpoint: e1.address)])
        // No chain of its own; the fixed fragment has one pick rule per map in use.
        #expect(r.services[Self.web]?.chains.isEmpty == true)
        #expect(r.chainCount == r.base.chains.count)
        #expect(r.base.chains[ChainNames.dnatServiceIPs]?.last == ProxyRule([], [.dnatPick(map: "service-ip-endpoints-2", key: .addressProtocolPort, modulus: 2)]))
        #expect(r.base.chains[ChainNames.dnatNodePorts]?.last == ProxyRule([], [.dnatPick(map: "nodeport-endpoints-2", key: .protocolPort, modulus: 2)]))
        #expect(r.maps["service-ip-endpoints-2"] == .indexed(.addressProtocolPort))

        let text = RulesetText.render(r)
        #expect(text.contains("typeof ip daddr . meta l4proto . th dport . numgen random mod 2 : ip daddr . th dport"))
        #expect(text.contains("10.96.0.10 . tcp . 80 . 1 : 10.244.1.11 . 8080"))
        #expect(text.contains("dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 2 map @service-ip-endpoints-2"))
        #expect(text.contains("ct original ip daddr . ip saddr . ip daddr @hairpin masquerade fully-random"))
        #expect(text.contains("10.96.0.10 . tcp . 80 comment \"default/web:http\" : goto dnat-service-ips"))
    }

    @Test func affinityAndLocalExternalPolicyKeepChains() {
        let sticky = F.service("sticky", clusterIP: "10.96.0.11", ports: [F.port(80)], affinity: 60)
        let local = F.service("local", clusterIP: "10.96.0.12", type: "NodePort", ports: [F.port(80, nodePort: 30081)], externalLocal: true)
        let slices = [F.slice("sticky-1", service: "sticky", endpoints: [F.endpoint("10.244.1.10")]),
                      F.slice("local-1", service: "local", endpoints: [F.endpoint("10.244.1.11", node: F.node)])]
        let r = F.ruleset([sticky, local], slices)
        for name in ["sticky", "local"] {
            let fragment = r.services[ServiceName(namespace: "default", name: name)]
            #expect(fragment?.chains.isEmpty == false, "\(name) has no chains of its own")
            #expect(fragment?.endpointMaps.isEmpty == true, "\(name) has endpoint map elements")
        }
        #expect(r.elements(ChainNames.serviceNodePortsMap)[.protocolPort(.tcp, 30081)] == .goto(ChainNames.external(
            ServiceModel.ports(of: local, slices: slices, family: .ipv4).ports[0])))
        #expect(r.base.sets.keys.sorted() == [ChainNames.hairpinSet])
    }

    /// Services with `count` endpoints each, from 10.96.1.0 on.
    static func services(_ count: Int, endpoints: Int) -> ([Service], [EndpointSlice]) {
        var services: [Service] = [], slices: [EndpointSlice] = []
        for i in 0..<count {
            services.append(F.service("s\(i)", clusterIP: "10.96.1.\(i)", ports: [F.port(80)]))
            slices.append(F.slice("s\(i)-1", service: "s\(i)", endpoints: (0..<endpoints).map { F.endpoint("10.244.\($0).\(i)") }))
        }
        return (services, slices)
    }

    static func ports(_ name: String, _ vip: String, _ endpoints: [String]) -> [ServicePortInfo] {
        let svc = F.service(name, clusterIP: vip, ports: [F.port(80)])
        return ServiceModel.ports(of: svc, slices: [F.slice("\(name)-1", service: name, endpoints: endpoints.map { F.endpoint($0) })], family: .ipv4).ports
    }

    @Test func addingAServiceSendsElementsOnly() {
        let (services, slices) = Self.services(200, endpoints: 2)
        let before = F.ruleset(services, slices)
        let name = ServiceName(namespace: "default", name: "new")
        var after = before
        after.update(name, ports: Self.ports("new", "10.96.2.1", ["10.244.2.1", "10.244.2.2"]))
        #expect(after.base == before.base)
        let batch = RulesetChanges.partial(from: before.services, base: before.base, to: after, services: [name])
        let summaries = batch.messages.map(\.summary)
        // The ClusterIP's verdict element, its two endpoints, its two hairpin elements: one message per map.
        #expect(summaries == ["add 2 element(s) to ip kube-proxy hairpin", "add 2 element(s) to ip kube-proxy service-ip-endpoints-2",
                              "add 1 element(s) to ip kube-proxy service-ips"])
        // Removing it deletes the same elements.
        let removal = RulesetChanges.partial(from: after.services, base: after.base, to: before, services: [name])
        #expect(removal.messages.allSatisfy { $0.summary.hasPrefix("delete") && $0.summary.contains("element") })
    }

    @Test func aNewEndpointCountBringsItsMapAndRule() {
        let (services, slices) = Self.services(3, endpoints: 2)
        let before = F.ruleset(services, slices)
        let name = ServiceName(namespace: "default", name: "s0")
        var after = before
        after.update(name, ports: Self.ports("s0", "10.96.1.0", ["10.244.0.0", "10.244.1.0", "10.244.2.0"]))
        let batch = RulesetChanges.partial(from: before.services, base: before.base, to: after, services: [name])
        let summaries = batch.messages.map(\.summary)
        #expect(summaries.first == "add map ip kube-proxy service-ip-endpoints-3")
        #expect(summaries.contains("flush chain ip kube-proxy \(ChainNames.dnatServiceIPs)"))
        #expect(summaries.contains("delete 2 element(s) from ip kube-proxy service-ip-endpoints-2"))
        #expect(summaries.contains("add 3 element(s) to ip kube-proxy service-ip-endpoints-3"))

        // The last Service with three endpoints gone: the map and its rule go too.
        let back = RulesetChanges.partial(from: after.services, base: after.base, to: before, services: [name])
        #expect(back.messages.last?.summary == "delete set ip kube-proxy service-ip-endpoints-3")
        #expect(after.base.sets["service-ip-endpoints-3"] != nil && before.base.sets["service-ip-endpoints-3"] == nil)
    }

    @Test func pickCompilesAsNftLaysItOut() {
        // nft --debug=netlink for `dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 3 map @m`:
        // payload → reg 1, l4proto → reg 9, dport → reg 10, numgen → reg 11, lookup reg 1 dreg 1, nat addr reg 1 proto reg 9.
        let compiler = RuleCompiler(family: .ipv4)
        let pick = compiler.expressions(ProxyRule([], [.dnatPick(map: "m", key: .addressProtocolPort, modulus: 3)]))
        #expect(pick == [.payload(base: .network, offset: 16, length: 4, into: 1), .meta(.l4proto, into: 9),
                         .payload(base: .transport, offset: 2, length: 2, into: 10), .numgenRandom(modulus: 3, into: 11),
                         .mapLookup(set: "m", from: 1, into: 1), .nat(.dnat, family: .ipv4, addressRegister: 1, portRegister: 9)])
        let nodePort = compiler.expressions(ProxyRule([], [.dnatPick(map: "n", key: .protocolPort, modulus: 2)]))
        #expect(nodePort.contains(.numgenRandom(modulus: 2, into: 10)))
        // ct original ip daddr → reg 1, saddr → reg 9, daddr → reg 10.
        let hairpin = compiler.expressions(ProxyRule([.hairpinInSet("h")], [.masquerade]))
        #expect(hairpin == [.ctOriginalDestination(ipv6: false, into: 1), .payload(base: .network, offset: 12, length: 4, into: 9),
                            .payload(base: .network, offset: 16, length: 4, into: 10),
                            .lookup(set: "h", setID: nil, from: 1, verdict: false, invert: false), .masquerade(fullyRandom: true)])
        // An endpoint map: key ipv4_addr . inet_proto . inet_service . mark (16 bytes), value ipv4_addr . inet_service (8 bytes).
        let spec = compiler.setSpec("service-ip-endpoints-3", .indexed(.addressProtocolPort))
        #expect(spec.keyTypes == [.ipv4Address, .inetProtocol, .inetService, .mark] && spec.dataTypes == [.ipv4Address, .inetService])
    }

    @Test func mapNamesAndValuesRoundTrip() {
        #expect(EndpointMap(name: "service-ip-endpoints-3") == EndpointMap(path: .serviceIP, modulus: 3))
        #expect(EndpointMap(name: "nodeport-endpoints-12") == EndpointMap(path: .nodePort, modulus: 12))
        #expect(EndpointMap(name: "service-ips") == nil && EndpointMap(name: "nodeport-endpoints-") == nil && EndpointMap(name: "hairpin") == nil)
        for e in [ProxyEndpoint(address: F.ip("10.244.1.10"), port: 8080), ProxyEndpoint(address: F.ip("fd00:244::5"), port: 53)] {
            #expect(ProxyEndpoint(mapValue: e.mapValue) == e)
        }
        #expect(ProxyEndpoint(mapValue: [1, 2, 3]) == nil)
    }

    @Test func keysRoundTripThroughBytes() {
        let keys: [(MapKey, MapKeyKind)] = [
            (.indexed(.addressProtocolPort(F.ip("10.96.0.10"), .udp, 53), 7), .indexed(.addressProtocolPort)),
            (.indexed(.protocolPort(.tcp, 30080), 0), .indexed(.protocolPort)),
            (.hairpin(service: F.ip("10.96.0.10"), endpoint: F.ip("10.244.1.10")), .hairpin),
            (.hairpin(service: F.ip("fd00::a"), endpoint: F.ip("fd00:10::5")), .hairpin),
        ]
        for (key, kind) in keys { #expect(MapKey(bytes: key.bytes, kind: kind) == key) }
        #expect(MapKey.indexed(.protocolPort(.tcp, 1), 1).bytes.suffix(4) == [1, 0, 0, 0]) // host order, as numgen writes it
    }
}
