import Synchronization
import Testing
@testable import KubeAPI

@Suite struct InformerTests {
    static func informer() -> Informer<Pod> {
        Informer(Pod.self, client: ScriptedListWatch(lists: []))
    }

    /// An informer nobody subscribes to keeps the cache current and buffers nothing.
    @Test func cacheWithoutSubscribers() {
        let informer = Self.informer()
        informer.replace(with: [pod("a", rv: "1")])
        informer.apply(.added(pod("b", rv: "2")))
        informer.apply(.added(pod("x", rv: "3", namespace: "other")))
        #expect(informer.list().map(\.name).sorted() == ["a", "b", "x"])
        #expect(informer.list(namespace: "ns").map(\.name).sorted() == ["a", "b"])
        #expect(informer.get(namespace: "other", name: "x")?.metadata.resourceVersion == "3")
        #expect(informer.get(key: "ns/a") != nil)
        #expect(informer.count == 3)
        #expect(informer.hasSynced)
    }

    @Test func relistEmitsDifferencesAndWatchEventsUpdateTheCache() async {
        let informer = Self.informer()
        var events = informer.events().makeAsyncIterator()
        informer.replace(with: [pod("a", rv: "1"), pod("b", rv: "2")])
        informer.apply(.modified(pod("a", rv: "3")))
        informer.apply(.added(pod("c", rv: "4")))
        informer.apply(.deleted(pod("b", rv: "5")))
        informer.apply(.bookmark(resourceVersion: "6"))
        // A relist after a 410: c vanished, a changed, d is new.
        informer.replace(with: [pod("a", rv: "7"), pod("d", rv: "8")])
        #expect(informer.list().map(\.name).sorted() == ["a", "d"])
        #expect(informer.get(namespace: "ns", name: "a")?.metadata.resourceVersion == "7")
        let seen = await next(10, of: &events)
        #expect(Set(seen[0..<2]) == ["added a", "added b"])
        #expect(Array(seen[2..<6]) == ["synced", "updated a 1->3", "added c", "deleted b"])
        #expect(Set(seen[6..<9]) == ["deleted c", "updated a 3->7", "added d"])
        #expect(seen.last == "synced")
    }

    /// A relist where nothing changed says only `.synced`.
    @Test func unchangedRelistOnlySaysSynced() async {
        let informer = Self.informer()
        informer.replace(with: [pod("a", rv: "1")])
        var events = informer.events().makeAsyncIterator()
        informer.replace(with: [pod("a", rv: "1")])
        #expect(await next(3, of: &events) == ["added a", "synced", "synced"])
    }

