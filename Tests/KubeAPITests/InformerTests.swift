import Testing
@testable import KubeAPI

@Suite struct InformerTests {
    func pod(_ name: String, rv: String) -> Pod {
        var m = ObjectMeta(name: name, namespace: "ns")
        m.resourceVersion = rv
        return Pod(metadata: m, spec: PodSpec(containers: [Container(name: "c", image: "x:1")]))
    }

    func describe(_ e: InformerEvent<Pod>) -> String {
        switch e {
        case .added(let p): return "added \(p.name)"
        case .updated(let o, let n): return "updated \(n.name) \(o.metadata.resourceVersion ?? "")->\(n.metadata.resourceVersion ?? "")"
        case .deleted(let p): return "deleted \(p.name)"
        case .synced: return "synced"
        }
    }

    /// A cache-only informer keeps the cache current and emits nothing:
    /// its change stream is over from the start, so nothing piles up in it.
    @Test func cacheOnlyInformerKeepsTheCacheWithoutEvents() async throws {
        let client = try KubeClient(config: KubeConfig(server: "https://127.0.0.1:1"))
        defer { Task { await client.shutdown() } }
        let informer = Informer(Pod.self, client: client, emitsEvents: false)
        await informer.replace(with: [pod("a", rv: "1")])
        await informer.apply(.added(pod("b", rv: "2")))
        #expect(await informer.list().map(\.name).sorted() == ["a", "b"])
        var seen = 0
        for await _ in informer.events { seen += 1 }
        #expect(seen == 0)
    }

    @Test func relistEmitsDifferencesAndWatchEventsUpdateTheCache() async throws {
        let client = try KubeClient(config: KubeConfig(server: "https://127.0.0.1:1"))
        defer { Task { await client.shutdown() } }
        let informer = Informer(Pod.self, client: client)
        await informer.replace(with: [pod("a", rv: "1"), pod("b", rv: "2")])
        await informer.apply(.modified(pod("a", rv: "3")))
        await informer.apply(.added(pod("c", rv: "4")))
        await informer.apply(.deleted(pod("b", rv: "5")))
        await informer.apply(.bookmark(resourceVersion: "6"))
        // A relist after a 410: c vanished, a changed, d is new.
        await informer.replace(with: [pod("a", rv: "7"), pod("d", rv: "8")])
        #expect(await informer.hasSynced)
        #expect(await informer.list().map(\.name).sorted() == ["a", "d"])
        #expect(await informer.get(namespace: "ns", name: "a")?.metadata.resourceVersion == "7")
        var seen: [String] = []
        for await e in informer.events {
            seen.append(describe(e))
            if seen.count == 10 { break }
        }
        let firstList = Set(seen[0..<2])
        #expect(firstList == ["added a", "added b"])
        #expect(Array(seen[2..<6]) == ["synced", "updated a 1->3", "added c", "deleted b"])
        #expect(Set(seen[6..<9]) == ["deleted c", "updated a 3->7", "added d"])
        #expect(seen[9] == "synced")
    }
}
