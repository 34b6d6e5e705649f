import Foundation
import KubeAPI
import Logging
import ControllerRuntime
import Testing
@testable import Scheduler

/// The scheduling loop against an in-memory API whose bindings are slow and
/// concurrent: the cache's assumed pods must keep every node within its
/// capacity, and failed bindings must be retried.
@Suite struct SchedulerLoopTests {
    func run(_ cluster: FakeCluster, until done: @escaping @Sendable () -> Bool) async -> Bool {
        var config = SchedulerConfiguration()
        config.maxInFlightBindings = 16
        return await runScheduler(cluster, configuration: config, until: done)
    }

    @Test func concurrentBindingsNeverOvercommit() async {
        let cluster = FakeCluster()
        for n in ["a", "b", "c"] { cluster.add(Fixtures.node(n, cpu: "1", memory: "1Gi")) }
        for i in 0..<30 { cluster.add(Fixtures.pod("p\(i)", cpu: "300m", memory: "100Mi")) }
        let settled = await run(cluster) {
            cluster.bindings.count == 9 && cluster.state.withLock { $0.statusPatches.count } == 21
        }
        #expect(settled, "bindings: \(cluster.bindings.count)")
        var perNode: [String: Int] = [:]
        for n in cluster.bindings.values { perNode[n, default: 0] += 1 }
        #expect(perNode == ["a": 3, "b": 3, "c": 3])
        let message = cluster.state.withLock { $0.statusPatches.values.first }?[path: ["status", "conditions"]]?.arrayValue?.first?["message"]?.stringValue
        #expect(message == "0/3 nodes are available: 3 Insufficient cpu.")
    }

    @Test func failedBindingsAreRetriedAndPendingPodsFollowNewNodes() async {
        let cluster = FakeCluster()
        cluster.add(Fixtures.node("a", cpu: "1"))
        cluster.failBindings(2)
        for i in 0..<4 { cluster.add(Fixtures.pod("p\(i)", cpu: "400m")) }
        let c = cluster
        let settled = await run(cluster) {
            if c.bindings.count == 2 && c.node("b") == nil { c.add(Fixtures.node("b", cpu: "1")) }
            return c.bindings.count == 4
        }
        #expect(settled, "bindings: \(cluster.bindings)")
        #expect(Set(cluster.bindings.values) == ["a", "b"])
    }
}

extension FakeCluster {
    func node(_ name: String) -> Node? { state.withLock { $0.nodes[name] } }
}
