import Foundation
import TestSupport
import Glibc
import Testing

/// The result of running a command.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
    var output: String { stdout + stderr }
}

/// A child process that `stop()` kills and reaps.
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

/// Helpers shared by the integration tests.
enum TestEnv {
    static var etcdPath: String? { firstExecutable(["/usr/bin/etcd", "/usr/local/bin/etcd"]) }
    static var kubectlPath: String? { firstExecutable(["/usr/bin/kubectl", "/usr/local/bin/kubectl"]) }

    static func firstExecutable(_ paths: [String]) -> String? {
        paths.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The built controlplane next to the test bundle.
    static var controlplane: String? {
        if let env = ProcessInfo.processInfo.environment["CONTROLPLANE_BIN"] { return env }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url.deleteLastPathComponent()
            let candidate = url.appendingPathComponent("controlplane")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
        }
        return nil
    }


    /// A loopback TCP port that was free a moment ago (below the ephemeral range).
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

    static func tempDir(_ tag: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("ctl-\(tag)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Polls until `probe` is true; the deadline only guards against hangs (no timing assertion).
    @discardableResult
    static func eventually(seconds: Double = 90, _ probe: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await probe() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return try await probe()
    }

    /// Runs a command through TestSupport's `TestProcess` (the project's own
    /// spawn, with memfd output: no pipes to fill up) on a thread of its
    /// own, so the await holds no thread of Swift's cooperative pool (two on
    /// a 2-core machine) for as long as `kubectl rollout status` runs.
    /// (Foundation's `Process.run` crashed in this role under full CI load.)
    static func run(_ path: String, _ args: [String], stdin: String? = nil, env: [String: String], dir: URL) async throws -> CommandResult {
        let environment = env.map { "\($0.key)=\($0.value)" }
        let result = try await withCheckedThrowingContinuation { (done: CheckedContinuation<TestProcess.Result, any Error>) in
            Thread.detachNewThread {
                done.resume(with: Result { try TestProcess.run([path] + args, env: environment, stdin: stdin, timeout: 900) })
            }
        }
        return CommandResult(status: result.code, stdout: result.stdout, stderr: result.stderr)
    }
}
