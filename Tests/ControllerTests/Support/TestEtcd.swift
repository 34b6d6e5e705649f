import Foundation
import TestSupport

/// A real etcd on loopback with a temporary data directory.
final class TestEtcd: @unchecked Sendable {
    let child: ChildProcess
    let clientPort: Int
    let dir: URL
    var endpoint: String { "etcd://127.0.0.1:\(clientPort)" }

    init() async throws {
        guard let etcd = TestEnv.etcdPath else { throw TestError("no etcd") }
        dir = try TestEnv.tempDir("etcd")
        clientPort = TestEnv.freePort()
        let peer = TestEnv.freePort()
        do {
            child = try ChildProcess(etcd, [
                "--name", "test", "--data-dir", dir.appendingPathComponent("data").path,
                "--listen-client-urls", "http://127.0.0.1:\(clientPort)", "--advertise-client-urls", "http://127.0.0.1:\(clientPort)",
                "--listen-peer-urls", "http://127.0.0.1:\(peer)", "--initial-advertise-peer-urls", "http://127.0.0.1:\(peer)",
                "--initial-cluster", "test=http://127.0.0.1:\(peer)", "--log-level", "error",
            ], log: dir.appendingPathComponent("etcd.log"))
        } catch {
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
        let port = clientPort
        guard await TestEnv.eventually(seconds: 30, { TestEnv.canConnect(port: port) }) else {
            stop()
            throw TestError("etcd did not start")
        }
    }

    func stop() {
        child.stop()
        try? FileManager.default.removeItem(at: dir)
    }
}
