import Foundation
import Testing
import TestSupport

/// What a second controlplane says when the port is taken, and that it
/// stops before writing anything a user would have to clean up.
@Suite(.requires(.product("controlplane")))
struct StartupErrorTests {
    @Test func aTakenPortNamesThePortAndTheFlag() async throws {
        try await withCluster(.sqlite) { c in
            let second = try Harness.tempDir("second")
            defer { try? FileManager.default.removeItem(at: second) }
            let bin = try #require(ClusterFixture.binary)
            let r = try c.run(bin, ["--data-dir", second.appendingPathComponent("data").path, "--secure-port", String(c.port)],
                              stdin: nil, env: [:])
            #expect(r.status != 0)
            #expect(r.stderr.contains("port \(c.port) on 127.0.0.1 is already in use"), "\(r.stderr)")
            #expect(r.stderr.contains("--secure-port"), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: second.appendingPathComponent("data/admin.kubeconfig").path))
        }
    }
}
