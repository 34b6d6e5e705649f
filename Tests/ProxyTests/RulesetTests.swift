import Testing
import KubeAPI
import Netfilter
import Netlink
@testable import Proxy

/// Services → the table's chains and maps, and the changes partial syncs send.
@Suite struct RulesetTests {
    typealias F = Fixtures
    static let web = ServiceName(namespace: "default", name: "web")

    static func webService(endpoints: [String] = ["10.244.1.10", "10.244.1.11"], nodePort: Int? = 30080) -> ([Service], [EndpointSlice]) {
        ([F.service("web", type: nodePort == nil ? "ClusterIP" : "NodePort", ports: [F.port(80, name: "http", nodePort: nodePort)])],
         [F.slice("web-1", service: "web", ports: [("http", 8080, "TCP")], endpoints: endpoints.map { F.endpoint($0, node: F.node) })])
    }

    @Test func serviceBecomesMapElementsAndChains() throws {
        let (services, slices) = Self.webService()
        let r = F.ruleset(services, slices, endpointMaps: false)
        let port = try #require(Fixtures.ruleset(services, slices).services[Self.web].map { _ in
            ServiceModel.ports(of: services[0], slices: slices, family: .ipv4).ports[0] })
        let serviceChain = ChainNames.service(port)
        #expect(serviceChain.hasPrefix("service-") && serviceChain.hasSuffix("-default/web/tcp/http"))
        #expect(r.elements(ChainNames.serviceIPsMap) == [.addressProtocolPort(F.ip("10.96.0.10"), .tcp, 80): .goto(serviceChain)])
        #expect(r.elements(ChainNames.serviceNodePortsMap) == [.protocolPort(.tcp, 30080): .goto(ChainNames.external(port))])
        let chains = r.allChains
        let endpointChains = port.endpoints.map { ChainNames.endpoint(port, $0) }
        #expect(chains[serviceChain]?.last == ProxyRule([], [], .numgen(endpointChains), comment: "default/web:http"))
        #expect(chains[serviceChain]?.first?.matches.contains(.sourceNotIn(try #require(F.clusterCIDR))) == true)
        let endpointRules = try #require(chains[endpointChains[0]])
        #expect(endpointRules.first == ProxyRule([.source(F.ip("10.244.1.10"))], [], .jump(ChainNames.markForMasquerade), comment: "hairpin"))
        #expect(endpointRules.last?.statements == [.dnat(F.ip("10.244.1.10"), 8080)])
        #expect(chains[ChainNames.external(port)]?.map(\.verdict) == [.jump(ChainNames.markForMasquerade), .goto(serviceChain)])
        // Base chains + service + external + 2 endpoints.
        #expect(r.chainCount == r.base.chains.count + 4)
        let text = RulesetText.render(r)
        #expect(text.contains("10.96.0.10 . tcp . 80 : goto \(serviceChain)"))
        #expect(text.contains("numgen random mod 2 vmap { 0 : goto \(endpointChains[0]), 1 : goto \(endpointChains[1]) }"))
        #expect(text.contains("type nat hook prerouting priority -100; policy accept;"))
    }

    @Test func serviceWithoutEndpointsIsRejected() {
        let (services, _) = Self.webService()
        let r = F.ruleset(services, [])
        #expect(r.elements(ChainNames.serviceIPsMap).isEmpty)
        #expect(r.elements(ChainNames.noEndpointServicesMap) == [.addressProtocolPort(F.ip("10.96.0.10"), .tcp, 80): .reject(service: "default/web:http")])
        #expect(r.elements(ChainNames.noEndpointNodePortsMap) == [.protocolPort(.tcp, 30080): .reject(service: "default/web:http")])
        #expect(r.services[Self.web]?.chains.isEmpty == true)
    }

    @Test func affinityAddsSetsAndStickyRules() throws {
        let svc = F.service("web", ports: [F.port(80)], affinity: 60)
        let slice = F.slice("web-1", service: "web", endpoints: [F.endpoint("10.244.1.10"), F.endpoint("10.244.1.11")])
        let r = F.ruleset([svc], [slice])
        let port = ServiceModel.ports(of: svc, slices: [slice], family: .ipv4).ports[0]
        #expect(r.affinitySets.count == 2 && r.affinitySets.values.allSatisfy { $0 == 60 })
        let e = port.endpoints[0]
        let rules = try #require(r.allChains[ChainNames.service(port)])
        #expect(rules.contains(ProxyRule([.sourceInSet(ChainNames.affinity(port, e))], [], .goto(ChainNames.endpoint(port, e)))))
        #expect(r.allChains[ChainNames.endpoint(port, e)]?.contains { $0.statements == [.updateSourceInSet(ChainNames.affinity(port, e))] } == true)
    }

    @Test func conflictingClusterIPGoesToTheFirstService() {
        let a = F.service("a", clusterIP: "10.96.0.20", ports: [F.port(80)])
        let b = F.service("b", clusterIP: "10.96.0.20", ports: [F.port(80)])
        var r = F.ruleset([a, b], [])
        #expect(r.owners[.addressProtocolPort(F.ip("10.96.0.20"), .tcp, 80)] == ServiceName(namespace: "default", name: "a"))
        #expect(r.takeWarnings().contains { $0.contains("already used by service default/a") })
        // When a goes away, b is named for a rebuild.
        let rebuild = r.update(ServiceName(namespace: "default", name: "a"), ports: nil)
        #expect(rebuild == [ServiceName(namespace: "default", name: "b")])
    }

    @Test func partialSyncTouchesOnlyTheChangedService() {
        // 200 services; adding one more sends the same number of messages as adding it to none.
        var services: [Service] = [], slices: [EndpointSlice] = []
        for i in 0..<200 {
            services.append(F.service("s\(i)", clusterIP: "10.96.1.\(i)", ports: [F.port(80)]))
            slices.append(F.slice("s\(i)-1", service: "s\(i)", endpoints: [F.endpoint("10.244.1.\(i)")]))
        }
        let big = F.ruleset(services, slices, endpointMaps: false)
        let small = F.ruleset([], [], endpointMaps: false)
        let extra = F.service("new", clusterIP: "10.96.2.1", ports: [F.port(80)])
        let extraSlice = F.slice("new-1", service: "new", endpoints: [F.endpoint("10.244.2.1"), F.endpoint("10.244.2.2")])
        let name = ServiceName(namespace: "default", name: "new")
        let ports = ServiceModel.ports(of: extra, slices: [extraSlice], family: .ipv4).ports
        var bigAfter = big, smallAfter = small
        bigAfter.update(name, ports: ports)
        smallAfter.update(name, ports: ports)
        let bigBatch = RulesetChanges.partial(from: big.services, base: big.base, to: bigAfter, services: [name])
        let smallBatch = RulesetChanges.partial(from: small.services, base: small.base, to: smallAfter, services: [name])
        #expect(bigBatch.count == smallBatch.count)
        #expect(bigBatch.messages.map(\.payload) == smallBatch.messages.map(\.payload))
        // 3 chains, 1 anonymous map + its elements, 7 rules, 1 element message.
        #expect(bigBatch.messages.filter { $0.summary.hasPrefix("add chain") }.count == 3)
        #expect(!bigBatch.messages.contains { $0.summary.contains("flush") })

        // Removing one endpoint: the service chain is rewritten, the stale endpoint chain deleted.
        var fewer = bigAfter
        fewer.update(name, ports: ServiceModel.ports(of: extra, slices: [F.slice("new-1", service: "new", endpoints: [F.endpoint("10.244.2.1")])], family: .ipv4).ports)
        let change = RulesetChanges.partial(from: bigAfter.services, base: bigAfter.base, to: fewer, services: [name])
        let summaries = change.messages.map(\.summary)
        #expect(summaries.filter { $0.hasPrefix("flush chain") }.count == 2)
        #expect(summaries.filter { $0.hasPrefix("delete chain") }.count == 1)
        #expect(summaries.last?.hasPrefix("delete chain") == true)
        // Nothing changed: nothing sent.
        #expect(RulesetChanges.partial(from: fewer.services, base: fewer.base, to: fewer, services: [name]).isEmpty)
    }

    @Test func fullSyncRemovesStaleObjects() {
        let (services, slices) = Self.webService()
        let r = F.ruleset(services, slices)
        let existing = RulesetChanges.Inventory(chains: Set(r.allChains.keys).union(["endpoint-OLD"]),
                                                sets: ["service-ips": nil, "service-nodeports": nil, "no-endpoint-services": nil,
                                                       "no-endpoint-nodeports": nil, "affinity-OLD": 10])
        let batch = RulesetChanges.full(r, existing: existing)
        let summaries = batch.messages.map(\.summary)
        #expect(summaries.first == "add table ip kube-proxy")
        #expect(summaries.contains("flush chain ip kube-proxy endpoint-OLD") && summaries.contains("delete chain ip kube-proxy endpoint-OLD"))
        #expect(summaries.last == "delete set ip kube-proxy affinity-OLD")
        #expect(summaries.contains("flush ip kube-proxy service-ips"))
        let fresh = RulesetChanges.full(r, existing: nil).messages.map(\.summary)
        #expect(!fresh.contains { $0.hasPrefix("flush") || $0.hasPrefix("delete") })
    }

    @Test func compiledExpressionsDecodeBack() {
        let (services, slices) = Self.webService()
        let r = F.ruleset(services, slices)
        let compiler = RuleCompiler(family: .ipv4)
        for (_, rules) in r.allChains {
            for rule in rules where { if case .numgen = rule.verdict { return false }; return true }() {
                var m = NetlinkMessage(type: 0, flags: [])
                m.nested(NFT.RuleAttr.expressions, flagNested: true) { list in
                    for e in compiler.expressions(rule) { e.encode(into: &list) }
                }
                let attrs = NetlinkAttributes(m.payload[...])
                let decoded = NFTExpression.decodeList(attrs[NFT.RuleAttr.expressions]?.nested ?? NetlinkAttributes([]))
                #expect(decoded.unknown.isEmpty)
                #expect(decoded.expressions == compiler.expressions(rule).map(Self.withoutSetID))
            }
        }
    }

    static func withoutSetID(_ e: NFTExpression) -> NFTExpression {
        if case .lookup(let s, _, let r, let v, let i) = e { return .lookup(set: s, setID: nil, from: r, verdict: v, invert: i) }
        return e
    }
}
