import Foundation
import HTTPServing
import NIOHTTP1
import Testing
import TestSupport
@testable import MiniControlPlane

/// The dashboard's server side: its assets, the websocket bearer
/// subprotocol browsers authenticate with, and the Prometheus reads.
@Suite struct DashboardServerTests {
    static func request(_ headers: [(String, String)]) -> HTTPRequest {
        HTTPRequest(method: .GET, uri: "/api/v1/namespaces/default/pods/p/exec", headers: HTTPHeaders(headers), body: [])
    }

    @Test func theWebSocketBearerSubprotocolBecomesTheAuthorizationAndGoesNoFurther() {
        let token = "eyJhbGciOiJFUzI1NiJ9.e30.sig-_"
        let encoded = Data(token.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let moved = Authenticator.movingWebSocketBearer(Self.request([
            ("Upgrade", "websocket"), ("Connection", "Upgrade"),
            ("Sec-WebSocket-Protocol", "v5.channel.k8s.io, base64url.bearer.authorization.k8s.io.\(encoded), v4.channel.k8s.io"),
        ]))
        #expect(moved.headers.first(name: "authorization") == "Bearer \(token)")
        #expect(moved.headers.first(name: "sec-websocket-protocol") == "v5.channel.k8s.io, v4.channel.k8s.io")
        // A header already there wins; the subprotocol still goes.
        let both = Authenticator.movingWebSocketBearer(Self.request([
            ("Upgrade", "websocket"), ("Authorization", "Bearer other"),
            ("Sec-WebSocket-Protocol", "base64url.bearer.authorization.k8s.io.\(encoded)"),
        ]))
        #expect(both.headers.first(name: "authorization") == "Bearer other")
        #expect(both.headers.first(name: "sec-websocket-protocol") == nil)
        // Not a websocket, or not base64url: as it was, or no credentials.
        let plain = Authenticator.movingWebSocketBearer(Self.request([("Sec-WebSocket-Protocol", "base64url.bearer.authorization.k8s.io.\(encoded)")]))
        #expect(plain.headers.first(name: "authorization") == nil)
        let garbage = Authenticator.movingWebSocketBearer(Self.request([
            ("Upgrade", "websocket"), ("Sec-WebSocket-Protocol", "base64url.bearer.authorization.k8s.io.%%%"),
        ]))
        #expect(garbage.headers.first(name: "authorization") == nil)
    }

    @Test func assetsCarryAPolicyThatKeepsThePageToThisServer() throws {
        let server = DashboardServer(prometheusURL: nil)
        let page = try #require(server.asset("/dashboard/"))
        #expect(page.status == .ok)
        let policy = page.headers.first(name: "content-security-policy") ?? ""
        #expect(policy.contains("default-src 'self'") && policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"))
        guard case .bytes(let html) = page.body else { Issue.record("no page"); return }
        let text = String(decoding: html, as: UTF8.self)
        #expect(text.contains("/dashboard/app.js") && !text.contains("http://") && !text.contains("https://"))
        #expect(server.asset("/dashboard")?.status == .movedPermanently)
        #expect(server.asset("/dashboard/app.js")?.headers.first(name: "content-type")?.hasPrefix("text/javascript") == true)
        #expect(server.asset("/dashboard/vendor/nope.js")?.status == .notFound)
        #expect(server.asset("/api/v1/pods") == nil)
    }

    @Test func aMissingDebianPackageIsNamed() throws {
        let empty = TestPaths.temporaryDirectory("dashboard-vendor")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let server = DashboardServer(vendor: DashboardVendor(javascriptRoot: empty, nodeRoot: empty), prometheusURL: nil)
        for (name, package) in [("chart.js", "libjs-chart.js"), ("xterm.js", "node-xterm"), ("xterm.css", "node-xterm")] {
            let response = try #require(server.asset("/dashboard/vendor/\(name)"))
            guard case .bytes(let body) = response.body else { continue }
            #expect(response.status == .notFound && String(decoding: body, as: UTF8.self).contains("apt-get install \(package)"))
        }
    }

    @Test func xtermsModulesAreJoinedBehindARequireThatResolvesRelativePaths() throws {
        let root = TestPaths.temporaryDirectory("dashboard-node")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/xterm/lib/public", withIntermediateDirectories: true)
        try #"{"version": "3.8.1"}"#.write(toFile: root + "/xterm/package.json", atomically: true, encoding: .utf8)
        try #"var T = require("../Terminal"); exports.Terminal = T.Terminal;"#
            .write(toFile: root + "/xterm/lib/public/Terminal.js", atomically: true, encoding: .utf8)
        try #"exports.Terminal = function () { this.ok = true; };"#.write(toFile: root + "/xterm/lib/Terminal.js", atomically: true, encoding: .utf8)
        try "throw new Error('tests are left out')".write(toFile: root + "/xterm/lib/Terminal.test.js", atomically: true, encoding: .utf8)
        let bundle = try #require(DashboardVendor(nodeRoot: root).xtermBundle())
        #expect(bundle.contains("xterm.js 3.8.1") && bundle.contains(#"defs["public/Terminal"]"#) && !bundle.contains("tests are left out"))
        // Run it where there is a JavaScript engine: window.Terminal is the module's class.
        guard let node = TestPaths.which("node") else { return }
        let script = root + "/run.js"
        try ("var window = {};\n" + bundle + "\nconsole.log(new window.Terminal().ok);").write(toFile: script, atomically: true, encoding: .utf8)
        let r = try TestProcess.run([node, script])
        #expect(r.code == 0 && r.stdout == "true\n", "\(r)")
    }
}

/// The dashboard against a running control plane: the page without
/// credentials, and Prometheus' answers only for users RBAC lets read them.
@Suite(.requires(.product("controlplane"), .kubectl, .tool("curl", package: "curl"), .tool("python3")))
struct DashboardClusterTests {
    @Test func prometheusReadsTakeTheNonResourceURLAndTheFlag() async throws {
        // A stand-in Prometheus: Python's HTTP server answering /api/v1/alerts from a file.
        let dir = TestPaths.temporaryDirectory("fake-prometheus")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/api/v1", withIntermediateDirectories: true)
        try #"{"status":"success","data":{"alerts":[{"labels":{"alertname":"KubePodCrashLooping"},"state":"firing"}]}}"#
            .write(toFile: dir + "/api/v1/alerts", atomically: true, encoding: .utf8)
        let port = Harness.freePort()
        let fake = try ChildProcess("/usr/bin/python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", dir],
                                    log: URL(fileURLWithPath: dir + ".log"))
        defer { fake.stop(); try? FileManager.default.removeItem(atPath: dir + ".log") }
        try await withCluster(.sqlite, extraArgs: ["--prometheus-url", "http://127.0.0.1:\(port)"]) { c in
            let base = "https://127.0.0.1:\(c.port)"
            // The page needs no credentials.
            let page = try TestProcess.run(["/usr/bin/curl", "-sk", base + "/dashboard/"])
            #expect(page.stdout.contains("<title>swiftkube dashboard</title>"), "\(page)")
            // Prometheus' answers: the admin reads them (once the stand-in listens) ...
            _ = await Harness.waitUntil(attempts: 50) { (try? c.kubectl("get", "--raw", "/dashboard/prometheus/api/v1/alerts").status) == 0 }
            let alerts = try c.kubectl("get", "--raw", "/dashboard/prometheus/api/v1/alerts")
            #expect(alerts.stdout.contains("KubePodCrashLooping"), "\(alerts.output)")
            #expect(try c.kubectl("get", "--raw", "/dashboard/prometheus/api/v1/targets").output.contains("NotFound"))
            // ... a user without the non-resource URL does not, nor does anyone unauthenticated.
            _ = try c.kubectl("create", "serviceaccount", "nobody")
            let token = try c.kubectl("create", "token", "nobody").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let refused = try c.kubectl(token: token, ["get", "--raw", "/dashboard/prometheus/api/v1/alerts"])
            #expect(refused.status != 0 && refused.output.contains("forbidden"), "\(refused.output)")
            let anonymous = try TestProcess.run(["/usr/bin/curl", "-sk", base + "/dashboard/prometheus/api/v1/alerts"])
            #expect(anonymous.stdout.contains("Forbidden") || anonymous.stdout.contains("Unauthorized"), "\(anonymous)")
            // The grant upstream's RBAC would write for it.
            let bound = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: dashboard-metrics}
                rules: [{nonResourceURLs: ["/dashboard/prometheus/*"], verbs: [get]}]
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRoleBinding
                metadata: {name: nobody-metrics}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: dashboard-metrics}
                subjects: [{kind: ServiceAccount, name: nobody, namespace: default}]
                """)
            #expect(bound.status == 0, "\(bound.output)")
            _ = await Harness.waitUntil(attempts: 50) { (try? c.kubectl(token: token, ["get", "--raw", "/dashboard/prometheus/api/v1/alerts"]).status) == 0 }
            let granted = try c.kubectl(token: token, ["get", "--raw", "/dashboard/prometheus/api/v1/alerts"])
            #expect(granted.stdout.contains("KubePodCrashLooping"), "\(granted.output)")
        }
    }

    @Test func disabledThereIsNoDashboard() async throws {
        try await withCluster(.sqlite, extraArgs: ["--disable", "dashboard"]) { c in
            let page = try TestProcess.run(["/usr/bin/curl", "-sk", "https://127.0.0.1:\(c.port)/dashboard/"])
            #expect(!page.stdout.contains("<title>") && page.stdout.contains("Status"), "\(page)")
        }
    }
}
