import Foundation
import KubeAPI
import NIOCore
import NIOPosix
import TestSupport
import Testing
@testable import Ingress

/// The proxy on loopback: real backends on ephemeral ports, curl as the client.
@Suite(.ownThread, .requires(.tool("curl")))
struct ProxyServerTests {
    /// A proxy routing `a.example.com` to backend A and `b.example.com/api` to backend B, and the backends.
    struct Harness {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var a: TestBackend!
        var b: TestBackend!
        let store = RoutingTableStore()
        var proxy: ProxyServer!

        static func make(secrets: [Secret] = [], tls: [IngressTLS]? = nil, extra: [Ingress] = [],
                         metrics: IngressMetrics? = nil) async throws -> Harness {
            var h = Harness()
            h.a = try await TestBackend.start("A", group: h.group)
            h.b = try await TestBackend.start("B", group: h.group)
            h.store.replace(h.table(secrets: secrets, tls: tls, extra: extra))
            h.proxy = ProxyServer(configuration: ProxyConfiguration(bindAddress: "127.0.0.1", httpPort: 0, httpsPort: 0, connectTimeout: 2,
                                                                    shutdownGracePeriod: 5),
                                  store: h.store, tls: try TLSContextStore(store: h.store), threads: 2, metrics: metrics)
            try await h.proxy.start()
            return h
        }

        func table(secrets: [Secret] = [], tls: [IngressTLS]? = nil, extra: [Ingress] = [], withB: Bool = true) -> IngressRoutingTable {
            var services = [Fixtures.service("a"), Fixtures.service("missing-endpoints"), Fixtures.service("down")]
            var slices = [Fixtures.slice("a", port: a.port, endpoints: [("127.0.0.1", true, false)]),
                          // Nothing listens on port 1 of loopback.
                          Fixtures.slice("down", port: 1, endpoints: [("127.0.0.1", true, false)])]
            if withB {
                services.append(Fixtures.service("b"))
                slices.append(Fixtures.slice("b", port: b.port, endpoints: [("127.0.0.1", true, false)]))
            }
            let ing = Fixtures.ingress("web", rules: [
                Fixtures.rule("a.example.com", [("/", "Prefix", "a")]),
                Fixtures.rule("b.example.com", [("/api", "Prefix", "b"), ("/none", "Prefix", "missing-endpoints"),
                                                 ("/gone", "Prefix", "no-such-service"), ("/down", "Prefix", "down")]),
            ], tls: tls)
            return IngressRoutingTable.build(IngressSnapshot(ingresses: [ing] + extra, services: services, endpointSlices: slices,
                                                             secrets: secrets)).table
        }

        func stop() async {
            await proxy.shutdown()
            await a.stop()
            await b.stop()
            try? await group.shutdownGracefully()
        }

        var http: Int { proxy.httpPort ?? 0 }
        var https: Int { proxy.httpsPort ?? 0 }
    }

    /// curl's status code and body for a request through the proxy.
    static func curl(_ args: String) -> (code: String, body: String) {
        let (_, out) = shell("curl -s -m 20 -w '\\n%{http_code}' \(args)", timeout: 30)
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
    }

    @Test func routesByHostAndPathWithForwardedHeaders() async throws {
        let h = try await Harness.make()
        do {
            let a = Self.curl("-H 'Host: a.example.com' -H 'X-Forwarded-For: 6.6.6.6' http://127.0.0.1:\(h.http)/x?y=1")
            #expect(a.code == "200")
            #expect(a.body.contains("backend=A path=/x?y=1"))
            #expect(a.body.contains("xff=127.0.0.1 xrealip=127.0.0.1"))
            #expect(a.body.contains("host=a.example.com xfhost=a.example.com proto=http port=\(h.http)"))
            let b = Self.curl("-H 'Host: b.example.com' -d hello http://127.0.0.1:\(h.http)/api/v1")
            #expect(b.code == "200")
            #expect(b.body.contains("backend=B path=/api/v1 body=hello"))
            // /apix is not under /api.
            #expect(Self.curl("-H 'Host: b.example.com' http://127.0.0.1:\(h.http)/apix").code == "404")
            #expect(Self.curl("-H 'Host: c.example.com' http://127.0.0.1:\(h.http)/").code == "404")
        }
        await h.stop()
    }

    @Test func keepAliveConnectionsServeManyRequests() async throws {
        let h = try await Harness.make()
        do {
            let urls = (0..<20).map { "http://127.0.0.1:\(h.http)/api/\($0)" }.joined(separator: " ")
            let (code, out) = shell("curl -s -m 20 -H 'Host: b.example.com' \(urls)", timeout: 30)
            #expect(code == 0)
            #expect(out.split(separator: "\n").filter { $0.hasPrefix("backend=B") }.count == 20)
        }
        await h.stop()
    }

