import Foundation
import TestSupport
import Glibc

/// Helpers that start real processes for integration tests and always stop them.
enum Harness {
    static var etcdPath: String? { firstExecutable(["/usr/bin/etcd", "/usr/local/bin/etcd"]) }
    static var kubectlPath: String? { firstExecutable(["/usr/bin/kubectl", "/usr/local/bin/kubectl"]) }
    /// kubectl 1.27 or newer (older ones validate with OpenAPI v2 protobuf, which we do not serve).

    static func firstExecutable(_ paths: [String]) -> String? {
        paths.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago. Ports come from
    /// 20000-32767, below Linux's ephemeral range, so a port released by a
    /// killed server is not handed to some client connection meanwhile.
    static func freePort() -> Int {
        for _ in 0..<200 {
            let port = Int.random(in: 20000...32767)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { continue }
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = UInt16(port).bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            let ok = withUnsafePointer(to: &addr) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
            close(fd)
            if ok { return port }
        }
        return Int.random(in: 20000...32767)
    }

    /// A fresh temporary directory.
    static func tempDir(_ tag: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-\(tag)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Waits until `probe` returns true, polling; gives up after `attempts`.
    static func waitUntil(attempts: Int = 300, _ probe: () async -> Bool) async -> Bool {
        for _ in 0..<attempts {
            if await probe() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Whether a TCP connect to 127.0.0.1:port succeeds.
    static func canConnect(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}

/// A child process that is killed and reaped by `stop()`.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let logURL: URL

    init(_ path: String, _ args: [String], log: URL, env: [String: String]? = nil) throws {
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = args
        _ = FileManager.default.createFile(atPath: log.path, contents: nil) // FileHandle(forWritingTo:) below says why if not
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        if let env { process.environment = env }
        logURL = log
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Sends a signal and waits for the process to exit.
    func stop(signal sig: Int32 = SIGKILL) {
        if process.isRunning { kill(process.processIdentifier, sig) }
        process.waitUntilExit()
    }

    var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }
}

/// A real etcd on loopback with a temporary data dir. A port taken by
/// another test between choosing and binding it makes etcd exit at once:
/// then it starts again on other ports.
final class EtcdInstance: @unchecked Sendable {
    private(set) var child: ChildProcess
    private(set) var clientPort: Int
    let dir: URL
    var endpoint: String { "http://127.0.0.1:\(clientPort)" }

    init() async throws {
        guard let etcd = Harness.etcdPath else { throw CocoaError(.fileNoSuchFile) }
        dir = try Harness.tempDir("etcd")
        var lastLog = ""
        for attempt in 0..<4 {
            let clientPort = Harness.freePort()
            let peerPort = Harness.freePort()
            let data = dir.appendingPathComponent("data-\(attempt)")
            let child = try ChildProcess(etcd, [
                "--name", "test", "--data-dir", data.path,
                "--listen-client-urls", "http://127.0.0.1:\(clientPort)", "--advertise-client-urls", "http://127.0.0.1:\(clientPort)",
                "--listen-peer-urls", "http://127.0.0.1:\(peerPort)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peerPort)",
                "--initial-cluster", "test=http://127.0.0.1:\(peerPort)", "--log-level", "error",
            ], log: dir.appendingPathComponent("etcd-\(attempt).log"))
            // Up when it answers; given up on when it exits (or after a minute).
            let up = await Harness.waitUntil(attempts: 600) { Harness.canConnect(port: clientPort) || !child.isRunning }
                && child.isRunning
            if up {
                self.child = child
                self.clientPort = clientPort
                return
            }
            lastLog = child.log
            child.stop()
        }
        try? FileManager.default.removeItem(at: dir)
        throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "etcd did not start:\n\(lastLog.suffix(2000))"])
    }

    func stop() {
        child.stop()
        try? FileManager.default.removeItem(at: dir)
    }
}

/// Runs `body` with a fresh etcd and always stops it.
func withEtcd<T>(_ body: (EtcdInstance) async throws -> T) async throws -> T {
    let etcd = try await EtcdInstance()
    do {
        let r = try await body(etcd)
        etcd.stop()
        return r
    } catch {
        etcd.stop()
        throw error
    }
}
