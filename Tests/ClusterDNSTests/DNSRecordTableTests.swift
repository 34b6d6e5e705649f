import Testing
import KubeAPI
@testable import ClusterDNS

/// The record table: Services and EndpointSlices in, records out.
struct DNSRecordTableTests {
    func table(_ objects: [Any]) throws -> DNSRecordTable {
        var t = DNSRecordTable(zone: try Fixtures.zone())
        for o in objects {
            if let s = o as? Service { t.update(s) }
            if let s = o as? EndpointSlice { t.update(s) }
        }
        return t
    }

    func name(_ text: String) throws -> DNSName { try DNSName(text) }

    @Test func clusterIPServiceHasAAndAAAA() throws {
        let t = try table([Fixtures.service("web", clusterIP: "10.96.0.10", clusterIPs: ["10.96.0.10", "fd00::10"])])
        let web = try name("web.default.svc.cluster.local")
        #expect(t.lookup(web, type: .a, ttl: 5).data == [.a([10, 96, 0, 10])])
        #expect(t.lookup(web, type: .aaaa, ttl: 5).data == [.aaaa(Fixtures.ip("fd00::10"))])
        #expect(t.lookup(web, type: .txt, ttl: 5) == .noData)
        #expect(t.lookup(try name("nope.default.svc.cluster.local"), type: .a, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("web.other.svc.cluster.local"), type: .a, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("example.com"), type: .a, ttl: 5) == .notOurs)
        if case .records(let answers, _) = t.lookup(web, type: .a, ttl: 7) {
            #expect(answers.first?.ttl == 7)
            #expect(answers.first?.name == web)
        }
    }

    @Test func serviceAddUpdateRemove() throws {
        var t = try table([])
        let web = try name("web.default.svc.cluster.local")
        #expect(t.lookup(web, type: .a, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("default.svc.cluster.local"), type: .a, ttl: 5) == .nxDomain)
        t.update(Fixtures.service("web", clusterIP: "10.96.0.10"))
        #expect(t.lookup(web, type: .a, ttl: 5).data == [.a([10, 96, 0, 10])])
        #expect(t.lookup(try name("default.svc.cluster.local"), type: .a, ttl: 5) == .noData)
        let generation = t.generation
        t.update(Fixtures.service("web", clusterIP: "10.96.0.20"))
        #expect(t.lookup(web, type: .a, ttl: 5).data == [.a([10, 96, 0, 20])])
        #expect(t.generation > generation)
        // The reverse record follows the new address.
        #expect(t.lookup(try name("10.0.96.10.in-addr.arpa"), type: .ptr, ttl: 5) == .notOurs)
        #expect(t.lookup(try name("20.0.96.10.in-addr.arpa"), type: .ptr, ttl: 5).data == [.ptr(web)])
        t.remove(Fixtures.service("web"))
        #expect(t.lookup(web, type: .a, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("default.svc.cluster.local"), type: .a, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("20.0.96.10.in-addr.arpa"), type: .ptr, ttl: 5) == .notOurs)
        #expect(t.services.isEmpty)
    }

    @Test func serviceWithoutClusterIPYetIsUnknown() throws {
        let t = try table([Fixtures.service("pending", clusterIP: nil)])
        #expect(t.lookup(try name("pending.default.svc.cluster.local"), type: .a, ttl: 5) == .nxDomain)
    }

