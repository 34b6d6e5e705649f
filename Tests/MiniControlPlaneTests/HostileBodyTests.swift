import Foundation
import KubeAPI
import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Bodies built to exhaust the API server (a YAML alias bomb, JSON nested too
/// deep, a body over the size limit) against a real controlplane: each is a
/// 4xx, memory stays near idle, and SIGTERM in the middle of the attack still
/// ends the process, also when its cooperative threads have the smallest stack
/// we promise (2 MiB). Also kubectl's view of the fixes of issue 19.
@Suite(.requires(.product("controlplane"), .kubectl))
struct HostileBodyTests {
    static let bomb: [UInt8] = {
        var text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\nx:\n  a0: &a0 [x,x,x,x,x,x,x,x,x]\n"
        for level in 1...8 {
            text += "  a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ",") + "]\n"
        }
        return Array(text.utf8)
    }()

    static func deepJSON(_ depth: Int) -> [UInt8] {
        Array((#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":"# + String(repeating: "[", count: depth)
            + String(repeating: "]", count: depth) + "}").utf8)
    }

    /// VmRSS of a process in KiB.
    static func rss(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// The HTTP code of a failed request, 0 when it succeeded.
    static func code(_ client: KubeClient, _ body: [UInt8], _ contentType: String) async -> Int {
        do {
            _ = try await client.request(.POST, client.config.server + "/api/v1/namespaces/default/configmaps", body: body,
                                         contentType: contentType, timeout: .seconds(60))
            return 0
        } catch {
            if case .status(let s) = error { return s.code ?? -1 }
            return -1
        }
    }

    @Test func hostileBodiesAre4xxAndSIGTERMStillEndsTheServer() async throws {
        try await withCluster(.sqlite, smallStacks: true) { c in
            let client = try c.client()
            do {
                try await Self.attack(c, client)
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
        }
    }

    static func attack(_ c: ClusterFixture, _ client: KubeClient) async throws {
        do {
            let pid = try #require(c.process?.pid)
            let idle = Self.rss(pid)
            var start = ContinuousClock.now
            #expect(await Self.code(client, Self.bomb, "application/yaml") == 400)
            print("alias bomb (\(Self.bomb.count) bytes): 400 after \(ContinuousClock.now - start)")
            start = ContinuousClock.now
            #expect(await Self.code(client, Self.deepJSON(JSONParser.maxDepth + 1), "application/json") == 400)
            #expect(await Self.code(client, Self.deepJSON(100_000), "application/json") == 400)
            print("JSON nested 100,000 deep: 400 after \(ContinuousClock.now - start)")
            start = ContinuousClock.now
            #expect(await Self.code(client, Self.deepJSON(100_000), "application/yaml") == 400)
            print("YAML nested 100,000 deep: 400 after \(ContinuousClock.now - start)")
            #expect(await Self.code(client, Self.deepJSON(JSONParser.maxDepth - 3), "application/json") == 0)
            let huge = Array(#"{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"huge"},"data":{"a":""#.utf8)
                + Array(repeating: UInt8(ascii: "x"), count: 4 << 20) + Array(#""}}"#.utf8)
            #expect(await Self.code(client, huge, "application/json") == 413)

            // Many attackers at once, then SIGTERM while they are at it.
            var peak = 0
            let attack = Task {
                await withTaskGroup(of: Void.self) { group in
                    for i in 0..<8 {
                        group.addTask {
                            while !Task.isCancelled {
                                _ = await Self.code(client, i % 2 == 0 ? Self.bomb : Self.deepJSON(100_000),
                                                    i % 2 == 0 ? "application/yaml" : "application/json")
                            }
                        }
                    }
                }
            }
            for _ in 0..<20 {
                try await Task.sleep(for: .milliseconds(100))
                peak = max(peak, Self.rss(pid))
            }
            print("RSS idle \(idle / 1024) MiB, peak under attack \(peak / 1024) MiB")
            #expect(peak - idle < 100 * 1024, "RSS grew from \(idle) KiB to \(peak) KiB")
            let term = ContinuousClock.now
            let ended = await c.terminate()
            print("SIGTERM during the attack: the controlplane \(ended ? "ended" : "was still running") after \(ContinuousClock.now - term)")
            #expect(ended)
            attack.cancel()
            await attack.value
        }
    }

    @Test func kubectlSeesScaleAndRefusedQueries() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: manifests)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "deploy", "web", "--subresource=scale", "-o", "jsonpath={.kind} {.metadata.name} {.spec.replicas}")
            #expect(r.status == 0 && r.stdout == "Scale web 2", "\(r.output)")
            r = try c.kubectl("get", "deploy", "web", "--subresource=scale")
            #expect(r.status == 0 && r.stdout.contains("web"), "\(r.output)")
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/pods?limit=abc")
            #expect(r.status != 0 && r.stderr.contains("invalid syntax"), "\(r.output)")
            r = try c.kubectl("get", "pods", "--field-selector", "spec.foo=bar")
            #expect(r.status != 0 && r.stderr.contains("field label not supported: spec.foo"), "\(r.output)")
            r = try c.kubectl("get", "pods", "--field-selector", "status.phase=Pending")
            #expect(r.status == 0, "\(r.output)")
        }
    }
}
