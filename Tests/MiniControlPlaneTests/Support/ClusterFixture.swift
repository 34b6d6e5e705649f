import Foundation
import TestSupport
import Glibc
import KubeAPI
import MiniControlPlane

/// Which storage a test cluster uses.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, etcd
    var testDescription: String { rawValue }

    /// Backends available on this machine.
    static var available: [Backend] { TestRequirement.etcd.isMet ? [.sqlite, .etcd] : [.sqlite] }
}

import Testing

/// The result of running a command.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var output: String { stdout + stderr }
}

/// A real `controlplane` process (and etcd, for that backend) on loopback
/// with a temporary data directory. `stop()` kills everything it started.
final class ClusterFixture: @unchecked Sendable {
    let dir: URL
    private(set) var port: Int
    let backend: Backend
    private(set) var etcd: EtcdInstance?
    private(set) var process: ChildProcess?
    /// Whether the controlplane runs with `ulimit -s unlimited`, which gives
    /// its cooperative threads glibc's smallest default stack (2 MiB).
    let smallStacks: Bool
    /// More controlplane flags (`--encryption-provider-config FILE`).
    let extraArgs: [String]
    var kubeconfig: URL { dir.appendingPathComponent("data/admin.kubeconfig") }
    var dataDir: URL { dir.appendingPathComponent("data") }
    var kubeconfigServer: String { "https://127.0.0.1:\(port)" }

