import Testing
import KubeAPI
@testable import ClusterDNS

/// The NIO server on 127.0.0.1 with a random port: UDP and TCP, truncation
/// and retry over TCP, forwarding to an upstream (another server on
/// loopback), SERVFAIL without one, and a clean stop on cancellation.
struct DNSServerTests {
    /// Runs a server on 127.0.0.1:0 around `body`, which gets its port; stops it afterwards.
    func withServer<T: Sendable>(zone: String = "cluster.local", port: Int = 0, upstream: HostPort? = nil, metrics: DNSMetrics? = nil,
                                 table: (inout DNSRecordTable) -> Void, _ body: @Sendable (Int) async throws -> T) async throws -> T {
        var t = DNSRecordTable(zone: try DNSName(zone))
        table(&t)
        let resolver = DNSResolver(ResolverConfiguration(zone: try DNSName(zone), ttl: 5, forwards: upstream != nil))
        let server = DNSServer(listen: HostPort(host: "127.0.0.1", port: port), resolver: resolver, store: RecordStore(table: t),
                               upstream: upstream.map { UpstreamServers([$0], timeout: .seconds(2)) }, metrics: metrics)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                // A server that fails to start ends the stream, so the wait below ends with its error.
                defer { continuation.finish() }
                try await server.run { continuation.yield($0) }
                return nil
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                while let _ = try await group.next() {}
                throw DNSServerError(description: "server did not start")
            }
            defer { group.cancelAll() }
            let result = try await body(port)
            group.cancelAll()
            while let r = try await group.next() { if let r { return r } }
            return result
        }
    }

    func ask(_ port: Int, _ name: String, _ type: RecordType, over transport: DNSTransport = .udp, id: UInt16 = 7) async throws -> DNSMessage {
        let query = try Fixtures.query(name, type, id: id)
        // A generous bound: under a loaded full test run the server's tasks can wait long for a thread.
        let bytes = try await DNSExchange.exchange(query.encode(), with: HostPort(host: "127.0.0.1", port: port), over: transport, timeout: .seconds(30))
        return try DNSMessage(decoding: bytes)
    }

    func fill(_ t: inout DNSRecordTable) {
        t.update(Fixtures.service("web"))
        t.update(Fixtures.headless("big"))
        t.update(Fixtures.slice("big-1", service: "big", endpoints: (1...60).map { .init(ip: "10.244.2.\($0)") }))
    }

    @Test func answersOverUDPAndTCP() async throws {
        try await withServer(table: fill) { port in
            let udp = try await ask(port, "web.default.svc.cluster.local", .a)
            #expect(udp.answers.map(\.data) == [.a([10, 96, 0, 10])])
            #expect(udp.header.id == 7)
            let tcp = try await ask(port, "web.default.svc.cluster.local", .a, over: .tcp, id: 8)
            #expect(tcp.answers.map(\.data) == [.a([10, 96, 0, 10])])
            let missing = try await ask(port, "gone.default.svc.cluster.local", .a)
            #expect(missing.responseCode == .nxDomain && missing.authority.map(\.type) == [.soa])
        }
    }

    /// CoreDNS' metrics: requests by protocol and type, responses by rcode, the time to answer.
    @Test func countsQueriesAsCoreDNSDoes() async throws {
        let metrics = DNSMetrics(server: "dns://127.0.0.1:53")
        try await withServer(metrics: metrics, table: fill) { port in
            _ = try await ask(port, "web.default.svc.cluster.local", .a)
            _ = try await ask(port, "web.default.svc.cluster.local", .a, over: .tcp)
            _ = try await ask(port, "gone.default.svc.cluster.local", .aaaa)
        }
        let text = metrics.render()
        let server = #"server="dns://127.0.0.1:53",zone=".",view="""#
        for line in [
            #"coredns_dns_requests_total{\#(server),proto="udp",family="1",type="A"} 1"#,
            #"coredns_dns_requests_total{\#(server),proto="tcp",family="1",type="A"} 1"#,
            #"coredns_dns_requests_total{\#(server),proto="udp",family="1",type="AAAA"} 1"#,
            #"coredns_dns_responses_total{\#(server),rcode="NOERROR",plugin=""} 2"#,
            #"coredns_dns_responses_total{\#(server),rcode="NXDOMAIN",plugin=""} 1"#,
            #"coredns_dns_request_duration_seconds_count{\#(server),type="A"} 2"#,
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)\n\(text)")
        }
        // A malformed packet is counted as type "other", never read past its end.
        #expect(DNSMetrics.queryType([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 63]) == nil)
        #expect(DNSMetrics.queryType([]) == nil)
    }

    @Test func truncatedOverUDPCompleteOverTCP() async throws {
        try await withServer(table: fill) { port in
            let udp = try await ask(port, "big.default.svc.cluster.local", .a)
            #expect(udp.header.truncated && udp.answers.isEmpty)
            let tcp = try await ask(port, "big.default.svc.cluster.local", .a, over: .tcp)
            #expect(!tcp.header.truncated && tcp.answers.count == 60)
        }
    }

    @Test func noUpstreamMeansSERVFAIL() async throws {
        try await withServer(table: fill) { port in
            let udp = try await ask(port, "example.com", .a)
            let tcp = try await ask(port, "example.com", .a, over: .tcp)
            #expect(udp.responseCode == .serverFailure && !udp.header.recursionAvailable)
            #expect(tcp.responseCode == .serverFailure)
        }
    }

    @Test func forwardsOtherNamesToTheUpstream() async throws {
        // The upstream is another server on loopback, authoritative for other.test.
        try await withServer(zone: "other.test", table: { $0.update(Fixtures.service("api", clusterIP: "10.97.0.1")) }) { upstream in
            try await withServer(upstream: HostPort(host: "127.0.0.1", port: upstream), table: fill) { port in
                for transport in [DNSTransport.udp, .tcp] {
                    let m = try await ask(port, "api.default.svc.other.test", .a, over: transport, id: 99)
                    #expect(m.header.id == 99)
                    #expect(m.answers.map(\.data) == [.a([10, 97, 0, 1])], "\(transport)")
                    #expect(m.header.authoritative)
                }
                // Cluster names are still answered locally.
                let local = try await ask(port, "web.default.svc.cluster.local", .a)
                #expect(local.answers.count == 1)
            }
        }
    }

    @Test func unreachableUpstreamMeansSERVFAIL() async throws {
        // A port nothing listens on: UDP gets no reply (or ICMP refusal), so the forwarder times out.
        try await withServer(upstream: HostPort(host: "127.0.0.1", port: 9), table: fill) { port in
            let bytes = try await DNSExchange.exchange(try Fixtures.query("example.com", .a).encode(),
                                                       with: HostPort(host: "127.0.0.1", port: port), over: .udp, timeout: .seconds(30))
            #expect(try DNSMessage(decoding: bytes).responseCode == .serverFailure)
        }
    }

    @Test func stopsOnCancellationAndFreesThePort() async throws {
        let port = try await withServer(table: fill) { port in port }
        // Stopped: the same port can be bound again right away, UDP and TCP, and answers.
        let answers = try await withServer(port: port, table: fill) { p in
            try await ask(p, "web.default.svc.cluster.local", .a).answers.count
        }
        #expect(answers == 1)
    }
}