    /// ingress-nginx's request metrics: by ingress, namespace, service, host, method and status.
    @Test func requestsAreCountedAsIngressNginxCountsThem() async throws {
        let metrics = IngressMetrics(controllerClass: "swiftkube.io/ingress-controller")
        let h = try await Harness.make(metrics: metrics)
        do {
            for _ in 0..<2 { #expect(Self.curl("-H 'Host: a.example.com' http://127.0.0.1:\(h.http)/x").code == "200") }
            #expect(Self.curl("-H 'Host: b.example.com' -d x http://127.0.0.1:\(h.http)/api").code == "200")
            #expect(Self.curl("-H 'Host: b.example.com' http://127.0.0.1:\(h.http)/none").code == "503")
            #expect(Self.curl("-H 'Host: c.example.com' http://127.0.0.1:\(h.http)/").code == "404")
            #expect(Self.curl("-H 'Host: d.example.com' http://127.0.0.1:\(h.http)/").code == "404")
            #expect(Self.curl("-X FROB -H 'Host: a.example.com' http://127.0.0.1:\(h.http)/x").code == "200")
        }
        await h.stop()
        let text = metrics.render()
        let c = #"controller_class="swiftkube.io/ingress-controller""#
        for line in [
            #"nginx_ingress_controller_requests{\#(c),host="a.example.com",ingress="web",method="GET",namespace="default",service="a",status="200"} 2"#,
            #"nginx_ingress_controller_requests{\#(c),host="b.example.com",ingress="web",method="POST",namespace="default",service="b",status="200"} 1"#,
            #"nginx_ingress_controller_requests{\#(c),host="b.example.com",ingress="web",method="GET",namespace="default",service="missing-endpoints",status="503"} 1"#,
            // Unrouted hosts and unknown methods are not labels of their own: no client can grow the series.
            #"nginx_ingress_controller_requests{\#(c),host="",ingress="",method="GET",namespace="",service="",status="404"} 2"#,
            #"nginx_ingress_controller_requests{\#(c),host="a.example.com",ingress="web",method="other",namespace="default",service="a",status="200"} 1"#,
            #"nginx_ingress_controller_request_duration_seconds_count{\#(c),host="a.example.com",ingress="web",method="GET",namespace="default",service="a",status="200"} 2"#,
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)\n\(text)")
        }
    }

    @Test func unavailableBackendsAnswerAsNginx() async throws {
        let h = try await Harness.make()
        do {
            let none = Self.curl("-H 'Host: b.example.com' http://127.0.0.1:\(h.http)/none")
            #expect(none.code == "503")
            #expect(none.body.contains("503 Service Temporarily Unavailable"))
            #expect(Self.curl("-H 'Host: b.example.com' http://127.0.0.1:\(h.http)/gone").code == "503")
            #expect(Self.curl("-H 'Host: b.example.com' http://127.0.0.1:\(h.http)/down").code == "502")
        }
        await h.stop()
    }

    @Test func tlsWithSNIAndHTTP2() async throws {
        let pair = try SelfSignedCertificate.make(commonName: "a.example.com", dnsNames: ["a.example.com"])
        var secret = Secret(metadata: ObjectMeta())
        secret.metadata.name = "a-tls"
        secret.metadata.namespace = "default"
        secret.type = "kubernetes.io/tls"
        secret.data = ["tls.crt": Data(pair.certificatePEM.utf8).base64EncodedString(), "tls.key": Data(pair.keyPEM.utf8).base64EncodedString()]
        let h = try await Harness.make(secrets: [secret], tls: [IngressTLS(hosts: ["a.example.com"], secretName: "a-tls")])
        do {
            let dir = ScratchDirectory("ingress-tls")
            let caFile = dir.path + "/a.pem"
            try pair.certificatePEM.write(toFile: caFile, atomically: true, encoding: .utf8)
            // Verified against the Secret's certificate: SNI chose it.
            let (code, out) = shell("curl -s -m 20 --cacert \(caFile) --resolve a.example.com:\(h.https):127.0.0.1 "
                                    + "--http2 -w '\\n%{http_version}' https://a.example.com:\(h.https)/tls", timeout: 30)
            #expect(code == 0, "\(out)")
            #expect(out.contains("backend=A path=/tls"))
            #expect(out.contains("proto=https"))
            #expect(out.hasSuffix("\n2"))
            // HTTP/1.1 over TLS too.
            let (code1, out1) = shell("curl -s -m 20 --cacert \(caFile) --resolve a.example.com:\(h.https):127.0.0.1 "
                                      + "--http1.1 -w '\\n%{http_version}' https://a.example.com:\(h.https)/tls1", timeout: 30)
            #expect(code1 == 0 && out1.hasSuffix("\n1.1"), "\(out1)")
            // Another name gets the default (self-signed) certificate, which that CA does not sign.
            let (other, _) = shell("curl -s -m 20 --cacert \(caFile) --resolve b.example.com:\(h.https):127.0.0.1 https://b.example.com:\(h.https)/api", timeout: 30)
            #expect(other != 0)
            #expect(Self.curl("-k --resolve b.example.com:\(h.https):127.0.0.1 https://b.example.com:\(h.https)/api").code == "200")
        }
        await h.stop()
    }

