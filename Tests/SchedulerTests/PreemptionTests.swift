import Foundation
import KubeAPI
import Testing
@testable import Scheduler

/// DefaultPreemption's victim choice and node choice (upstream's
/// default_preemption_test.go cases), and a preemption through the loop.
@Suite struct PreemptionTests {
    static func pod(_ name: String, cpu: String, priority: Int, node: String? = nil, labels: [String: String] = [:],
                    started: TimeInterval = 0, never: Bool = false, configure: (inout PodSpec) -> Void = { _ in }) -> Pod {
        var p = Fixtures.pod(name, cpu: cpu, labels: labels, node: node) { spec in
            spec.priority = priority
            if never { spec.preemptionPolicy = "Never" }
            configure(&spec)
        }
        var status = PodStatus()
        status.phase = "Running"
        status.startTime = Timestamp(Date(timeIntervalSince1970: 1_000_000 + started))
        p.status = status
        return p
    }

    static func budget(_ labels: [String: String], allowed: Int) -> PodDisruptionBudget {
        var b = PodDisruptionBudget(metadata: ObjectMeta(name: "pdb-\(labels.values.sorted().joined())", namespace: "default"),
                                    spec: PodDisruptionBudgetSpec(minAvailable: .int(1), selector: LabelSelector(matchLabels: labels)))
        b.status = PodDisruptionBudgetStatus(disruptionsAllowed: allowed)
        return b
    }

    /// Victims on one node with the default filters.
    func victims(_ preemptor: Pod, _ node: Node, _ pods: [Pod], budgets: [PodDisruptionBudget] = []) -> PreemptionCandidate? {
        let cache = Fixtures.cache([node], pods)
        let info = PodInfo(preemptor)
        let state = CycleState.prepare(info, cache)
        let algorithm = ScheduleAlgorithm()
        guard let nodeInfo = cache.nodes[node.name] else { return nil }
        return Preemption.selectVictims(for: preemptor, on: nodeInfo, budgets: budgets) { n in
            ScheduleAlgorithm.firstFailure(algorithm.filters, info, n, state) == nil
        }
    }

    @Test func theFewestLowerPriorityPodsAreVictims() throws {
        let node = Fixtures.node("a", cpu: "3")
        let pods = [Self.pod("low-1", cpu: "1", priority: 1, node: "a"), Self.pod("low-2", cpu: "1", priority: 2, node: "a"),
                    Self.pod("same", cpu: "1", priority: 10, node: "a")]
        let c = try #require(victims(Self.pod("high", cpu: "1", priority: 10), node, pods))
        // One cpu is needed: the most important lower pod (priority 2) is reprieved first, so priority 1 goes.
        #expect(c.victims.map(\.metadata.name) == ["low-1"])
        #expect(c.pdbViolations == 0)
        // Equal or higher priority pods are never victims: two cpus come from both lower pods, three from none.
        let two = try #require(victims(Self.pod("big", cpu: "2", priority: 10), node, pods))
        #expect(Set(two.victims.map(\.metadata.name)) == ["low-1", "low-2"])
        #expect(victims(Self.pod("huge", cpu: "3", priority: 10), node, pods) == nil)
    }

    @Test func budgetProtectedPodsAreReprievedFirst() throws {
        let node = Fixtures.node("a", cpu: "2")
        let pods = [Self.pod("guarded", cpu: "1", priority: 1, node: "a", labels: ["app": "db"]),
                    Self.pod("free", cpu: "1", priority: 1, node: "a", labels: ["app": "web"], started: 10)]
        let c = try #require(victims(Self.pod("high", cpu: "1", priority: 5), node, pods, budgets: [Self.budget(["app": "db"], allowed: 0)]))
        #expect(c.victims.map(\.metadata.name) == ["free"] && c.pdbViolations == 0)
        // When only the guarded pod frees enough, it goes, counted as a violation.
        let tight = [Self.pod("guarded", cpu: "2", priority: 1, node: "a", labels: ["app": "db"])]
        let v = try #require(victims(Self.pod("high", cpu: "1", priority: 5), node, tight, budgets: [Self.budget(["app": "db"], allowed: 0)]))
        #expect(v.victims.map(\.metadata.name) == ["guarded"] && v.pdbViolations == 1)
    }

    @Test func aVictimThatRepelsThePodIsPreempted() async {
        // Plenty of cpu, but the preemptor's anti-affinity keeps it off the low pod's node.
        let cluster = FakeCluster()
        cluster.add(Fixtures.node("a", cpu: "4"))
        cluster.add(Self.pod("low", cpu: "100m", priority: 1, node: "a", labels: ["app": "x"]))
        var high = Self.pod("high", cpu: "100m", priority: 100) { spec in
            var a = Affinity()
            var anti = PodAffinity()
            anti.requiredDuringSchedulingIgnoredDuringExecution = [Fixtures.term(["app": "x"])]
            a.podAntiAffinity = anti
            spec.affinity = a
        }
        high.status?.phase = "Pending"
        cluster.add(high)
        let settled = await runScheduler(cluster, configuration: SchedulerConfiguration()) {
            cluster.bindings["default/high"] == "a"
        }
        #expect(settled, "bindings: \(cluster.bindings), deletes: \(cluster.deletes)")
        #expect(cluster.deletes == ["default/low"])
    }