    /// Handlers are called in registration order; a late one first gets
    /// `.added` for everything cached and `.synced`, then the changes.
    @Test func lateHandlersGetTheCacheReplayedFirst() {
        let informer = Self.informer()
        let log = Mutex<[String]>([])
        informer.addHandler { e in log.withLock { $0.append("1 " + describe(e)) } }
        informer.replace(with: [pod("a", rv: "1")])
        informer.addHandler { e in log.withLock { $0.append("2 " + describe(e)) } }
        informer.apply(.modified(pod("a", rv: "2")))
        informer.apply(.deleted(pod("a", rv: "3")))
        #expect(log.withLock { $0 } == [
            "1 added a", "1 synced",
            "2 added a", "2 synced",
            "1 updated a 1->2", "2 updated a 1->2",
            "1 deleted a", "2 deleted a",
        ])
    }

    /// Indexes follow every change, including ones added after objects are cached.
    @Test func indexesFollowChanges() {
        let informer = Self.informer()
        informer.apply(.added(pod("a", rv: "1", node: "n1")))
        informer.addIndex("node") { [$0.spec?.nodeName ?? ""] }
        informer.apply(.added(pod("b", rv: "2", node: "n1")))
        informer.apply(.added(pod("c", rv: "3", node: "n2")))
        #expect(informer.byIndex("node", "n1").map(\.name).sorted() == ["a", "b"])
        informer.apply(.modified(pod("a", rv: "4", node: "n2")))
        #expect(informer.byIndex("node", "n1").map(\.name) == ["b"])
        #expect(informer.byIndex("node", "n2").map(\.name).sorted() == ["a", "c"])
        informer.apply(.deleted(pod("c", rv: "5", node: "n2")))
        informer.replace(with: [pod("a", rv: "4", node: "n2")])
        #expect(informer.byIndex("node", "n1").isEmpty)
        #expect(informer.byIndex("node", "n2").map(\.name) == ["a"])
        #expect(informer.byIndex("unknown", "n2").isEmpty)
    }

    /// run() lists, watches from the list's resourceVersion, resumes after a
    /// watch ends from the last resourceVersion seen (bookmarks included),
    /// and after 410 Gone lists again and emits the differences.
    @Test func runRelistsAfterGoneAndResumesFromBookmarks() async throws {
        let gone = KubeClientError.status(Status(message: "too old resource version", reason: "Expired", code: 410))
        let api = ScriptedListWatch(lists: [
            .success(ObjectList(items: [pod("a", rv: "1"), pod("b", rv: "2")], resourceVersion: "2")),
            .success(ObjectList(items: [pod("a", rv: "7"), pod("c", rv: "8")], resourceVersion: "8")),
        ])
        let informer = Informer(Pod.self, client: api)
        var events = informer.events().makeAsyncIterator()
        var watches = api.watches.makeAsyncIterator()
        let run = Task { await informer.run() }

        let first = try #require(await watches.next())
        #expect(first.from == "2")
        #expect(Set(await next(2, of: &events)) == ["added a", "added b"])
        #expect(await next(1, of: &events) == ["synced"])
        first.continuation.yield(.modified(pod("a", rv: "3")))
        first.continuation.yield(.bookmark(resourceVersion: "5"))
        first.continuation.finish()
        #expect(await next(1, of: &events) == ["updated a 1->3"])

        let second = try #require(await watches.next())
        #expect(second.from == "5")
        second.continuation.finish(throwing: gone)
        #expect(Set(await next(3, of: &events)) == ["deleted b", "updated a 3->7", "added c"])
        #expect(await next(1, of: &events) == ["synced"])

        let third = try #require(await watches.next())
        #expect(third.from == "8")
        #expect(informer.list().map(\.name).sorted() == ["a", "c"])
        run.cancel()
        await run.value
        // The streams end with run().
        #expect(await events.next() == nil)
    }

    /// waitForSync returns once the first list is in.
    @Test func waitForSyncReturnsAfterTheFirstList() async throws {
        let api = ScriptedListWatch(lists: [.success(ObjectList(items: [pod("a", rv: "1")], resourceVersion: "1"))])
        let informer = Informer(Pod.self, client: api)
        let run = Task { await informer.run() }
        await informer.waitForSync()
        #expect(informer.hasSynced)
        #expect(informer.count == 1)
        run.cancel()
        await run.value
    }

    /// A stream whose consumer is cancelled unsubscribes; a stream asked for
    /// after run() has returned finishes at once.
    @Test func streamsEndWithTheirConsumerOrWithRun() async {
        let api = ScriptedListWatch(lists: [.success(ObjectList(items: [pod("a", rv: "1")], resourceVersion: "1"))])
        let informer = Informer(Pod.self, client: api)
        let stream = informer.events()
        let consumer = Task { for await _ in stream {} }
        consumer.cancel()
        await consumer.value
        // Forgotten at the next change (onTermination must not take the lock changes are yielded under).
        informer.apply(.added(pod("b", rv: "2")))
        #expect(informer.subscribers.withLock { $0.handlers.isEmpty })

        let run = Task { await informer.run() }
        await informer.waitForSync()
        run.cancel()
        await run.value
        var late = informer.events().makeAsyncIterator()
        #expect(await late.next() == nil)
    }

    /// Streams whose consumers are cancelled while changes are delivered:
    /// changes are yielded under the subscribers' lock, and a cancelled
    /// consumer's `onTermination` used to take that lock while the runtime
    /// held the consumer's status lock, which the yield waits for: a
    /// deadlock (the API server's watch fan-out hung on the same pattern).
    @Test func streamsCancelledWhileChangesAreDeliveredEndAndAreForgotten() async {
        let informer = Self.informer()
        informer.replace(with: [])
        let changer = Task.detached {
            var rv = 0
            while !Task.isCancelled {
                rv += 1
                informer.apply(.modified(pod("a", rv: String(rv))))
                if rv % 64 == 0 { await Task.yield() }
            }
        }
        for _ in 0..<2_000 {
            let stream = informer.events()
            let consumer = Task { for await _ in stream {} }
            await Task.yield()
            consumer.cancel()
            await consumer.value
        }
        changer.cancel()
        await changer.value
        informer.apply(.modified(pod("a", rv: "0")))
        #expect(informer.subscribers.withLock { $0.handlers.isEmpty && $0.streams.isEmpty })
    }
}
