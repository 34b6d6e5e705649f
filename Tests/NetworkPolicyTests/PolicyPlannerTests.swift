import KubeAPI
import Testing
@testable import NetworkPolicy

/// Upstream's NetworkPolicy semantics, through the planner's sets and the tracer's walk of the chains.
@Suite struct PolicyPlannerTests {
    typealias F = Fixtures

    /// Two namespaces: `prod` (labelled team=a) with web and db, `dev` (team=b) with a client.
    func cluster(_ policies: [String]) -> PolicyPlanner {
        var p = PolicyPlanner(nodeName: "node-1")
        p.update(namespace: "prod", labels: ["team": "a", "kubernetes.io/metadata.name": "prod"])
        p.update(namespace: "dev", labels: ["team": "b", "kubernetes.io/metadata.name": "dev"])
        p.update(pod: F.pod("prod", "web", "10.0.0.10", ["app": "web"], ports: [.init(name: "http", proto: 6, port: 8080)]))
        p.update(pod: F.pod("prod", "db", "10.0.0.11", ["app": "db"], ports: [.init(name: "pg", proto: 6, port: 5432)]))
        p.update(pod: F.pod("dev", "client", "10.0.1.5", node: "node-2", ["app": "client"]))
        for y in policies { p.update(policy: F.policy(y)) }
        return p
    }

    @Test func noPolicyMeansNotIsolated() {
        let p = cluster([])
        let a = F.trace(p, "10.0.1.5", "10.0.0.11", 5432)
        #expect(a.allowed && a.ingress == .notIsolated && a.egress == .notIsolated)
    }

    @Test func emptyPodSelectorSelectsTheNamespaceAndDeniesByDefault() {
        let p = cluster(["metadata: {name: deny, namespace: prod}\nspec: {podSelector: {}}"])
        #expect(p.elements(PolicyPlanner.ingressIsolated).map(\.ip).sorted() == [F.ip("10.0.0.10"), F.ip("10.0.0.11")])
        #expect(p.elements(PolicyPlanner.egressIsolated).isEmpty, "policyTypes default to Ingress only")
        #expect(!F.trace(p, "10.0.1.5", "10.0.0.11", 5432).allowed)
        #expect(!F.trace(p, "10.0.0.10", "10.0.0.11", 5432).allowed)
        // Egress of the isolated pods is untouched, and the node may always reach them (probes).
        #expect(F.trace(p, "10.0.0.11", "10.0.1.5", 80).egress == .notIsolated)
        #expect(F.trace(p, "10.0.0.1", "10.0.0.11", 5432, fromNode: true).allowed)
    }

    @Test func policyTypesDefaulting() {
        let p = cluster(["metadata: {name: e, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  egress: [{ports: [{port: 53, protocol: UDP}]}]"])
        let web = F.ip("10.0.0.10")
        #expect(p.elements(PolicyPlanner.egressIsolated).map(\.ip) == [web])
        #expect(p.elements(PolicyPlanner.ingressIsolated).map(\.ip) == [web], "Ingress is always a type when policyTypes is unset")
        #expect(F.trace(p, "10.0.0.10", "10.0.1.5", 53, .udp).allowed)
        #expect(!F.trace(p, "10.0.0.10", "10.0.1.5", 53, .tcp).allowed)
        #expect(!F.trace(p, "10.0.1.5", "10.0.0.10", 8080).allowed)
        let egressOnly = cluster(["metadata: {name: e, namespace: prod}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]"])
        #expect(egressOnly.elements(PolicyPlanner.ingressIsolated).isEmpty)
        #expect(egressOnly.elements(PolicyPlanner.egressIsolated).count == 2)
    }

    @Test func emptyFromAllowsEveryone() {
        let p = cluster(["metadata: {name: all, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress: [{}]"])
        let a = F.trace(p, "10.0.1.5", "10.0.0.11", 9999, .udp)
        #expect(a.allowed && a.ingress == .allowed("prod/all ingress[0]"))
    }

