import Testing
import KubeAPI
@testable import ClusterDNS

/// The resolver: which reply a query gets.
struct DNSResolverTests {
    func resolver(forwards: Bool = false) throws -> DNSResolver {
        DNSResolver(ResolverConfiguration(zone: try Fixtures.zone(), ttl: 5, forwards: forwards))
    }

    func table() throws -> DNSRecordTable {
        var t = DNSRecordTable(zone: try Fixtures.zone())
        t.update(Fixtures.service("web"))
        t.update(Fixtures.headless("big"))
        t.update(Fixtures.slice("big-1", service: "big", endpoints: (1...60).map { .init(ip: "10.244.2.\($0)") }))
        return t
    }

    func reply(_ query: DNSMessage, forwards: Bool = false, synced: Bool = true) throws -> DNSMessage? {
        guard case .reply(let m) = try resolver(forwards: forwards).resolve(query, table: try table(), synced: synced) else { return nil }
        return m
    }

    @Test func answersFromTheTableAuthoritatively() throws {
        let m = try #require(try reply(try Fixtures.query("web.default.svc.cluster.local", .a)))
        #expect(m.header.isResponse && m.header.authoritative && m.header.recursionDesired)
        #expect(!m.header.recursionAvailable)
        #expect(m.header.id == 0x1234)
        #expect(m.responseCode == .noError)
        #expect(m.answers.map(\.data) == [.a([10, 96, 0, 10])])
        #expect(m.authority.isEmpty)
    }

    @Test func unknownClusterNameIsNXDOMAINWithSOA() throws {
        let m = try #require(try reply(try Fixtures.query("nope.default.svc.cluster.local", .a)))
        #expect(m.responseCode == .nxDomain)
        #expect(m.header.authoritative)
        #expect(m.answers.isEmpty)
        let soa = try #require(m.authority.first)
        #expect(soa.name == (try Fixtures.zone()))
        guard case .soa(let data) = soa.data else {
            Issue.record("authority is \(soa)")
            return
        }
        #expect(data.minimum == 5)
        #expect(data.primary == (try DNSName("ns.dns.cluster.local")))
    }

    @Test func existingNameWithoutTheTypeIsNoDataWithSOA() throws {
        let m = try #require(try reply(try Fixtures.query("web.default.svc.cluster.local", .aaaa)))
        #expect(m.responseCode == .noError)
        #expect(m.answers.isEmpty)
        #expect(m.authority.map(\.type) == [.soa])
    }

    @Test func zoneApexAnswersSOA() throws {
        let m = try #require(try reply(try Fixtures.query("cluster.local", .soa)))
        #expect(m.answers.map(\.type) == [.soa])
    }

    @Test func otherNamesGetSERVFAILWithoutUpstream() throws {
        let m = try #require(try reply(try Fixtures.query("example.com", .a)))
        #expect(m.responseCode == .serverFailure)
        #expect(!m.header.recursionAvailable)
        #expect(m.answers.isEmpty)
        // An unknown reverse name is not ours either.
        #expect(try reply(try Fixtures.query("1.0.0.127.in-addr.arpa", .ptr))?.responseCode == .serverFailure)
    }

    @Test func otherNamesAreForwardedWithUpstream() throws {
        let r = try resolver(forwards: true)
        #expect(r.resolve(try Fixtures.query("example.com", .a), table: try table(), synced: true) == .forward)
        let m = try #require(try reply(try Fixtures.query("web.default.svc.cluster.local", .a), forwards: true))
        #expect(m.header.recursionAvailable)
        #expect(m.answers.count == 1)
    }

    @Test func clusterNamesGetSERVFAILUntilListed() throws {
        let m = try #require(try reply(try Fixtures.query("web.default.svc.cluster.local", .a), synced: false))
        #expect(m.responseCode == .serverFailure)
    }

    @Test func lookupIgnoresCaseAndEchoesTheQuestion() throws {
        let m = try #require(try reply(try Fixtures.query("Web.DEFAULT.svc.Cluster.Local", .a)))
        #expect(m.answers.count == 1)
        #expect(m.questions.first?.name.labels == ["Web", "DEFAULT", "svc", "Cluster", "Local"])
        #expect(m.answers.first?.name.labels == ["Web", "DEFAULT", "svc", "Cluster", "Local"])
    }

    @Test func malformedQueriesGetFORMERROrNothing() throws {
        let r = try resolver()
        let t = try table()
        // A header claiming a question that is not there.
        let packet: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        guard case .reply(let bytes) = r.respond(to: packet, transport: .udp, table: t, synced: true) else {
            Issue.record("no reply to a malformed query")
            return
        }
        let m = try DNSMessage(decoding: bytes)
        #expect(m.header.id == 0x1234 && m.responseCode == .formatError && m.header.isResponse)
        #expect(r.respond(to: [1, 2, 3], transport: .udp, table: t, synced: true) == .drop)
        // Two questions.
        var two = try Fixtures.query("web.default.svc.cluster.local", .a)
        two.questions.append(two.questions[0])
        #expect(try reply(two)?.responseCode == .formatError)
        // A response is never answered.
        var response = try Fixtures.query("web.default.svc.cluster.local", .a)
        response.header.isResponse = true
        #expect(r.respond(to: response.encode(), transport: .udp, table: t, synced: true) == .drop)
    }

    @Test func otherOpcodesAreNotImplemented() throws {
        var q = try Fixtures.query("web.default.svc.cluster.local", .a)
        q.header.opcode = 2
        #expect(try reply(q)?.responseCode == .notImplemented)
    }

    @Test func udpRepliesOver512BytesAreTruncatedWithoutEDNS() throws {
        let r = try resolver()
        let t = try table()
        let q = try Fixtures.query("big.default.svc.cluster.local", .a)
        guard case .reply(let udp) = r.respond(to: q.encode(), transport: .udp, table: t, synced: true),
              case .reply(let tcp) = r.respond(to: q.encode(), transport: .tcp, table: t, synced: true) else {
            Issue.record("no reply")
            return
        }
        let cut = try DNSMessage(decoding: udp)
        #expect(udp.count <= 512)
        #expect(cut.header.truncated && cut.answers.isEmpty)
        let full = try DNSMessage(decoding: tcp)
        #expect(!full.header.truncated && full.answers.count == 60)
        // With EDNS the client's buffer is used (up to ours), and the OPT is echoed.
        let e = try Fixtures.query("big.default.svc.cluster.local", .a, edns: 4096)
        guard case .reply(let big) = r.respond(to: e.encode(), transport: .udp, table: t, synced: true) else { return }
        let m = try DNSMessage(decoding: big)
        #expect(!m.header.truncated && m.answers.count == 60)
        #expect(m.edns?.udpPayloadSize == 1232)
        #expect(r.maxReplySize(for: try Fixtures.query("x", .a, edns: 100), transport: .udp) == 512)
    }

    @Test func unsupportedEDNSVersionIsBADVERS() throws {
        var q = try Fixtures.query("web.default.svc.cluster.local", .a, edns: 1232)
        q.edns?.version = 1
        let m = try #require(try reply(q))
        #expect(m.edns?.extendedResponseCode == 1)
        #expect(m.answers.isEmpty)
    }
}