    @Test func srvForNamedPortsOfAClusterIPService() throws {
        let t = try table([Fixtures.service("web", ports: [("http", 80, "TCP"), ("dns", 53, "UDP"), (nil, 8443, "TCP")])])
        let web = try name("web.default.svc.cluster.local")
        let srv = t.lookup(try name("_http._tcp.web.default.svc.cluster.local"), type: .srv, ttl: 5)
        #expect(srv.data == [.srv(priority: 0, weight: 100, port: 80, target: web)])
        #expect(srv.additionalData == [.a([10, 96, 0, 10])])
        #expect(t.lookup(try name("_dns._udp.web.default.svc.cluster.local"), type: .srv, ttl: 5).data
                == [.srv(priority: 0, weight: 100, port: 53, target: web)])
        // Wrong protocol, unknown port name: no such name. Right name, other type: no data.
        #expect(t.lookup(try name("_dns._tcp.web.default.svc.cluster.local"), type: .srv, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("_https._tcp.web.default.svc.cluster.local"), type: .srv, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("_http._tcp.web.default.svc.cluster.local"), type: .a, ttl: 5) == .noData)
        #expect(t.lookup(try name("_tcp.web.default.svc.cluster.local"), type: .srv, ttl: 5) == .noData)
    }

    @Test func headlessServiceListsReadyEndpoints() throws {
        var t = try table([
            Fixtures.headless("db", ports: [("pg", 5432, "TCP")]),
            Fixtures.slice("db-1", service: "db", endpoints: [
                .init(ip: "10.244.1.5", hostname: "db-0"), .init(ip: "10.244.1.6", ready: nil), .init(ip: "10.244.1.7", ready: false),
            ], ports: [("pg", 5432, "TCP")]),
            Fixtures.slice("db-2", service: "db", addressType: "IPv6", endpoints: [.init(ip: "fd00::6")], ports: [("pg", 5432, "TCP")]),
        ])
        let db = try name("db.default.svc.cluster.local")
        #expect(t.lookup(db, type: .a, ttl: 5).data == [.a(Fixtures.ip("10.244.1.5")), .a(Fixtures.ip("10.244.1.6"))])
        #expect(t.lookup(db, type: .aaaa, ttl: 5).data == [.aaaa(Fixtures.ip("fd00::6"))])
        // Per-pod records: by hostname, else the dashed address; not-ready endpoints have none.
        #expect(t.lookup(try name("db-0.db.default.svc.cluster.local"), type: .a, ttl: 5).data == [.a(Fixtures.ip("10.244.1.5"))])
        #expect(t.lookup(try name("10-244-1-6.db.default.svc.cluster.local"), type: .a, ttl: 5).data == [.a(Fixtures.ip("10.244.1.6"))])
        #expect(t.lookup(try name("fd00--6.db.default.svc.cluster.local"), type: .aaaa, ttl: 5).data == [.aaaa(Fixtures.ip("fd00::6"))])
        #expect(t.lookup(try name("10-244-1-7.db.default.svc.cluster.local"), type: .a, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("10-244-1-5.db.default.svc.cluster.local"), type: .a, ttl: 5) == .nxDomain)
        // SRV: one per ready endpoint, targets their per-pod names.
        let srv = t.lookup(try name("_pg._tcp.db.default.svc.cluster.local"), type: .srv, ttl: 5)
        #expect(srv.data == [
            .srv(priority: 0, weight: 33, port: 5432, target: try name("db-0.db.default.svc.cluster.local")),
            .srv(priority: 0, weight: 33, port: 5432, target: try name("10-244-1-6.db.default.svc.cluster.local")),
            .srv(priority: 0, weight: 33, port: 5432, target: try name("fd00--6.db.default.svc.cluster.local")),
        ])
        #expect(srv.additionalData.count == 3)
        // PTR of an endpoint points at its per-pod name.
        #expect(t.lookup(try name("5.1.244.10.in-addr.arpa"), type: .ptr, ttl: 5).data == [.ptr(try name("db-0.db.default.svc.cluster.local"))])
        #expect(t.lookup(try name("7.1.244.10.in-addr.arpa"), type: .ptr, ttl: 5) == .notOurs)
        // The endpoint turns not ready: it leaves every record.
        t.update(Fixtures.slice("db-1", service: "db", endpoints: [.init(ip: "10.244.1.5", hostname: "db-0", ready: false)],
                                ports: [("pg", 5432, "TCP")]))
        #expect(t.lookup(db, type: .a, ttl: 5) == .noData)
        #expect(t.lookup(try name("db-0.db.default.svc.cluster.local"), type: .a, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("5.1.244.10.in-addr.arpa"), type: .ptr, ttl: 5) == .notOurs)
        // The slices go away.
        t.remove(Fixtures.slice("db-1", service: "db", endpoints: []))
        t.remove(Fixtures.slice("db-2", service: "db", endpoints: []))
        #expect(t.slices.isEmpty)
        #expect(t.lookup(db, type: .aaaa, ttl: 5) == .noData)
    }

    @Test func publishNotReadyAddressesIncludesNotReadyEndpoints() throws {
        let t = try table([
            Fixtures.headless("peers", publishNotReady: true),
            Fixtures.slice("peers-1", service: "peers", endpoints: [.init(ip: "10.244.1.7", hostname: "p-0", ready: false)]),
        ])
        #expect(t.lookup(try name("peers.default.svc.cluster.local"), type: .a, ttl: 5).data == [.a(Fixtures.ip("10.244.1.7"))])
        #expect(t.lookup(try name("p-0.peers.default.svc.cluster.local"), type: .a, ttl: 5).data == [.a(Fixtures.ip("10.244.1.7"))])
    }

    @Test func slicesFollowTheirServiceLabel() throws {
        var t = try table([Fixtures.headless("a"), Fixtures.headless("b"),
                           Fixtures.slice("s", service: "a", endpoints: [.init(ip: "10.244.1.5")])])
        #expect(t.lookup(try name("a.default.svc.cluster.local"), type: .a, ttl: 5).data.count == 1)
        t.update(Fixtures.slice("s", service: "b", endpoints: [.init(ip: "10.244.1.5")]))
        #expect(t.lookup(try name("a.default.svc.cluster.local"), type: .a, ttl: 5) == .noData)
        #expect(t.lookup(try name("b.default.svc.cluster.local"), type: .a, ttl: 5).data.count == 1)
        t.update(Fixtures.slice("s", service: nil, endpoints: [.init(ip: "10.244.1.5")]))
        #expect(t.lookup(try name("b.default.svc.cluster.local"), type: .a, ttl: 5) == .noData)
    }

    @Test func slicesOfAClusterIPServiceDoNotChangeItsAddress() throws {
        let t = try table([Fixtures.service("web"), Fixtures.slice("web-1", service: "web", endpoints: [.init(ip: "10.244.1.5")])])
        #expect(t.lookup(try name("web.default.svc.cluster.local"), type: .a, ttl: 5).data == [.a([10, 96, 0, 10])])
        #expect(t.lookup(try name("10-244-1-5.web.default.svc.cluster.local"), type: .a, ttl: 5) == .nxDomain)
    }

    @Test func externalNameIsACNAME() throws {
        let t = try table([Fixtures.service("ext", clusterIP: nil, type: "ExternalName", externalName: "db.example.org")])
        #expect(t.lookup(try name("ext.default.svc.cluster.local"), type: .a, ttl: 5).data == [.cname(try name("db.example.org"))])
    }

    @Test func podNamesAnswerTheirDashedAddress() throws {
        let t = try table([])
        #expect(t.lookup(try name("10-244-1-5.default.pod.cluster.local"), type: .a, ttl: 5).data == [.a(Fixtures.ip("10.244.1.5"))])
        #expect(t.lookup(try name("fd00--5.kube-system.pod.cluster.local"), type: .aaaa, ttl: 5).data == [.aaaa(Fixtures.ip("fd00::5"))])
        #expect(t.lookup(try name("10-244-1-5.default.pod.cluster.local"), type: .aaaa, ttl: 5) == .noData)
        #expect(t.lookup(try name("not-an-ip.default.pod.cluster.local"), type: .a, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("x.cluster.local"), type: .a, ttl: 5) == .nxDomain)
        #expect(t.lookup(try name("cluster.local"), type: .a, ttl: 5) == .noData)
    }

    @Test func lookupsIgnoreCase() throws {
        let t = try table([Fixtures.service("web")])
        let asked = try name("WEB.Default.SVC.Cluster.Local")
        guard case .records(let answers, _) = t.lookup(asked, type: .a, ttl: 5) else {
            Issue.record("no answer for \(asked)")
            return
        }
        #expect(answers.first?.name.labels == asked.labels)
        #expect(t.lookup(try name("_HTTP._TCP.web.default.svc.cluster.local"), type: .srv, ttl: 5).data.count == 1)
    }
}