    @Test func namespaceAndPodSelectorsInOnePeerAreAnd() {
        let and = cluster(["""
            metadata: {name: and, namespace: prod}
            spec:
              podSelector: {matchLabels: {app: db}}
              ingress: [{from: [{namespaceSelector: {matchLabels: {team: b}}, podSelector: {matchLabels: {app: web}}}]}]
            """])
        #expect(!F.trace(and, "10.0.1.5", "10.0.0.11", 5432).allowed, "client is in team b but not app=web")
        #expect(!F.trace(and, "10.0.0.10", "10.0.0.11", 5432).allowed, "web is app=web but not in team b")
        let or = cluster(["""
            metadata: {name: or, namespace: prod}
            spec:
              podSelector: {matchLabels: {app: db}}
              ingress: [{from: [{namespaceSelector: {matchLabels: {team: b}}}, {podSelector: {matchLabels: {app: web}}}]}]
            """])
        #expect(F.trace(or, "10.0.1.5", "10.0.0.11", 5432).allowed)
        #expect(F.trace(or, "10.0.0.10", "10.0.0.11", 5432).allowed)
        // A podSelector alone means the policy's own namespace.
        var other = or
        other.update(pod: F.pod("dev", "web", "10.0.1.6", node: "node-2", ["app": "web"]))
        #expect(F.trace(other, "10.0.1.6", "10.0.0.11", 5432).allowed, "dev is team b, so the namespace peer lets it in")
        other.update(namespace: "dev", labels: ["team": "c"])
        #expect(!F.trace(other, "10.0.1.6", "10.0.0.11", 5432).allowed, "relabelled namespace: dev/web is no longer a peer")
    }

    @Test func ipBlockWithExcept() {
        let p = cluster(["""
            metadata: {name: block, namespace: prod}
            spec:
              podSelector: {matchLabels: {app: web}}
              policyTypes: [Egress]
              egress: [{to: [{ipBlock: {cidr: 192.168.0.0/16, except: [192.168.5.0/24]}}, {ipBlock: {cidr: "2001:db8::/32"}}]}]
            """])
        #expect(F.trace(p, "10.0.0.10", "192.168.1.1", 443).allowed)
        #expect(!F.trace(p, "10.0.0.10", "192.168.5.1", 443).allowed)
        #expect(!F.trace(p, "10.0.0.10", "10.0.1.5", 443).allowed)
    }

    @Test func namedPortsResolvePerDestinationPod() {
        var p = cluster(["""
            metadata: {name: named, namespace: prod}
            spec:
              podSelector: {}
              ingress: [{ports: [{port: http}]}]
            """])
        #expect(F.trace(p, "10.0.1.5", "10.0.0.10", 8080).allowed)
        #expect(!F.trace(p, "10.0.1.5", "10.0.0.10", 80).allowed)
        #expect(!F.trace(p, "10.0.1.5", "10.0.0.11", 8080).allowed, "db has no port named http")
        p.update(pod: F.pod("prod", "db", "10.0.0.11", ["app": "db"], ports: [.init(name: "http", proto: 6, port: 9000)]))
        #expect(F.trace(p, "10.0.1.5", "10.0.0.11", 9000).allowed)
        #expect(!F.trace(p, "10.0.1.5", "10.0.0.11", 8080).allowed)
        #expect(p.elements("port-tcp-http").count == 2)
    }

    @Test func endPortRangesAndProtocols() {
        let p = cluster(["""
            metadata: {name: range, namespace: prod}
            spec:
              podSelector: {matchLabels: {app: db}}
              ingress: [{ports: [{port: 8000, endPort: 8100}, {protocol: SCTP}]}]
            """])
        #expect(F.trace(p, "10.0.1.5", "10.0.0.11", 8000).allowed)
        #expect(F.trace(p, "10.0.1.5", "10.0.0.11", 8100).allowed)
        #expect(!F.trace(p, "10.0.1.5", "10.0.0.11", 8101).allowed)
        #expect(!F.trace(p, "10.0.1.5", "10.0.0.11", 8050, .udp).allowed)
        #expect(F.trace(p, "10.0.1.5", "10.0.0.11", 1, .sctp).allowed)
    }

    @Test func policiesAddUpAndOnlyLocalPodsAreTargets() {
        let p = cluster([
            "metadata: {name: a, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress: [{ports: [{port: 1}]}]",
            "metadata: {name: b, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress: [{ports: [{port: 2}]}]",
            "metadata: {name: c, namespace: dev}\nspec: {podSelector: {}}",
        ])
        #expect(F.trace(p, "10.0.1.5", "10.0.0.11", 1).ingress == .allowed("prod/a ingress[0]"))
        #expect(F.trace(p, "10.0.1.5", "10.0.0.11", 2).ingress == .allowed("prod/b ingress[0]"))
        // dev/client runs on node-2: this node's table does not isolate it.
        #expect(!p.elements(PolicyPlanner.ingressIsolated).contains(SetElement(ip: F.ip("10.0.1.5"))))
        var cluster = PolicyPlanner(nodeName: nil)
        for pod in p.pods.values { cluster.update(pod: pod) }
        cluster.update(policy: F.policy("metadata: {name: c, namespace: dev}\nspec: {podSelector: {}}"))
        #expect(!F.trace(cluster, "10.0.0.10", "10.0.1.5", 80).allowed)
    }

