@testable import MiniControlPlane
import Testing

/// The fan-out of committed changes to the server's watches.
struct WatchBroadcasterTests {
    static func put(_ revision: Int64) -> StoreEvent {
        StoreEvent(kind: .put, key: "/registry/pods/default/p", value: [], previousValue: nil, revision: revision, created: revision == 1)
    }

    /// Watches whose tasks are cancelled while changes are published: a
    /// publish yields under the broadcaster's lock and the cancellation of a
    /// waiting consumer ran `onTermination` under that task's status lock,
    /// which took the broadcaster's lock: the two waited for each other and
    /// every request of the API server hung (CI, twice). Each round here
    /// cancels a consumer waiting for the next event while a publisher runs.
    @Test func watchesCancelledWhilePublishingEndAndAreForgotten() async throws {
        let broadcaster = WatchBroadcaster(lastPublished: 0)
        let publisher = Task.detached {
            var revision: Int64 = 0
            while !Task.isCancelled {
                revision += 1
                broadcaster.publish(Self.put(revision))
                if revision % 64 == 0 { await Task.yield() }
            }
        }
        for _ in 0..<2_000 {
            let stream = try await broadcaster.subscribe(prefix: "/registry/pods/", after: broadcaster.lastPublished) { _ in [] }
            let consumer = Task {
                var seen = 0
                for try await _ in stream { seen += 1 }
                return seen
            }
            await Task.yield()
            consumer.cancel()
            _ = await consumer.result
        }
        publisher.cancel()
        await publisher.value
        broadcaster.publish(Self.put(broadcaster.lastPublished + 1))
        #expect(broadcaster.watcherCount == 0)
    }
}
