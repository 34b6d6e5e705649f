import Foundation
import Testing
import TestSupport
@testable import MiniControlPlane

/// The same contract, run against every backend.
enum StoreContract {
    static func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    static func crud(_ store: any Store) async throws {
        let r1 = try await store.create(key: "/registry/pods/ns/a", value: bytes("A1"))
        #expect(r1 > 0)
        await #expect(throws: StoreError.alreadyExists(key: "/registry/pods/ns/a")) {
            try await store.create(key: "/registry/pods/ns/a", value: bytes("again"))
        }
        let got = try #require(try await store.get(key: "/registry/pods/ns/a"))
        #expect(got.value == bytes("A1"))
        #expect(got.modRevision == r1)
        #expect(got.createRevision == r1)
        let r2 = try await store.update(key: "/registry/pods/ns/a", value: bytes("A2"), expectedRevision: r1)
        #expect(r2 > r1)
        await #expect(throws: StoreError.conflict(key: "/registry/pods/ns/a", currentRevision: r2)) {
            try await store.update(key: "/registry/pods/ns/a", value: bytes("stale"), expectedRevision: r1)
        }
        let again = try #require(try await store.get(key: "/registry/pods/ns/a"))
        #expect(again.value == bytes("A2"))
        #expect(again.createRevision == r1)
        await #expect(throws: StoreError.notFound(key: "/registry/pods/ns/missing")) {
            try await store.update(key: "/registry/pods/ns/missing", value: bytes("x"), expectedRevision: 1)
        }
        await #expect(throws: StoreError.conflict(key: "/registry/pods/ns/a", currentRevision: r2)) {
            try await store.delete(key: "/registry/pods/ns/a", expectedRevision: r1)
        }
        let (r3, last) = try await store.delete(key: "/registry/pods/ns/a", expectedRevision: r2)
        #expect(r3 > r2)
        #expect(last.value == bytes("A2"))
        #expect(try await store.get(key: "/registry/pods/ns/a") == nil)
        await #expect(throws: StoreError.notFound(key: "/registry/pods/ns/a")) {
            try await store.delete(key: "/registry/pods/ns/a", expectedRevision: nil)
        }
        // A deleted key can be created again.
        let r4 = try await store.create(key: "/registry/pods/ns/a", value: bytes("A3"))
        #expect(try await store.get(key: "/registry/pods/ns/a")?.createRevision == r4)
        #expect(try await store.currentRevision() >= r4)
    }

    static func listing(_ store: any Store) async throws {
        for i in 0..<7 { _ = try await store.create(key: "/registry/pods/ns1/p\(i)", value: bytes("\(i)")) }
        _ = try await store.create(key: "/registry/pods/ns2/q", value: bytes("q"))
        _ = try await store.create(key: "/registry/podsx/other", value: bytes("no"))
        let all = try await store.list(prefix: "/registry/pods/", startAfter: nil, limit: 0, revision: 0)
        #expect(all.items.count == 8)
        #expect(!all.more)
        #expect(all.items.map(\.key) == all.items.map(\.key).sorted())
        let ns1 = try await store.list(prefix: "/registry/pods/ns1/", startAfter: nil, limit: 3, revision: 0)
        #expect(ns1.items.map(\.key) == ["/registry/pods/ns1/p0", "/registry/pods/ns1/p1", "/registry/pods/ns1/p2"])
        #expect(ns1.more)
        // Later pages at the first page's revision do not see later writes.
        _ = try await store.update(key: "/registry/pods/ns1/p4", value: bytes("changed"),
                                   expectedRevision: try #require(try await store.get(key: "/registry/pods/ns1/p4")).modRevision)
        _ = try await store.delete(key: "/registry/pods/ns1/p5", expectedRevision: nil)
        let page2 = try await store.list(prefix: "/registry/pods/ns1/", startAfter: ns1.items.last?.key, limit: 3, revision: ns1.revision)
        #expect(page2.items.map(\.key) == ["/registry/pods/ns1/p3", "/registry/pods/ns1/p4", "/registry/pods/ns1/p5"])
        #expect(page2.items[1].value == bytes("4"))
        #expect(page2.more)
        let page3 = try await store.list(prefix: "/registry/pods/ns1/", startAfter: page2.items.last?.key, limit: 3, revision: ns1.revision)
        #expect(page3.items.map(\.key) == ["/registry/pods/ns1/p6"])
        #expect(!page3.more)
        let now = try await store.list(prefix: "/registry/pods/ns1/", startAfter: nil, limit: 0, revision: 0)
        #expect(now.items.count == 6)
    }

    static func collect(_ stream: AsyncThrowingStream<StoreEvent, any Error>, count: Int) async throws -> [StoreEvent] {
        var out: [StoreEvent] = []
        for try await e in stream {
            out.append(e)
            if out.count == count { break }
        }
        return out
    }

    static func watching(_ store: any Store) async throws {
        let start = try await store.currentRevision()
        let r1 = try await store.create(key: "/registry/services/ns/a", value: bytes("1"))
        _ = try await store.create(key: "/registry/other/x", value: bytes("x"))
        let stream = try await store.watch(prefix: "/registry/services/", afterRevision: start)
        let r2 = try await store.update(key: "/registry/services/ns/a", value: bytes("2"), expectedRevision: r1)
        _ = try await store.delete(key: "/registry/services/ns/a", expectedRevision: r2)
        let events = try await collect(stream, count: 3)
        #expect(events.map(\.kind) == [.put, .put, .delete])
        #expect(events.map(\.revision) == events.map(\.revision).sorted())
        #expect(events[0].created)
        #expect(!events[1].created)
        #expect(events[1].previousValue == bytes("1"))
        #expect(events[2].value == bytes("2"))
        #expect(events.allSatisfy { $0.key == "/registry/services/ns/a" })
        // Resuming from the middle replays only what came after.
        let resumed = try await collect(try await store.watch(prefix: "/registry/services/", afterRevision: r2), count: 1)
        #expect(resumed.map(\.kind) == [.delete])
    }

    static func concurrentCreatesAreOrdered(_ store: any Store) async throws {
        let start = try await store.currentRevision()
        let stream = try await store.watch(prefix: "/registry/leases/", afterRevision: start)
        try await withThrowingTaskGroup(of: Int64.self) { group in
            for i in 0..<40 {
                group.addTask { try await store.create(key: "/registry/leases/ns/l\(i)", value: bytes("\(i)")) }
            }
            var revs = Set<Int64>()
            for try await r in group { revs.insert(r) }
            #expect(revs.count == 40)
        }
        let events = try await collect(stream, count: 40)
        #expect(events.map(\.revision) == events.map(\.revision).sorted())
        #expect(Set(events.map(\.key)).count == 40)
    }

    static func compaction(_ store: any Store) async throws {
        let r1 = try await store.create(key: "/registry/configmaps/ns/c", value: bytes("1"))
        let r2 = try await store.update(key: "/registry/configmaps/ns/c", value: bytes("2"), expectedRevision: r1)
        let r3 = try await store.update(key: "/registry/configmaps/ns/c", value: bytes("3"), expectedRevision: r2)
        try await store.compact(revision: r3)
        await #expect(throws: StoreError.self) {
            try await store.watch(prefix: "/registry/configmaps/", afterRevision: r1)
        }
        do {
            _ = try await store.watch(prefix: "/registry/configmaps/", afterRevision: r1)
        } catch {
            guard case .compacted = error else {
                Issue.record("expected compacted, got \(error)")
                return
            }
        }
        #expect(try await store.get(key: "/registry/configmaps/ns/c")?.value == bytes("3"))
        let listed = try await store.list(prefix: "/registry/configmaps/", startAfter: nil, limit: 0, revision: 0)
        #expect(listed.items.map(\.value) == [bytes("3")])
        // Watching from the compaction point still works.
        let stream = try await store.watch(prefix: "/registry/configmaps/", afterRevision: r3)
        _ = try await store.update(key: "/registry/configmaps/ns/c", value: bytes("4"), expectedRevision: r3)
        #expect(try await collect(stream, count: 1).first?.value == bytes("4"))
    }

    static func all(_ make: () async throws -> any Store) async throws {
        for test in [crud, listing, watching, concurrentCreatesAreOrdered, compaction] as [(any Store) async throws -> Void] {
            let store = try await make()
            do {
                try await test(store)
                await store.close()
            } catch {
                await store.close()
                throw error
            }
        }
    }
}