    @Test func podsComingAndGoingOnlyTouchTheirSets() {
        var p = cluster(["""
            metadata: {name: web, namespace: prod}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress: [{from: [{podSelector: {matchLabels: {app: db}}}]}]
            """])
        let policy = CompiledPolicy(F.policy("metadata: {name: web, namespace: prod}\nspec: {podSelector: {}}"))
        _ = p.takeDirty()
        p.update(pod: F.pod("prod", "db-2", "10.0.0.12", ["app": "db"]))
        #expect(p.takeDirty() == ["\(policy.id)-in0-peers"])
        p.update(pod: F.pod("prod", "web-2", "10.0.0.13", ["app": "web"]))
        #expect(p.takeDirty() == ["\(policy.id)-pods", PolicyPlanner.ingressIsolated])
        p.remove(pod: ObjectRef(namespace: "prod", name: "db-2"))
        #expect(p.elements("\(policy.id)-in0-peers").map(\.ip) == [F.ip("10.0.0.11")])
        p.remove(policy: ObjectRef(namespace: "prod", name: "web"))
        #expect(p.elements(PolicyPlanner.ingressIsolated).isEmpty)
        #expect(p.sets["\(policy.id)-pods"] == nil)
    }

    @Test func chainsAndText() {
        let p = cluster(["""
            metadata: {name: db, namespace: prod}
            spec:
              podSelector: {matchLabels: {app: db}}
              ingress: [{from: [{podSelector: {matchLabels: {app: web}}}, {ipBlock: {cidr: 10.9.0.0/16, except: [10.9.9.0/24]}}], ports: [{port: 5432}, {port: pg}, {port: 7000, endPort: 7010, protocol: UDP}]}]
            """])
        let chains = PolicyChains(Array(p.policies.values))
        let id = CompiledPolicy.id(ObjectRef(namespace: "prod", name: "db"))
        #expect(chains.chains["\(id)-ingress"]?.map(\.text) == [
            "ip saddr @\(id)-in0-peers meta l4proto tcp th dport 5432 accept comment \"prod/db ingress[0]\"",
            "ip saddr @\(id)-in0-peers meta l4proto tcp ip daddr . meta l4proto . th dport @port-tcp-pg accept comment \"prod/db ingress[0]\"",
            "ip saddr @\(id)-in0-peers meta l4proto udp th dport 7000-7010 accept comment \"prod/db ingress[0]\"",
            "ip saddr 10.9.0.0/16 ip saddr != 10.9.9.0/24 meta l4proto tcp th dport 5432 accept comment \"prod/db ingress[0]\"",
            "ip saddr 10.9.0.0/16 ip saddr != 10.9.9.0/24 meta l4proto tcp ip daddr . meta l4proto . th dport @port-tcp-pg accept comment \"prod/db ingress[0]\"",
            "ip saddr 10.9.0.0/16 ip saddr != 10.9.9.0/24 meta l4proto udp th dport 7000-7010 accept comment \"prod/db ingress[0]\"",
        ])
        #expect(chains.chains["ingress"]?.map(\.text) == [
            "ct state established,related accept comment \"replies and related traffic\"",
            "ip daddr != @ingress-isolated accept",
            "fib saddr type local accept comment \"from the node\"",
            "ip daddr @\(id)-pods jump \(id)-ingress comment \"prod/db\"",
            "counter drop comment \"default deny ingress\"",
        ])
        let text = PolicyTableText.render(chains, p)
        #expect(text.contains("\tset port-tcp-pg {\n\t\ttype ipv4_addr . inet_proto . inet_service\n\t\telements = { 10.0.0.11 . tcp . 5432 }\n\t}"))
        #expect(text.contains("type filter hook forward priority 1; policy accept;"))
        #expect(F.trace(p, "10.9.1.1", "10.0.0.11", 5432).allowed)
        #expect(!F.trace(p, "10.9.9.1", "10.0.0.11", 5432).allowed)
        #expect(F.trace(p, "10.0.0.10", "10.0.0.11", 7005, .udp).allowed)
    }
}
