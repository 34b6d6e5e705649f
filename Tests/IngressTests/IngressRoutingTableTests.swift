import Foundation
import KubeAPI
import Testing
@testable import Ingress

/// Upstream's Ingress matching rules on the pure routing table.
@Suite struct IngressRoutingTableTests {
    static let services = ["a", "b", "c", "d"].map { Fixtures.service($0) }
    static let slices = [
        Fixtures.slice("a", endpoints: [("10.244.1.1", true, false)]),
        Fixtures.slice("b", endpoints: [("10.244.1.2", true, false)]),
        Fixtures.slice("c", endpoints: [("10.244.1.3", nil, nil)]),
        Fixtures.slice("d", endpoints: [("10.244.1.4", true, false)]),
    ]

    func table(_ ingresses: [Ingress], secrets: [Secret] = []) -> (IngressRoutingTable, [IngressProblem]) {
        let built = IngressRoutingTable.build(IngressSnapshot(ingresses: ingresses, services: Self.services,
                                                              endpointSlices: Self.slices, secrets: secrets))
        return (built.table, built.problems)
    }

    func service(_ t: IngressRoutingTable, _ host: String?, _ path: String) -> String? {
        t.route(host: host, path: path).map { String($0.backend.name.split(separator: "/")[1].split(separator: ":")[0]) }
    }

    @Test func exactBeatsPrefixForTheSamePath() {
        let (t, _) = table([Fixtures.ingress("i", rules: [Fixtures.rule("x.example.com", [("/foo", "Prefix", "a"), ("/foo", "Exact", "b")])])])
        #expect(service(t, "x.example.com", "/foo") == "b")
        #expect(service(t, "x.example.com", "/foo/bar") == "a")
    }

    @Test func longestPrefixWins() {
        let (t, _) = table([Fixtures.ingress("i", rules: [Fixtures.rule(nil, [("/", "Prefix", "a"), ("/foo/bar", "Prefix", "c"), ("/foo", "Prefix", "b")])])])
        #expect(service(t, "any", "/foo/bar/baz") == "c")
        #expect(service(t, "any", "/foo/baz") == "b")
        #expect(service(t, "any", "/other") == "a")
    }

    @Test func prefixMatchesByPathElement() {
        let (t, _) = table([Fixtures.ingress("i", rules: [Fixtures.rule(nil, [("/foo", "Prefix", "a"), ("/aaa/bb/", "Prefix", "b")])])])
        #expect(service(t, nil, "/foo") == "a")
        #expect(service(t, nil, "/foo/") == "a")
        #expect(service(t, nil, "/foo/bar") == "a")
        #expect(service(t, nil, "/foobar") == nil)
        // A trailing slash on the rule is ignored; the query never counts.
        #expect(service(t, nil, "/aaa/bb") == "b")
        #expect(service(t, nil, "/aaa/bb?x=/y") == "b")
        #expect(service(t, nil, "/aaa/bbb") == nil)
    }

    @Test func exactIsExact() {
        let (t, _) = table([Fixtures.ingress("i", rules: [Fixtures.rule(nil, [("/foo", "Exact", "a")])])])
        #expect(service(t, nil, "/foo") == "a")
        #expect(service(t, nil, "/foo/") == nil)
        #expect(service(t, nil, "/FOO") == nil)
    }

    @Test func wildcardHostMatchesExactlyOneLabel() {
        let (t, _) = table([Fixtures.ingress("i", rules: [
            Fixtures.rule("*.example.com", [("/", "Prefix", "a")]),
            Fixtures.rule("precise.example.com", [("/", "Prefix", "b")]),
        ])])
        #expect(service(t, "foo.example.com", "/") == "a")
        #expect(service(t, "FOO.example.com:8080", "/") == "a")
        #expect(service(t, "precise.example.com", "/") == "b")
        #expect(service(t, "example.com", "/") == nil)
        #expect(service(t, "a.b.example.com", "/") == nil)
    }

    @Test(arguments: [
        ("example.com", "example.com"), ("example.com:8080", "example.com"), ("Example.COM:80", "example.com"),
        ("example.com.", "example.com"), ("example.com.:80", "example.com"), ("[::1]:8080", "::1"), ("[::1]", "::1"),
        ("::1", "::1"), ("10.0.0.1:80", "10.0.0.1"), ("", ""),
    ])
    func requestHostsAreNormalized(header: String, host: String) {
        #expect(HostMatcher.normalize(header) == host)
    }

    @Test func hostGroupsFallThroughToHostlessRules() {
        let (t, _) = table([Fixtures.ingress("i", rules: [
            Fixtures.rule("x.example.com", [("/api", "Prefix", "a")]),
            Fixtures.rule(nil, [("/", "Prefix", "b")]),
        ])])
        #expect(service(t, "x.example.com", "/api/v1") == "a")
        #expect(service(t, "x.example.com", "/web") == "b")
        #expect(service(t, "y.example.com", "/api") == "b")
    }

    @Test func olderIngressWinsAConflict() {
        let newer = Fixtures.ingress("newer", created: 100, rules: [Fixtures.rule("x.example.com", [("/", "Prefix", "b")])])
        let older = Fixtures.ingress("older", created: 0, rules: [Fixtures.rule("x.example.com", [("/", "Prefix", "a")])])
        let (t, _) = table([newer, older])
        #expect(service(t, "x.example.com", "/") == "a")
        #expect(t.route(host: "x.example.com", path: "/")?.ingress == "default/older")
    }

