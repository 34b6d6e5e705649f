import Foundation
import KubeAPI
import Testing
@testable import Controllers

@Suite struct NodeLifecycleTests {
    let t0 = Date(timeIntervalSince1970: 10_000)

    func lease(renewed: Date) -> Lease {
        var spec = LeaseSpec(holderIdentity: "n1", leaseDurationSeconds: 40)
        spec.renewTime = Timestamp(renewed, precision: .micro)
        return Lease(metadata: ObjectMeta(name: "n1", namespace: "kube-node-lease"), spec: spec)
    }

    @Test func nodeGoesStaleAfterTheGracePeriodOfSilence() {
        var tracker = NodeHealthTracker(gracePeriod: 40)
        let node = Make.node("n1")
        tracker.observe(node: node, lease: lease(renewed: t0), now: t0)
        #expect(!tracker.isStale("n1", now: t0.addingTimeInterval(39)))
        // A renewal (whatever its timestamp says) restarts the clock.
        tracker.observe(node: node, lease: lease(renewed: t0.addingTimeInterval(-3600)), now: t0.addingTimeInterval(30))
        #expect(!tracker.isStale("n1", now: t0.addingTimeInterval(69)))
        #expect(tracker.isStale("n1", now: t0.addingTimeInterval(71)))
        // The same record seen again is not news.
        tracker.observe(node: node, lease: lease(renewed: t0.addingTimeInterval(-3600)), now: t0.addingTimeInterval(80))
        #expect(tracker.isStale("n1", now: t0.addingTimeInterval(81)))
        #expect(tracker.staleAt("n1") == t0.addingTimeInterval(70))
    }

    @Test func conditionsBecomeUnknown() {
        var n = Make.node("n1")
        var status = NodeStatus()
        status.conditions = [Condition(type: "Ready", status: "True", reason: "KubeletReady"), Condition(type: "MemoryPressure", status: "False")]
        n.status = status
        let c = NodeLifecycle.unknownConditions(n, now: t0)
        #expect(c.allSatisfy { $0.status == "Unknown" && $0.reason == "NodeStatusUnknown" && $0.message == "Kubelet stopped posting node status." })
        let never = NodeLifecycle.unknownConditions(Make.node("n2"), now: t0)
        #expect(never.first?.reason == "NodeStatusNeverUpdated")
    }

    @Test func taintsFollowConditions() {
        func node(_ ready: String?, unschedulable: Bool = false, extra: [Taint] = []) -> Node {
            var n = Make.node("n1", taints: extra)
            if let ready {
                var s = NodeStatus()
                s.conditions = [Condition(type: "Ready", status: ready), Condition(type: "DiskPressure", status: "True")]
                n.status = s
            }
            n.spec?.unschedulable = unschedulable
            return n
        }
        let unknown = NodeLifecycle.desiredTaints(node("Unknown", extra: [Taint(key: "user", effect: "NoSchedule")]), now: t0)
        #expect(unknown.map(\.key) == ["user", "node.kubernetes.io/unreachable", "node.kubernetes.io/unreachable", "node.kubernetes.io/disk-pressure"])
        #expect(unknown.first { $0.effect == "NoExecute" }?.timeAdded == Timestamp(t0))
        let notReady = NodeLifecycle.desiredTaints(node("False", unschedulable: true), now: t0)
        #expect(Set(notReady.map { "\($0.key):\($0.effect)" }) == ["node.kubernetes.io/not-ready:NoSchedule", "node.kubernetes.io/not-ready:NoExecute",
                                                                   "node.kubernetes.io/disk-pressure:NoSchedule", "node.kubernetes.io/unschedulable:NoSchedule"])
        // Existing taints keep their timeAdded; a healthy node loses the managed ones.
        var tainted = node("Unknown")
        let first = NodeLifecycle.desiredTaints(tainted, now: t0)
        tainted.spec?.taints = first
        #expect(NodeLifecycle.desiredTaints(tainted, now: t0.addingTimeInterval(60)) == tainted.spec?.taints)
        var healthy = tainted
        healthy.status?.conditions = [Condition(type: "Ready", status: "True")]
        #expect(NodeLifecycle.desiredTaints(healthy, now: t0).isEmpty)
    }

    @Test func taintEvictionHonoursTolerationSeconds() {
        let added = t0
        let unreachable = Taint(key: "node.kubernetes.io/unreachable", effect: "NoExecute", timeAdded: Timestamp(added))
        let fiveMinutes = Toleration(key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300)
        #expect(TaintEviction.decide(tolerations: [], taints: [unreachable], now: added) == .evictNow)
        #expect(TaintEviction.decide(tolerations: [fiveMinutes], taints: [unreachable], now: added.addingTimeInterval(10)) == .evictAt(added.addingTimeInterval(300)))
        #expect(TaintEviction.decide(tolerations: [fiveMinutes], taints: [unreachable], now: added.addingTimeInterval(301)) == .evictNow)
        let forever = Toleration(operator: "Exists")
        #expect(TaintEviction.decide(tolerations: [forever], taints: [unreachable], now: added.addingTimeInterval(9999)) == .keep)
        #expect(TaintEviction.decide(tolerations: [], taints: [Taint(key: "x", effect: "NoSchedule")], now: added) == .keep)
        // Several taints: the smallest bound counts; one untolerated evicts at once.
        let notReady = Taint(key: "node.kubernetes.io/not-ready", effect: "NoExecute", timeAdded: Timestamp(added))
        let short = Toleration(key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30)
        #expect(TaintEviction.decide(tolerations: [fiveMinutes, short], taints: [unreachable, notReady], now: added) == .evictAt(added.addingTimeInterval(30)))
        #expect(TaintEviction.decide(tolerations: [short], taints: [unreachable, notReady], now: added) == .evictNow)
    }
}