@Suite struct SQLiteStoreTests {
    @Test func contract() async throws {
        let dir = try Harness.tempDir("sqlite")
        defer { try? FileManager.default.removeItem(at: dir) }
        var n = 0
        try await StoreContract.all {
            n += 1
            return try SQLiteStore(path: dir.appendingPathComponent("db\(n).sqlite").path)
        }
    }

    /// Concurrent writes share transactions (group commit), yet each keeps
    /// its own outcome: one compare-and-swap wins, the others conflict, and
    /// every committed write is one event in revision order.
    @Test func concurrentWritesKeepTheirOwnOutcomes() async throws {
        let dir = try Harness.tempDir("sqlite-group")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("db").path)
        let base = try await store.create(key: "/registry/pods/ns/shared", value: Array("v0".utf8))
        let stream = try await store.watch(prefix: "/registry/pods/", afterRevision: base)
        let outcomes = await withTaskGroup(of: Int64?.self) { group in
            for i in 0..<20 {
                group.addTask { try? await store.update(key: "/registry/pods/ns/shared", value: Array("v\(i)".utf8), expectedRevision: base) }
                group.addTask { try? await store.create(key: "/registry/pods/ns/p\(i)", value: Array("p".utf8)) }
            }
            var out: [Int64?] = []
            for await r in group { out.append(r) }
            return out
        }
        let committed = outcomes.compactMap { $0 }
        #expect(committed.count == 21)
        #expect(Set(committed).count == 21)
        let events = try await StoreContract.collect(stream, count: 21)
        #expect(events.map(\.revision) == committed.sorted())
        #expect(events.filter { $0.key == "/registry/pods/ns/shared" }.count == 1)
        await store.close()
    }

    @Test func closeEndsOpenWatches() async throws {
        let dir = try Harness.tempDir("sqlite-close")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore(path: dir.appendingPathComponent("db").path)
        let stream = try await store.watch(prefix: "/registry/", afterRevision: try await store.currentRevision())
        await store.close()
        var count = 0
        for try await _ in stream { count += 1 }
        #expect(count == 0)
    }

    @Test func survivesReopen() async throws {
        let dir = try Harness.tempDir("sqlite-reopen")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("state.db").path
        var store: SQLiteStore? = try SQLiteStore(path: path)
        let r = try await store!.create(key: "/registry/pods/ns/a", value: Array("v".utf8))
        await store!.close()
        store = try SQLiteStore(path: path)
        #expect(try await store!.get(key: "/registry/pods/ns/a")?.modRevision == r)
        let r2 = try await store!.create(key: "/registry/pods/ns/b", value: Array("w".utf8))
        #expect(r2 > r)
        let events = try await StoreContract.collect(try await store!.watch(prefix: "/registry/pods/", afterRevision: r - 1), count: 2)
        #expect(events.map(\.revision) == [r, r2])
        await store!.close()
    }
}

