import KubeAPI
import Testing
@testable import Scheduler

/// Plugins left out of an attempt must be those that pass every node (filters)
/// or score every node alike (scores) for the pod.
@Suite struct PluginSkipTests {
    let plain = PodInfo(Fixtures.pod("p", cpu: "100m"))
    let nodes = [Fixtures.nodeInfo(Fixtures.node("a", labels: ["zone": "z1"])), Fixtures.nodeInfo(Fixtures.node("b", labels: ["zone": "z2"]))]

    @Test func filtersAreSkippedOnlyWithoutTheirSubject() {
        let state = CycleState()
        #expect(NodeNamePlugin().skipsFilter(plain, state))
        #expect(!NodeNamePlugin().skipsFilter(PodInfo(Fixtures.pod("p", node: "a")), state))
        #expect(NodePortsPlugin().skipsFilter(plain, state))
        let withPort = PodInfo(Fixtures.pod("p") { spec in
            var port = ContainerPort(containerPort: 80)
            port.hostPort = 8080
            spec.containers[0].ports = [port]
        })
        #expect(!NodePortsPlugin().skipsFilter(withPort, state))
        #expect(NodeAffinityPlugin().skipsFilter(plain, state))
        #expect(!NodeAffinityPlugin().skipsFilter(PodInfo(Fixtures.pod("p") { $0.nodeSelector = ["zone": "z1"] }), state))
        #expect(PodTopologySpreadPlugin().skipsFilter(plain, state))
        #expect(InterPodAffinityPlugin().skipsFilter(plain, state))
        #expect(!InterPodAffinityPlugin().skipsFilter(PodInfo(TermMatchCountsTests.antiAffine("p", group: "g")), state))
        #expect(!NodeResourcesFitPlugin().skipsFilter(plain, state))
        #expect(!TaintTolerationPlugin().skipsFilter(plain, state))
        #expect(!NodeUnschedulablePlugin().skipsFilter(plain, state))
    }

    @Test func skippedScoresAreTheSameOnEveryNode() {
        let state = CycleState.prepare(plain, Fixtures.cache(nodes.compactMap(\.node)))
        let scorers: [any ScorePlugin] = [NodeAffinityPlugin(), InterPodAffinityPlugin(), PodTopologySpreadPlugin()]
        for s in scorers {
            #expect(s.skipsScore(plain, state), "\(s.name)")
            var raw = nodes.map { s.score(plain, $0, state) }
            s.normalize(&raw)
            #expect(Set(raw).count == 1, "\(s.name)")
        }
        let owned = PodInfo(Fixtures.pod("p", owner: "rs"))
        #expect(!PodTopologySpreadPlugin().skipsScore(owned, CycleState.prepare(owned, Fixtures.cache(nodes.compactMap(\.node)))))
        #expect(!NodeResourcesFitPlugin().skipsScore(plain, state))
        #expect(!BalancedAllocationPlugin().skipsScore(plain, state))
        #expect(!TaintTolerationPlugin().skipsScore(plain, state))
    }

    @Test func nodeInfoCopiesAreIndependent() {
        let original = Fixtures.nodeInfo(Fixtures.node("a"))
        var copy = original
        copy.add(PodInfo(Fixtures.pod("x", cpu: "1", node: "a")))
        #expect(original.podCount == 0 && original.requested.milliCPU == 0)
        #expect(copy.podCount == 1 && copy.requested.milliCPU == 1000)
    }

    @Test func splitMixIsReproducibleFromItsSeed() {
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        let xs = (0..<4).map { _ in a.next() }
        #expect(xs == (0..<4).map { _ in b.next() })
        #expect(Set(xs).count == 4)
    }
}
