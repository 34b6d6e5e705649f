import Testing
import Synchronization
import KubeAPI
@testable import Kubelet

/// The per-object watches behind configMap and secret reads: at most
/// `limit` of them, each dropped when nobody has asked for its object in
/// `idleSeconds`, and a GET until a watch has listed its object.
@Suite struct WatchedObjectsTests {
    final class Clock: Sendable {
        let time = Mutex(0.0)
        func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
    }

    @Test func watchesAreBoundedAndExpireWhenIdle() async throws {
        // An API server that never answers: no watch ever lists, so every read is a GET.
        let client = try KubeClient(config: KubeConfig(server: "https://127.0.0.1:1"))
        defer { Task { await client.shutdown() } }
        let clock = Clock()
        let watched = WatchedObjects(ConfigMap.self, client: client, limit: 2, idleSeconds: 60, now: { clock.time.withLock { $0 } })
        let fetches = Mutex(0)
        func read(_ name: String) async throws -> ConfigMap? {
            try await watched.get(namespace: "ns", name: name) {
                fetches.withLock { $0 += 1 }
                return ConfigMap(metadata: ObjectMeta(name: name, namespace: "ns"))
            }
        }

        #expect(try await read("a")?.metadata.name == "a")
        #expect(try await read("b")?.metadata.name == "b")
        #expect(try await read("c")?.metadata.name == "c") // over the limit: read, not watched
        #expect(await watched.watched == 2)
        #expect(fetches.withLock { $0 } == 3)

        clock.advance(45)
        _ = try await read("a") // a is in use again
        clock.advance(30)       // b has now been idle 75 s, a 30 s
        _ = try await read("c") // the read that looks for idle watches; c takes b's place
        #expect(await watched.watched == 2)
        clock.advance(61)
        _ = try await read("d") // a and c idle: both dropped, d watched
        #expect(await watched.watched == 1)
    }
}