    @Test func nodeChoiceFollowsUpstreamsOrder() {
        func cand(_ node: String, _ priorities: [Int], violations: Int = 0, started: TimeInterval = 0) -> PreemptionCandidate {
            PreemptionCandidate(node: node, victims: priorities.enumerated().map { Self.pod("\(node)-\($0.offset)", cpu: "1", priority: $0.element,
                                                                                              started: started) },
                                pdbViolations: violations)
        }
        #expect(Preemption.pickNode([cand("a", [1], violations: 1), cand("b", [5])])?.node == "b")
        #expect(Preemption.pickNode([cand("a", [5]), cand("b", [3, 3])])?.node == "b")
        #expect(Preemption.pickNode([cand("a", [3, 2]), cand("b", [3, 1])])?.node == "b")
        #expect(Preemption.pickNode([cand("a", [3, 1, 1]), cand("b", [3, 2])])?.node == "b")
        #expect(Preemption.pickNode([cand("a", [3], started: 0), cand("b", [3], started: 50)])?.node == "b")
        #expect(Preemption.pickNode([]) == nil)
    }

    @Test func eligibility() {
        #expect(!Preemption.eligible(Self.pod("p", cpu: "1", priority: 10, never: true), nominatedNodePods: []))
        var nominated = Self.pod("p", cpu: "1", priority: 10)
        nominated.status?.nominatedNodeName = "a"
        var leaving = Self.pod("low", cpu: "1", priority: 1, node: "a")
        leaving.metadata.deletionTimestamp = Timestamp()
        #expect(!Preemption.eligible(nominated, nominatedNodePods: [leaving]))
        #expect(Preemption.eligible(nominated, nominatedNodePods: [Self.pod("low", cpu: "1", priority: 1, node: "a")]))
    }

    @Test func aHighPriorityPodPreemptsOnAFullNode() async {
        let cluster = FakeCluster()
        cluster.add(Fixtures.node("a", cpu: "1"))
        cluster.add(Self.pod("low", cpu: "1", priority: 1, node: "a"))
        cluster.add(Self.pod("never", cpu: "1", priority: 50, never: true))
        // A pending pod of lower priority already nominated to the node loses its nomination.
        var mid = Self.pod("mid", cpu: "1", priority: 20)
        mid.status?.phase = "Pending"
        mid.status?.nominatedNodeName = "a"
        cluster.add(mid)
        cluster.add(Self.pod("high", cpu: "1", priority: 100))
        let settled = await runScheduler(cluster, configuration: SchedulerConfiguration()) {
            cluster.bindings["default/high"] == "a"
        }
        #expect(settled, "bindings: \(cluster.bindings), deletes: \(cluster.deletes)")
        #expect(cluster.deletes == ["default/low"])
        #expect(cluster.bindings["default/never"] == nil)
        let victimPatch = cluster.state.withLock { $0.disruptionTargets["default/low"] }
        #expect(victimPatch?[path: ["status", "conditions"]]?.arrayValue?.first?["reason"]?.stringValue == "PreemptionByScheduler")
        let nominated = cluster.state.withLock { $0.nominations }
        #expect(nominated["default/high"] == "a")
        #expect(nominated["default/mid"] == "", "\(nominated)")
        #expect(cluster.bindings["default/mid"] == nil)
        #expect(cluster.recordedEvents.contains { $0.reason == "Preempted" && $0.message == "Preempted by pod uid-high on node a" })
    }
}

/// Nominated pods hold their node's room against pods of lower priority.
@Suite struct NominatedPodTests {
    @Test func aNominatedNodeIsHeldForItsPod() {
        var cache = Fixtures.cache([Fixtures.node("a", cpu: "1"), Fixtures.node("b", cpu: "1")])
        var waiting = PreemptionTests.pod("high", cpu: "1", priority: 100)
        waiting.status?.nominatedNodeName = "a"
        cache.nominate(PodInfo(waiting), node: "a")
        var algorithm = ScheduleAlgorithm()
        var rng = SeededGenerator(state: 1)
        // A lower-priority pod goes elsewhere; a pod of higher priority may still take the node.
        let low = PodInfo(PreemptionTests.pod("low", cpu: "1", priority: 1))
        for _ in 0..<4 {
            guard case .success(let r) = algorithm.schedule(low, cache: cache, using: &rng) else {
                Issue.record("low did not fit on b")
                return
            }
            #expect(r.node == "b")
        }
        #expect(cache.node("a", for: PodInfo(PreemptionTests.pod("top", cpu: "1", priority: 1000)))?.podCount == 0)
        #expect(cache.node("a", for: low)?.podCount == 1)
        // The nominee itself does not see its own hold.
        #expect(cache.node("a", for: PodInfo(waiting))?.podCount == 0)
        cache.clearNomination(PodInfo(waiting).key)
        #expect(cache.node("a", for: low)?.podCount == 0)
    }
}