    /// The built controlplane executable next to the test bundle.
    static var binary: String? {
        if let env = ProcessInfo.processInfo.environment["CONTROLPLANE_BIN"] { return env }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("controlplane")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        }
        return nil
    }

    static var canRun: Bool { binary != nil }

    init(backend: Backend, smallStacks: Bool = false, extraArgs: [String] = []) async throws {
        self.backend = backend
        self.smallStacks = smallStacks
        self.extraArgs = extraArgs
        dir = try Harness.tempDir("cluster-\(backend.rawValue)")
        port = Harness.freePort()
        if backend == .etcd { etcd = try await EtcdInstance() }
        do {
            try await start()
        } catch {
            stop()
            throw error
        }
    }

    /// Starts (or restarts) the controlplane on the same data dir and port;
    /// if another test took the port meanwhile, on a new one (the controlplane
    /// rewrites admin.kubeconfig with the port it bound).
    func start() async throws {
        do {
            try await startOnce()
        } catch {
            port = Harness.freePort()
            try await startOnce()
        }
    }

    private func startOnce() async throws {
        guard let bin = Self.binary else { throw CocoaError(.fileNoSuchFile) }
        try? FileManager.default.removeItem(at: kubeconfig)
        var args = ["--data-dir", dataDir.path, "--secure-port", String(port), "--log-level", "warning", "--watch-bookmark-interval", "1s"]
        if let etcd { args += ["--datastore", "etcd://127.0.0.1:\(etcd.clientPort)"] }
        // No test here is about node health or pod garbage collection, and the tests bind
        // pods to nodes that send no heartbeats or do not exist: under a full CI run on two
        // cores a test can outlast the grace period and tolerations (the node lifecycle
        // controller would mark its pods not ready and evict them: a budget refusing an
        // eviction, a pod gone) or podgc's 40 s quarantine (a pod on a missing node deleted).
        if !extraArgs.contains(where: { $0.hasPrefix("--controllers") }) { args += ["--controllers", "*,-nodelifecycle,-podgc"] }
        args += extraArgs
        let p = smallStacks
            ? try ChildProcess("/bin/sh", ["-c", #"ulimit -s unlimited && exec "$0" "$@""#, bin] + args, log: dir.appendingPathComponent("controlplane.log"))
            : try ChildProcess(bin, args, log: dir.appendingPathComponent("controlplane.log"))
        process = p
        let port = self.port
        let ready = await Harness.waitUntil {
            guard p.isRunning else { return false }
            return Harness.canConnect(port: port) && FileManager.default.fileExists(atPath: self.kubeconfig.path)
        }
        guard ready else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "controlplane did not start:\n\(p.log)"])
        }
    }

    /// Kills the controlplane with SIGKILL (nothing flushed) and starts it again.
    func killAndRestart() async throws {
        process?.stop(signal: SIGKILL)
        try await start()
    }

    /// Sends SIGTERM and waits until the controlplane exits (bounded).
    func terminate() async -> Bool {
        guard let p = process else { return true }
        kill(p.pid, SIGTERM)
        return await Harness.waitUntil { !p.isRunning }
    }

    /// Stops everything and removes the directory.
    func stop() {
        process?.stop(signal: SIGKILL)
        etcd?.stop()
        try? FileManager.default.removeItem(at: dir)
    }

    var log: String { process?.log ?? "" }

    /// Runs kubectl against this cluster.
    func kubectl(_ args: [String], stdin: String? = nil, env: [String: String] = [:]) throws -> CommandResult {
        guard let kubectl = Harness.kubectlPath else { throw CocoaError(.fileNoSuchFile) }
        let config = TokenKubeconfig.namesToken(args) ? try TokenKubeconfig.withoutClientCertificate(kubeconfig) : kubeconfig
        var environment = ["KUBECONFIG": config.path, "HOME": dir.path, "PATH": "/usr/bin:/bin"]
        environment.merge(env) { _, b in b }
        return try run(kubectl, args, stdin: stdin, env: environment)
    }

    func kubectl(_ args: String...) throws -> CommandResult { try kubectl(args) }

    /// Starts kubectl in the background (for `get -w`); its output goes to a file.
    func kubectlBackground(_ args: [String], output: URL) throws -> ChildProcess {
        guard let kubectl = Harness.kubectlPath else { throw CocoaError(.fileNoSuchFile) }
        return try ChildProcess(kubectl, args, log: output, env: ["KUBECONFIG": kubeconfig.path, "HOME": dir.path, "PATH": "/usr/bin:/bin"])
    }

    func run(_ path: String, _ args: [String], stdin: String?, env: [String: String]) throws -> CommandResult {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.environment = env
        let id = UUID().uuidString.prefix(8)
        let out = dir.appendingPathComponent("out-\(id)")
        let err = dir.appendingPathComponent("err-\(id)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil) // FileHandle(forWritingTo:) below says why if not
        _ = FileManager.default.createFile(atPath: err.path, contents: nil) // FileHandle(forWritingTo:) below says why if not
        p.standardOutput = try FileHandle(forWritingTo: out)
        p.standardError = try FileHandle(forWritingTo: err)
        if let stdin {
            let inURL = dir.appendingPathComponent("in-\(id)")
            try stdin.write(to: inURL, atomically: true, encoding: .utf8)
            p.standardInput = try FileHandle(forReadingFrom: inURL)
        } else {
            p.standardInput = FileHandle.nullDevice
        }
        try p.run()
        p.waitUntilExit()
        let o = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let e = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        return CommandResult(status: p.terminationStatus, stdout: o, stderr: e)
    }

    /// A typed client with the admin credentials.
    func client(impersonate: String? = nil, token: String? = nil) throws -> KubeClient {
        var cfg = try KubeConfig.load(path: kubeconfig.path)
        if let token {
            // The token's user, not the admin's certificate.
            cfg.token = token
            cfg.clientCertificatePEM = nil
            cfg.clientKeyPEM = nil
        }
        cfg.impersonateUser = impersonate
        return try KubeClient(config: cfg)
    }

    /// kubectl as the holder of a bearer token (`--token`; the admin's
    /// certificate stays behind, see ``TokenKubeconfig``).
    func kubectl(token: String, _ args: [String], stdin: String? = nil) throws -> CommandResult {
        try kubectl(args + ["--token", token], stdin: stdin)
    }

    /// A kubeconfig for `system:node:NODE` (group `system:nodes`): a client
    /// certificate from the cluster CA, as a kubelet gets through its CSR.
    func nodeKubeconfig(_ node: String) throws -> URL {
        let caDir = dir.appendingPathComponent("ca-copy-\(node)")
        try? FileManager.default.removeItem(at: caDir)
        try FileManager.default.createDirectory(at: caDir, withIntermediateDirectories: true)
        for f in ["ca.crt", "ca.key"] {
            try FileManager.default.copyItem(at: dataDir.appendingPathComponent(f), to: caDir.appendingPathComponent(f))
        }
        let ca = try CertificateAuthority.prepare(dir: caDir, sans: ["127.0.0.1"])
        let (cert, key) = try ca.issueClientCertificate(commonName: "system:node:\(node)", organizations: ["system:nodes"])
        let url = dir.appendingPathComponent("\(node).kubeconfig")
        try Credentials.writeKubeconfig(to: url, server: kubeconfigServer, caPEM: ca.caCertificatePEM, user: node,
                                        certificatePEM: cert, keyPEM: key)
        return url
    }

    /// A typed client as `system:node:NODE`.
    func client(node: String, impersonate: String? = nil) throws -> KubeClient {
        var cfg = try KubeConfig.load(path: nodeKubeconfig(node).path)
        cfg.impersonateUser = impersonate
        return try KubeClient(config: cfg)
    }
}

/// Runs `body` with a fresh cluster and always stops it.
func withCluster<T>(_ backend: Backend, smallStacks: Bool = false, extraArgs: [String] = [],
                    _ body: (ClusterFixture) async throws -> T) async throws -> T {
    // The body blocks on kubectl and the control plane process: on a thread of its own, so
    // the cooperative pool stays free for the in-process servers of other tests.
    try await onOwnThread {
        let c = try await ClusterFixture(backend: backend, smallStacks: smallStacks, extraArgs: extraArgs)
        do {
            let r = try await body(c)
            c.stop()
            return r
        } catch {
            let log = c.log
            c.stop()
            Issue.record("controlplane log:\n\(log.suffix(4000))")
            throw error
        }
    }
}