    @Test func defaultBackendOfTheOldestIngress() {
        let (t, _) = table([
            Fixtures.ingress("second", created: 10, defaultBackend: Fixtures.backend("b")),
            Fixtures.ingress("first", created: 0, rules: [Fixtures.rule("x.example.com", [("/", "Exact", "c")])], defaultBackend: Fixtures.backend("a")),
        ])
        #expect(service(t, "x.example.com", "/") == "c")
        #expect(service(t, "x.example.com", "/nothing") == "a")
        #expect(service(t, "other", "/") == "a")
    }

    @Test func backendsAreReadyNotTerminatingEndpoints() {
        let slices = [Fixtures.slice("a", endpoints: [("10.0.0.1", true, false), ("10.0.0.2", false, false), ("10.0.0.3", true, true), ("10.0.0.4", nil, nil)])]
        let ing = Fixtures.ingress("i", rules: [Fixtures.rule(nil, [("/", "Prefix", "a")])])
        let t = IngressRoutingTable.build(IngressSnapshot(ingresses: [ing], services: [Fixtures.service("a")], endpointSlices: slices)).table
        #expect(t.route(host: nil, path: "/")?.backend.endpoints == [Backend.Endpoint(host: "10.0.0.1", port: 8080), Backend.Endpoint(host: "10.0.0.4", port: 8080)])
    }

    @Test func servicePortByNameAndNumber() {
        var byName = Fixtures.ingress("i", rules: [])
        byName.spec?.defaultBackend = IngressBackend(service: IngressServiceBackend(name: "a", port: ServiceBackendPort(name: "http")))
        let (t1, p1) = table([byName])
        #expect(t1.route(host: nil, path: "/")?.backend.endpoints.map(\.port) == [8080])
        #expect(p1.isEmpty)
        let (t2, p2) = table([Fixtures.ingress("i", defaultBackend: Fixtures.backend("a", port: 81))])
        #expect(t2.route(host: nil, path: "/")?.backend.endpoints == [])
        #expect(p2.map(\.reason) == ["PortNotFound"])
    }

    @Test func missingServiceAndSecretAreReported() {
        let ing = Fixtures.ingress("i", rules: [Fixtures.rule("x.example.com", [("/", "Prefix", "missing")])],
                                   tls: [IngressTLS(hosts: ["x.example.com"], secretName: "nope")])
        let (t, problems) = table([ing])
        let match = t.route(host: "x.example.com", path: "/")
        #expect(match?.backend.endpoints == [])
        #expect(match?.backend.unavailableReason == "service \"default/missing\" not found")
        #expect(problems.map(\.reason).sorted() == ["SecretNotFound", "ServiceNotFound"])
        #expect(t.certificate(serverName: "x.example.com") == nil)
    }

    @Test func certificatesBySNI() {
        var secret = Secret(metadata: ObjectMeta())
        secret.metadata.name = "x-tls"
        secret.metadata.namespace = "default"
        secret.type = "kubernetes.io/tls"
        secret.data = ["tls.crt": Data("CERT".utf8).base64EncodedString(), "tls.key": Data("KEY".utf8).base64EncodedString()]
        let ing = Fixtures.ingress("i", rules: [Fixtures.rule("x.example.com", [("/", "Prefix", "a")])],
                                   tls: [IngressTLS(hosts: ["x.example.com", "*.w.example.com"], secretName: "x-tls")])
        let (t, problems) = table([ing], secrets: [secret])
        #expect(problems.isEmpty)
        #expect(t.certificate(serverName: "x.example.com")?.certificatePEM == "CERT")
        #expect(t.certificate(serverName: "a.w.example.com")?.secret == "default/x-tls")
        #expect(t.certificate(serverName: "y.example.com") == nil)
    }

    @Test func classFilter() {
        let filter = IngressClassFilter()
        var cls = IngressClass(spec: IngressClassSpec(controller: IngressClassFilter.defaultController))
        cls.metadata.name = "mine"
        #expect(filter.serves(Fixtures.ingress("a", className: "swiftkube"), classes: []))
        #expect(filter.serves(Fixtures.ingress("a", className: "mine"), classes: [cls]))
        #expect(!filter.serves(Fixtures.ingress("a", className: "nginx"), classes: [cls]))
        #expect(!filter.serves(Fixtures.ingress("a", className: nil), classes: [cls]))
        #expect(IngressClassFilter(watchWithoutClass: true).serves(Fixtures.ingress("a", className: nil), classes: []))
    }

    @Test func statusAddresses() {
        let p = IngressStatusPublisher(addresses: ["10.0.0.11", "lb.example.com"])
        #expect(p.desired(services: [])?.ingress == [IngressLoadBalancerIngress(ip: "10.0.0.11"), IngressLoadBalancerIngress(hostname: "lb.example.com")])
        var svc = Fixtures.service("ingress", namespace: "kube-system")
        var lb = LoadBalancerIngress()
        lb.ip = "192.0.2.10"
        var status = ServiceStatus()
        status.loadBalancer = LoadBalancerStatus()
        status.loadBalancer?.ingress = [lb]
        svc.status = status
        #expect(IngressStatusPublisher(publishService: "kube-system/ingress").desired(services: [svc])?.ingress == [IngressLoadBalancerIngress(ip: "192.0.2.10")])
        #expect(IngressStatusPublisher(publishService: "kube-system/none").desired(services: [svc]) == nil)
    }
}