@Suite(.requires(.etcd))
struct EtcdStoreTests {
    @Test func contract() async throws {
        try await withEtcd { etcd in
            var n = 0
            try await StoreContract.all {
                n += 1
                // Each run uses the same etcd; the contract only relies on relative revisions
                // and its own keys, so we clear keys between runs.
                let store = EtcdStore(endpoints: [etcd.endpoint])
                if n > 1 { try await Self.wipe(store) }
                return store
            }
        }
    }

    static func wipe(_ store: EtcdStore) async throws {
        let all = try await store.list(prefix: "/registry/", startAfter: nil, limit: 0, revision: 0)
        for item in all.items { _ = try await store.delete(key: item.key, expectedRevision: nil) }
    }

    /// Watches share one upstream etcd watch; older starting points get their own.
    @Test func sharedWatchAndFallback() async throws {
        try await withEtcd { etcd in
            let store = EtcdStore(endpoints: [etcd.endpoint])
            let r0 = try await store.currentRevision()
            let r1 = try await store.create(key: "/registry/pods/ns/a", value: Array("a".utf8))
            let shared = try await store.watch(prefix: "/registry/pods/", afterRevision: r1)
            let shared2 = try await store.watch(prefix: "/registry/pods/ns/", afterRevision: r1)
            _ = try await store.create(key: "/registry/pods/ns/b", value: Array("b".utf8))
            let older = try await store.watch(prefix: "/registry/pods/", afterRevision: r0)
            #expect(try await StoreContract.collect(shared, count: 1).map(\.key) == ["/registry/pods/ns/b"])
            #expect(try await StoreContract.collect(shared2, count: 1).map(\.key) == ["/registry/pods/ns/b"])
            #expect(try await StoreContract.collect(older, count: 2).map(\.key) == ["/registry/pods/ns/a", "/registry/pods/ns/b"])
            await store.close()
        }
    }

    @Test func parsesDatastoreURLs() {
        #expect(EtcdStore.endpoints(fromDatastore: "etcd://127.0.0.1:2379,10.0.0.2:2379") == ["http://127.0.0.1:2379", "http://10.0.0.2:2379"])
        #expect(EtcdStore.endpoints(fromDatastore: "mysql://x") == nil)
    }

    @Test func streamSplitter() {
        var s = JSONStreamSplitter()
        #expect(s.feed(Array(#"{"a":"}{"}{"b"#.utf8)).map { String(decoding: $0, as: UTF8.self) } == [#"{"a":"}{"}"#])
        #expect(s.feed(Array("\":1}\n".utf8)).map { String(decoding: $0, as: UTF8.self) } == [#"{"b":1}"#])
    }
}
