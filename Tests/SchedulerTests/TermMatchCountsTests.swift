import KubeAPI
import Testing
@testable import Scheduler

/// The counts of placed pods matching incoming pods' terms that the cache
/// remembers must always equal a fresh scan.
@Suite struct TermMatchCountsTests {
    static func antiAffine(_ name: String, group: String, key: String = "kubernetes.io/hostname") -> Pod {
        Fixtures.pod(name, cpu: "100m", labels: ["group": group]) { spec in
            var a = Affinity()
            var anti = PodAffinity()
            anti.requiredDuringSchedulingIgnoredDuringExecution = [Fixtures.term(["group": group], key: key)]
            a.podAntiAffinity = anti
            spec.affinity = a
        }
    }

    @Test func rememberedCountsFollowPlacementsRemovalsAndLabels() throws {
        let nodes = [Fixtures.node("a", labels: ["zone": "z1"]), Fixtures.node("b", labels: ["zone": "z1"]), Fixtures.node("c", labels: ["zone": "z2"])]
        var cache = Fixtures.cache(nodes, [Fixtures.pod("w0", labels: ["group": "g"], node: "a")])
        let incoming = PodInfo(Self.antiAffine("w1", group: "g", key: "zone"))
        let term = try #require(incoming.requiredAntiAffinity.first)
        cache.trackMatches(of: incoming)
        #expect(cache.termMatches.counts[term] == ["z1": 1])

        cache.assume(PodInfo(Fixtures.pod("w2", labels: ["group": "g"])), on: "c")
        cache.addPod(PodInfo(Fixtures.pod("other", labels: ["group": "h"], node: "b")))
        #expect(cache.matchCounts(term) == ["z1": 1, "z2": 1])
        #expect(cache.matchCounts(term) == cache.scanMatchCounts(term))

        cache.forget("default/w2")
        cache.removePod("default/w0")
        #expect(cache.matchCounts(term) == [:])

        cache.addPod(PodInfo(Fixtures.pod("w3", labels: ["group": "g"], node: "b")))
        cache.upsertNode(Fixtures.node("b", labels: ["zone": "z3"]))
        #expect(cache.termMatches.isEmpty)
        #expect(cache.matchCounts(term) == ["z3": 1])
    }

    @Test func antiAffineSiblingsNeverShareANodeAndTheLastOneIsRejected() {
        var cache = Fixtures.cache([Fixtures.node("a"), Fixtures.node("b"), Fixtures.node("c")])
        var algo = ScheduleAlgorithm()
        var rng = SeededGenerator(state: 7)
        var used: Set<String> = []
        for i in 0..<3 {
            let pod = PodInfo(Self.antiAffine("p\(i)", group: "g"))
            cache.trackMatches(of: pod)
            guard case .success(let r) = algo.schedule(pod, cache: cache, using: &rng) else {
                Issue.record("p\(i) should fit")
                return
            }
            #expect(!used.contains(r.node))
            used.insert(r.node)
            cache.assume(pod, on: r.node)
        }
        let last = PodInfo(Self.antiAffine("p3", group: "g"))
        cache.trackMatches(of: last)
        guard case .failure(let e) = algo.schedule(last, cache: cache, using: &rng) else {
            Issue.record("p3 should not fit")
            return
        }
        // As kube-scheduler, placed pods' own anti-affinity is checked (and named) first.
        #expect(e.message == "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.")
    }
}
