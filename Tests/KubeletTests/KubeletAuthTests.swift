import Foundation
import HTTPServing
import NIOHTTP1
import Synchronization
import Testing
@testable import Kubelet

/// The kubelet API's authentication and authorization decisions, with a fake API server.
@Suite struct KubeletAuthTests {
    final class FakeReviewer: KubeletReviewer {
        let tokens: [String: CertificateUser]
        let allowed: Set<String>
        let calls = Mutex<[String]>([])

        init(tokens: [String: CertificateUser], allowed: Set<String>) {
            self.tokens = tokens
            self.allowed = allowed
        }

        func reviewToken(_ token: String) async throws -> TokenOutcome {
            calls.withLock { $0.append("token \(token)") }
            return TokenOutcome(user: tokens[token])
        }

        func authorize(user: CertificateUser, attributes a: KubeletAuth.Attributes) async throws -> Bool {
            calls.withLock { $0.append("sar \(user.name) \(a.verb) nodes/\(a.subresource)") }
            return allowed.contains("\(user.name) \(a.verb) nodes/\(a.subresource)")
        }
    }

    final class Clock: Sendable {
        let seconds = Mutex(1000.0)
        func advance(_ s: Double) { seconds.withLock { $0 += s } }
    }

    static let prometheus = CertificateUser(name: "system:serviceaccount:monitoring:prometheus", groups: ["system:serviceaccounts"])

    static func request(_ path: String, method: HTTPMethod = .GET, token: String? = nil) -> HTTPRequest {
        var headers = HTTPHeaders()
        if let token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        return HTTPRequest(method: method, uri: path, headers: headers, body: [])
    }

    @Test func pathsMapToUpstreamsSubresources() {
        func attrs(_ m: HTTPMethod, _ p: String) -> String {
            let a = KubeletAuth.attributes(method: m, path: p, nodeName: "n1")
            return "\(a.verb) \(a.subresource) \(a.name)"
        }
        #expect(attrs(.GET, "/stats/summary") == "get stats n1")
        #expect(attrs(.GET, "/stats") == "get stats n1")
        #expect(attrs(.GET, "/metrics") == "get metrics n1")
        #expect(attrs(.GET, "/metrics/cadvisor") == "get metrics n1")
        #expect(attrs(.GET, "/logs/messages") == "get log n1")
        #expect(attrs(.GET, "/statsz") == "get proxy n1")
        #expect(attrs(.GET, "/pods") == "get proxy n1")
        #expect(attrs(.POST, "/exec/ns/pod/c") == "create proxy n1")
        #expect(attrs(.GET, "/containerLogs/ns/pod/c") == "get proxy n1")
    }

    @Test func tokensAreReviewedAndDecisionsCached() async {
        let reviewer = FakeReviewer(tokens: ["t1": Self.prometheus], allowed: ["\(Self.prometheus.name) get nodes/metrics"])
        let clock = Clock()
        let auth = KubeletAuth(clientCA: nil, anonymous: false, mode: .webhook, nodeName: "n1", reviewer: reviewer,
                               now: { clock.seconds.withLock { $0 } })
        #expect(await auth.check(Self.request("/metrics/cadvisor", token: "t1")) == nil)
        #expect(await auth.check(Self.request("/metrics", token: "t1")) == nil)
        let denied = await auth.check(Self.request("/stats/summary", token: "t1"))
        #expect(denied?.status == .forbidden)
        #expect(denied?.bodyText == "Forbidden (user=system:serviceaccount:monitoring:prometheus, verb=get, resource=nodes, subresource=stats)\n")
        // One token review and one review per decision, however many requests.
        #expect(reviewer.calls.withLock { $0 } == ["token t1", "sar \(Self.prometheus.name) get nodes/metrics", "sar \(Self.prometheus.name) get nodes/stats"])
        // Denials are kept 30 s, allowed decisions 5 minutes, tokens 2 minutes.
        clock.advance(31)
        _ = await auth.check(Self.request("/stats/summary", token: "t1"))
        _ = await auth.check(Self.request("/metrics", token: "t1"))
        #expect(reviewer.calls.withLock { $0 }.count == 4)
        clock.advance(100)
        _ = await auth.check(Self.request("/metrics", token: "t1"))
        #expect(reviewer.calls.withLock { $0 }.last == "token t1")
    }

    @Test func withoutCredentialsOrWithABadTokenIs401() async {
        let reviewer = FakeReviewer(tokens: [:], allowed: ["system:anonymous get nodes/proxy"])
        let strict = KubeletAuth(clientCA: nil, anonymous: false, mode: .webhook, nodeName: "n1", reviewer: reviewer)
        #expect(await strict.check(Self.request("/pods"))?.status == .unauthorized)
        #expect(await strict.check(Self.request("/pods", token: "forged"))?.status == .unauthorized)
        // --anonymous-auth: system:anonymous, authorized like anyone else.
        let open = KubeletAuth(clientCA: nil, anonymous: true, mode: .webhook, nodeName: "n1", reviewer: reviewer)
        #expect(await open.check(Self.request("/pods")) == nil)
        #expect(await open.check(Self.request("/stats/summary"))?.status == .forbidden)
        #expect(await open.check(Self.request("/pods", token: "forged"))?.status == .unauthorized)
        // AlwaysAllow: any authenticated client.
        let always = KubeletAuth(clientCA: nil, anonymous: true, mode: .alwaysAllow, nodeName: "n1", reviewer: reviewer)
        #expect(await always.check(Self.request("/stats/summary")) == nil)
    }
}

extension HTTPResponse {
    var bodyText: String? {
        guard case .bytes(let bytes) = body else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
