import Foundation
import TestSupport
import Glibc
import KubeAPI
import Testing

/// A real `controlplane` process on loopback with a temporary data
/// directory; `stop()` kills it and removes the directory.
final class TestControlPlane: @unchecked Sendable {
    let dir: URL
    private(set) var port: Int
    let extraArgs: [String]
    private(set) var process: ChildProcess?
    var dataDir: URL { dir.appendingPathComponent("data") }
    var kubeconfig: URL { dataDir.appendingPathComponent("admin.kubeconfig") }

    /// Flags that make node failures play out in seconds.
    static let fastNodeFlags = ["--node-monitor-grace-period", "5s", "--node-monitor-period", "500ms",
                                "--default-unreachable-toleration-seconds", "2", "--default-not-ready-toleration-seconds", "2"]

    /// Without flags of its own, a test's nodes are given two minutes
    /// between heartbeats before they are marked Unknown (upstream: 40 s):
    /// under a full CI run on two cores the fake kubelet's one-second
    /// heartbeats can stall for tens of seconds, and a node marked Unknown
    /// marks its pods not ready, which no test but the node-failure ones
    /// is about.
    static let patientNodeFlags = ["--node-monitor-grace-period", "120s"]

    init(args: [String] = [], tag: String = "cp") async throws {
        dir = try TestEnv.tempDir(tag)
        port = TestEnv.freePort()
        extraArgs = args.contains("--node-monitor-grace-period") ? args : Self.patientNodeFlags + args
        do {
            try await start()
        } catch {
            stop()
            throw error
        }
    }

    /// Starts (or restarts) the controlplane on the same data dir and port;
    /// if another test took the port meanwhile, on a new one (the
    /// controlplane rewrites admin.kubeconfig with the port it bound).
    func start() async throws {
        for attempt in 1...3 {
            guard let bin = TestEnv.controlplane else { throw TestError("controlplane not built") }
            try? FileManager.default.removeItem(at: kubeconfig)
            let args = ["--data-dir", dataDir.path, "--secure-port", String(port), "--log-level", "info"] + extraArgs
            let p = try ChildProcess(bin, args, log: dir.appendingPathComponent("controlplane.log"))
            process = p
            let port = self.port, kc = kubeconfig
            _ = await TestEnv.eventually(seconds: 60) {
                !p.isRunning || (TestEnv.canConnect(port: port) && FileManager.default.fileExists(atPath: kc.path))
            }
            if p.isRunning && TestEnv.canConnect(port: port) && FileManager.default.fileExists(atPath: kc.path) { return }
            guard attempt < 3, p.log.contains("already in use") else { break }
            self.port = TestEnv.freePort()
        }
        throw TestError("controlplane did not start:\n\(process?.log.suffix(3000) ?? "")")
    }

    /// SIGKILL (or another signal) and wait.
    func kill(_ sig: Int32 = SIGKILL) { process?.stop(signal: sig) }

    func stop() {
        process?.stop(signal: SIGKILL)
        try? FileManager.default.removeItem(at: dir)
    }

    var log: String { process?.log ?? "" }

    func kubectl(_ args: [String], stdin: String? = nil) async throws -> CommandResult {
        guard let kubectl = TestEnv.kubectlPath else { throw TestError("no kubectl") }
        let config = TokenKubeconfig.namesToken(args) ? try TokenKubeconfig.withoutClientCertificate(kubeconfig) : kubeconfig
        return try await TestEnv.run(kubectl, args, stdin: stdin, env: ["KUBECONFIG": config.path, "HOME": dir.path, "PATH": "/usr/bin:/bin"], dir: dir)
    }

    func kubectl(_ args: String...) async throws -> CommandResult { try await kubectl(args) }

    /// kubectl that must succeed.
    @discardableResult
    func must(_ args: String..., stdin: String? = nil) async throws -> String {
        let r = try await kubectl(args, stdin: stdin)
        guard r.status == 0 else { throw TestError("kubectl \(args.joined(separator: " ")) failed: \(r.output)") }
        return r.stdout
    }

    func client() throws -> KubeClient {
        try KubeClient(config: try KubeConfig.load(path: kubeconfig.path))
    }
}

/// Runs `body` with a control plane (and a fake kubelet for `nodes`), and
/// stops everything afterwards, also when the body fails.
func withCluster(args: [String] = [], nodes: [FakeKubelet.NodeSpec] = [], _ body: (TestControlPlane, FakeKubelet) async throws -> Void) async throws {
    let cp = try await TestControlPlane(args: args)
    let client: KubeClient
    do { client = try cp.client() } catch {
        cp.stop()
        throw error
    }
    let kubelet = FakeKubelet(client: client)
    let task = Task { await kubelet.run() }
    do {
        try await kubelet.register(nodes)
        try await body(cp, kubelet)
    } catch {
        Issue.record("controlplane log:\n\(cp.log.suffix(6000))")
        task.cancel()
        _ = await task.value
        await client.shutdown()
        cp.stop()
        throw error
    }
    task.cancel()
    _ = await task.value
    await client.shutdown()
    cp.stop()
}
