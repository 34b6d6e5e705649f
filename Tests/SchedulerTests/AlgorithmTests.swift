import KubeAPI
import Testing
@testable import Scheduler

@Suite struct AlgorithmTests {
    @Test func fitErrorMessageMatchesKubeScheduler() {
        let e = FitError(numAllNodes: 3, reasons: ["Insufficient cpu": 2, "node(s) had untolerated taint {dedicated: gpu}": 1])
        #expect(e.message == "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu.")
        #expect(FitError(numAllNodes: 0, reasons: [:]).message == "no nodes available to schedule pods")
    }

    @Test func unschedulablePodGetsEveryReason() {
        let nodes = [Fixtures.node("a", cpu: "1"), Fixtures.node("b", cpu: "1"),
                     Fixtures.node("c", cpu: "8", taints: [Taint(key: "dedicated", value: "gpu", effect: "NoSchedule")])]
        var algo = ScheduleAlgorithm()
        var rng = SeededGenerator(state: 1)
        let result = algo.schedule(PodInfo(Fixtures.pod("big", cpu: "2")), cache: Fixtures.cache(nodes), using: &rng)
        guard case .failure(let e) = result else {
            Issue.record("expected a fit error")
            return
        }
        #expect(e.message == "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu.")
    }

    @Test func badSelectorIsReportedNotCrashed() throws {
        var algo = ScheduleAlgorithm()
        var rng = SeededGenerator(state: 1)
        let affinity = try KubeCodec.decode(Affinity.self, from: ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [
            "nodeSelectorTerms": [["matchExpressions": [["key": "k", "operator": "Near", "values": ["x"]]]]]]]])
        let pod = PodInfo(Fixtures.pod("p") { $0.affinity = affinity })
        guard case .failure(let e) = algo.schedule(pod, cache: Fixtures.cache([Fixtures.node("a")]), using: &rng) else {
            Issue.record("expected a fit error")
            return
        }
        #expect(e.message.contains("unknown node selector operator \"Near\""))
    }

    @Test func percentageOfNodesToScoreIsAdaptive() {
        let a = ScheduleAlgorithm()
        #expect(a.feasibleNodesToFind(50) == 50)
        #expect(a.feasibleNodesToFind(1000) == 420)
        #expect(a.feasibleNodesToFind(5000) == 500)
        #expect(a.feasibleNodesToFind(100_000) == 5000)
        #expect(ScheduleAlgorithm(percentageOfNodesToScore: 100).feasibleNodesToFind(1000) == 1000)
    }

    @Test func assumedPodsAreCountedSoNothingIsOvercommitted() {
        var cache = Fixtures.cache([Fixtures.node("a", cpu: "1"), Fixtures.node("b", cpu: "1")])
        var algo = ScheduleAlgorithm()
        var rng = SeededGenerator(state: 7)
        var placed: [String: Int] = [:]
        for i in 0..<5 {
            let p = PodInfo(Fixtures.pod("p\(i)", cpu: "500m"))
            switch algo.schedule(p, cache: cache, using: &rng) {
            case .success(let r):
                cache.assume(p, on: r.node)
                placed[r.node, default: 0] += 1
            case .failure(let e):
                #expect(i == 4, "only the fifth pod should fail: \(e)")
                #expect(e.message == "0/2 nodes are available: 2 Insufficient cpu.")
            }
        }
        #expect(placed == ["a": 2, "b": 2])
        // A failed binding gives the room back.
        let assumed = cache.assumed.first ?? ""
        cache.forget(assumed)
        #expect(cache.assumed.count == 3)
        let again = algo.schedule(PodInfo(Fixtures.pod("p9", cpu: "500m")), cache: cache, using: &rng)
        if case .failure = again { Issue.record("room freed by forget should be used") }
    }

    @Test func confirmedBindingReplacesAssumption() {
        var cache = Fixtures.cache([Fixtures.node("a")])
        let p = PodInfo(Fixtures.pod("p", cpu: "1"))
        cache.assume(p, on: "a")
        #expect(cache.isAssumed("default/p"))
        #expect(cache.nodes["a"]?.requested.milliCPU == 1000)
        cache.addPod(PodInfo(Fixtures.pod("p", cpu: "1", node: "a")))
        #expect(!cache.isAssumed("default/p"))
        #expect(cache.nodes["a"]?.requested.milliCPU == 1000)
        cache.removePod("default/p")
        #expect(cache.nodes["a"]?.requested.milliCPU == 0)
    }

    @Test func nodeLabelChangesMoveAffinityCounts() {
        var cache = Fixtures.cache([Fixtures.node("a", labels: ["zone": "z1"])])
        var p = Fixtures.pod("db", labels: ["app": "db"], node: "a")
        p.spec?.affinity = {
            var a = Affinity()
            var anti = PodAffinity()
            anti.requiredDuringSchedulingIgnoredDuringExecution = [Fixtures.term(["app": "web"], key: "zone")]
            a.podAntiAffinity = anti
            return a
        }()
        cache.addPod(PodInfo(p))
        #expect(cache.terms.entries(.requiredAntiAffinity).first?.counts == ["z1": 1])
        cache.upsertNode(Fixtures.node("a", labels: ["zone": "z2"]))
        #expect(cache.terms.entries(.requiredAntiAffinity).first?.counts == ["z2": 1])
        cache.removePod("default/db")
        #expect(cache.terms.isEmpty)
    }
}
