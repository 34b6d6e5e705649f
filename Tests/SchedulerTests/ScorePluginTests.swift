import KubeAPI
import Testing
@testable import Scheduler

@Suite struct ScorePluginTests {
    func scores(_ plugin: any ScorePlugin, _ pod: PodInfo, _ nodes: [NodeInfo], _ state: CycleState = CycleState()) -> [Int64] {
        var s = nodes.map { plugin.score(pod, $0, state) }
        plugin.normalize(&s)
        return s
    }

    @Test func leastAllocatedPrefersTheEmptierNode() {
        let busy = Fixtures.nodeInfo(Fixtures.node("a", cpu: "4", memory: "8Gi"), [Fixtures.pod("x", cpu: "3", memory: "6Gi", node: "a")])
        let idle = Fixtures.nodeInfo(Fixtures.node("b", cpu: "4", memory: "8Gi"))
        let s = scores(NodeResourcesFitPlugin(), PodInfo(Fixtures.pod("p", cpu: "1", memory: "1Gi")), [busy, idle])
        #expect(s[0] == 0 + (100 * 1 / 8) / 2 || s[0] < s[1])
        #expect(s[1] == (75 + 87) / 2)
    }

    @Test func balancedAllocationPrefersEvenUse() {
        let skewed = Fixtures.nodeInfo(Fixtures.node("a", cpu: "4", memory: "8Gi"), [Fixtures.pod("x", cpu: "3", memory: "1Gi", node: "a")])
        let even = Fixtures.nodeInfo(Fixtures.node("b", cpu: "4", memory: "8Gi"), [Fixtures.pod("y", cpu: "2", memory: "4Gi", node: "b")])
        let s = scores(BalancedAllocationPlugin(), PodInfo(Fixtures.pod("p", cpu: "500m", memory: "1Gi")), [skewed, even])
        #expect(s[1] > s[0])
        #expect(s[1] == 100)
    }

    @Test func preferredNodeAffinityWeights() throws {
        let affinity = try KubeCodec.decode(Affinity.self, from: ["nodeAffinity": ["preferredDuringSchedulingIgnoredDuringExecution": [
            ["weight": 80, "preference": ["matchExpressions": [["key": "disk", "operator": "In", "values": ["ssd"]]]]],
            ["weight": 20, "preference": ["matchExpressions": [["key": "zone", "operator": "In", "values": ["z1"]]]]],
        ]]])
        #expect(affinity.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.count == 2)
        let pod = PodInfo(Fixtures.pod("p") { $0.affinity = affinity })
        let nodes = [Fixtures.node("a", labels: ["disk": "ssd", "zone": "z1"]), Fixtures.node("b", labels: ["disk": "ssd"]),
                     Fixtures.node("c", labels: ["zone": "z1"]), Fixtures.node("d")].map { Fixtures.nodeInfo($0) }
        #expect(scores(NodeAffinityPlugin(), pod, nodes) == [100, 80, 20, 0])
    }

    @Test func preferNoScheduleTaintsLowerTheScore() {
        let nodes = [Fixtures.node("a", taints: [Taint(key: "x", effect: "PreferNoSchedule"), Taint(key: "y", effect: "PreferNoSchedule")]),
                     Fixtures.node("b", taints: [Taint(key: "x", effect: "PreferNoSchedule")]), Fixtures.node("c")].map { Fixtures.nodeInfo($0) }
        #expect(scores(TaintTolerationPlugin(), PodInfo(Fixtures.pod("p")), nodes) == [0, 50, 100])
        let tolerant = PodInfo(Fixtures.pod("q") { $0.tolerations = [Toleration(key: "x", operator: "Exists")] })
        #expect(scores(TaintTolerationPlugin(), tolerant, nodes) == [0, 100, 100])
    }

    @Test func preferredPodAffinityAndAntiAffinity() {
        let nodes = [Fixtures.node("a"), Fixtures.node("b"), Fixtures.node("c")]
        let cache = Fixtures.cache(nodes, [Fixtures.pod("db", labels: ["app": "db"], node: "a"), Fixtures.pod("noisy", labels: ["app": "noisy"], node: "b")])
        let pod = PodInfo(Fixtures.pod("p") { spec in
            var a = Affinity()
            var aff = PodAffinity()
            aff.preferredDuringSchedulingIgnoredDuringExecution = [Fixtures.weighted(50, Fixtures.term(["app": "db"]))]
            var anti = PodAffinity()
            anti.preferredDuringSchedulingIgnoredDuringExecution = [Fixtures.weighted(50, Fixtures.term(["app": "noisy"]))]
            a.podAffinity = aff
            a.podAntiAffinity = anti
            spec.affinity = a
        })
        let state = CycleState.prepare(pod, cache)
        let s = scores(InterPodAffinityPlugin(), pod, nodes.map { cache.nodes[$0.name]! }, state)
        #expect(s == [100, 0, 50])
    }

    @Test func spreadingPrefersNodesWithFewerPodsOfTheSameOwner() {
        let nodes = [Fixtures.node("a"), Fixtures.node("b"), Fixtures.node("c")]
        let cache = Fixtures.cache(nodes, [Fixtures.pod("r0", node: "a", owner: "rs"), Fixtures.pod("r1", node: "a", owner: "rs"),
                                           Fixtures.pod("r2", node: "b", owner: "rs")])
        let pod = PodInfo(Fixtures.pod("r3", owner: "rs"))
        let state = CycleState.prepare(pod, cache)
        let s = scores(PodTopologySpreadPlugin(), pod, nodes.map { cache.nodes[$0.name]! }, state)
        #expect(s == [0, 50, 100])
    }
}