    /// Sends raw bytes, then shuts the sending side down, and reads until the proxy closes.
    static func exchange(_ request: String, port: Int, group: any EventLoopGroup) async throws -> String {
        let ch = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: port) { ch in
            ch.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch,
                                                            configuration: .init(isOutboundHalfClosureEnabled: true))
            }
        }
        return try await ch.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(string: request))
            outbound.finish()
            var text = ""
            for try await chunk in inbound { text += String(buffer: chunk) }
            return text
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrderAndAHalfCloseWaitsForThem() async throws {
        let h = try await Harness.make()
        do {
            let request = (1...3).map { "GET /api/\($0) HTTP/1.1\r\nHost: b.example.com\r\n\r\n" }.joined()
            let text = try await Self.exchange(request, port: h.http, group: h.group)
            let paths = text.components(separatedBy: "backend=B path=").dropFirst().map { $0.prefix(6) }
            #expect(paths == ["/api/1", "/api/2", "/api/3"], "\(text)")
            #expect(text.components(separatedBy: "HTTP/1.1 200 OK").count == 4)
        }
        await h.stop()
    }

    @Test func aRequestThatDoesNotParseGets400AndTheConnectionCloses() async throws {
        let h = try await Harness.make()
        do {
            let text = try await Self.exchange("NOT HTTP AT ALL\r\n\r\n", port: h.http, group: h.group)
            #expect(text.hasPrefix("HTTP/1.1 400 Bad Request"), "\(text)")
            #expect(text.lowercased().contains("connection: close"))
        }
        await h.stop()
    }

    @Test func responsesFramedEveryWayReachTheClient() async throws {
        let h = try await Harness.make()
        do {
            let base = "-H 'Host: a.example.com' http://127.0.0.1:\(h.http)"
            // Chunked from the backend: decoded and chunked again for an HTTP/1.1 client.
            let chunked = Self.curl("\(base)/chunked")
            #expect(chunked.code == "200" && chunked.body == "hello, world", "\(chunked)")
            // Read until the backend closes: chunked for the client, whose connection stays open.
            let untilClose = Self.curl("\(base)/close")
            #expect(untilClose.code == "200" && untilClose.body == "read until the connection closes", "\(untilClose)")
            #expect(Self.curl("\(base)/nocontent").code == "204")
            // Several framings one after another on one keep-alive connection.
            let (code, out) = shell("curl -s -m 20 -H 'Host: a.example.com' http://127.0.0.1:\(h.http)/chunked http://127.0.0.1:\(h.http)/nocontent "
                                    + "http://127.0.0.1:\(h.http)/close http://127.0.0.1:\(h.http)/after", timeout: 30)
            #expect(code == 0 && out.contains("hello, worldread until the connection closesbackend=A path=/after"), "\(out)")
            // An HTTP/1.0 client: the body that has no length ends when the connection closes.
            let old = try await Self.exchange("GET /chunked HTTP/1.0\r\nHost: a.example.com\r\n\r\n", port: h.http, group: h.group)
            #expect(old.hasPrefix("HTTP/1.0 200 OK\r\n") && old.hasSuffix("\r\n\r\nhello, world"), "\(old)")
            #expect(old.contains("Connection: close") && !old.lowercased().contains("transfer-encoding"))
            // HEAD: the length of the body that is not sent.
            let head = try await Self.exchange("HEAD /x HTTP/1.1\r\nHost: a.example.com\r\n\r\n", port: h.http, group: h.group)
            #expect(head.hasPrefix("HTTP/1.1 200 OK") && head.contains("Content-Length: ") && head.hasSuffix("\r\n\r\n"), "\(head)")
            // An informational response goes ahead of the final one.
            let early = try await Self.exchange("GET /early HTTP/1.1\r\nHost: a.example.com\r\n\r\n", port: h.http, group: h.group)
            #expect(early.hasPrefix("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\n"), "\(early)")
            #expect(early.hasSuffix("\r\n\r\nearly"))
            // A response that does not parse (two lengths) is the backend's fault: 502.
            #expect(Self.curl("\(base)/garbage").code == "502")
        }
        await h.stop()
    }

    @Test func requestBodiesAreFramedAndAmbiguousRequestsRefused() async throws {
        let h = try await Harness.make()
        do {
            let chunked = Self.curl("-H 'Host: b.example.com' -H 'Transfer-Encoding: chunked' -d hello http://127.0.0.1:\(h.http)/api/chunked")
            #expect(chunked.code == "200" && chunked.body.contains("path=/api/chunked body=hello"), "\(chunked)")
            let before = h.b.requests
            // Both lengths: where the request ends is ambiguous (request smuggling), so it is refused.
            let both = try await Self.exchange("POST /api HTTP/1.1\r\nHost: b.example.com\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                                               port: h.http, group: h.group)
            #expect(both.hasPrefix("HTTP/1.1 400 Bad Request"), "\(both)")
            let gzip = try await Self.exchange("POST /api HTTP/1.1\r\nHost: b.example.com\r\nTransfer-Encoding: gzip\r\n\r\n", port: h.http, group: h.group)
            #expect(gzip.hasPrefix("HTTP/1.1 501 Not Implemented"), "\(gzip)")
            let folded = try await Self.exchange("GET /api HTTP/1.1\r\nHost: b.example.com\r\nX-A: 1\r\n  continued\r\n\r\n", port: h.http, group: h.group)
            #expect(folded.hasPrefix("HTTP/1.1 400 Bad Request"), "\(folded)")
            let large = try await Self.exchange("GET /api HTTP/1.1\r\nHost: b.example.com\r\nX-Big: \(String(repeating: "a", count: 70_000))\r\n\r\n",
                                                port: h.http, group: h.group)
            #expect(large.hasPrefix("HTTP/1.1 431 Request Header Fields Too Large"), "\(large.prefix(100))")
            #expect(h.b.requests == before)
        }
        await h.stop()
    }

    @Test func upgradeBecomesATunnel() async throws {
        let h = try await Harness.make()
        do {
            let ch = try await ClientBootstrap(group: h.group).connect(host: "127.0.0.1", port: h.http) { ch in
                ch.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: ch) }
            }
            let received = try await ch.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(string: "GET /ws HTTP/1.1\r\nHost: a.example.com\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n"))
                var text = ""
                var sent = false
                for try await chunk in inbound {
                    text += String(buffer: chunk)
                    if !sent, text.contains("\r\n\r\n") {
                        sent = true
                        try await outbound.write(ByteBuffer(string: "ping-through-the-tunnel"))
                    }
                    if text.contains("ping-through-the-tunnel") { break }
                }
                return text
            }
            #expect(received.hasPrefix("HTTP/1.1 101 Switching Protocols"))
            #expect(received.contains("ping-through-the-tunnel"))
        }
        await h.stop()
    }

    @Test func aDeclinedUpgradeLeavesTheConnectionToHTTP() async throws {
        let h = try await Harness.make()
        do {
            let text = try await Self.exchange("GET /first HTTP/1.1\r\nHost: a.example.com\r\nConnection: Upgrade\r\nUpgrade: other\r\n\r\n"
                                               + "GET /second HTTP/1.1\r\nHost: a.example.com\r\n\r\n", port: h.http, group: h.group)
            let paths = text.components(separatedBy: "backend=A path=").dropFirst().map { $0.prefix(7) }
            #expect(paths == ["/first ", "/second"], "\(text)")
        }
        await h.stop()
    }

    @Test func reconfigurationKeepsInFlightRequests() async throws {
        let h = try await Harness.make()
        do {
            let port = h.http
            let slow = Task.detached { Self.curl("-H 'Host: b.example.com' http://127.0.0.1:\(port)/api/slow") }
            // Wait until the request is with the backend, then drop its route.
            while h.b.requests == 0 { try await Task.sleep(for: .milliseconds(10)) }
            h.store.replace(h.table(withB: false))
            let result = await slow.value
            #expect(result.code == "200")
            #expect(result.body.contains("backend=B path=/api/slow"))
            #expect(Self.curl("-H 'Host: b.example.com' http://127.0.0.1:\(port)/api").code == "503")
        }
        await h.stop()
    }

    @Test func shutdownDrainsInFlightRequests() async throws {
        let h = try await Harness.make()
        let port = h.http
        let slow = Task.detached { Self.curl("-H 'Host: a.example.com' http://127.0.0.1:\(port)/slow") }
        while h.a.requests == 0 { try await Task.sleep(for: .milliseconds(10)) }
        await h.stop()
        let result = await slow.value
        #expect(result.code == "200")
        #expect(result.body.contains("backend=A path=/slow"))
    }
}
