import Foundation
import KubeAPI
import Testing
@testable import Controllers

@Suite struct DaemonSetPlannerTests {
    let now = Date(timeIntervalSince1970: 1_000)

    func daemonPod(_ name: String, node: String, hash: String, ready: Bool = true) -> Pod {
        Make.pod(name, labels: ["app": "agent", DaemonSetPlanner.hashLabel: hash], node: node, ready: ready)
    }

    @Test func onePodPerEligibleNode() {
        let nodes = [Make.node("a", labels: ["role": "edge"]), Make.node("b", labels: ["role": "edge"]), Make.node("c"),
                     Make.node("d", labels: ["role": "edge"], taints: [Taint(key: "dedicated", effect: "NoSchedule")])]
        let ds = Make.daemonSet(nodeSelector: ["role": "edge"])
        let plan = DaemonSetPlanner.plan(ds, hash: "h1", nodes: nodes, pods: ["a": [daemonPod("p-a", node: "a", hash: "h1")]], now: now)
        #expect(plan.createOn == ["b"])
        #expect(plan.delete.isEmpty)
        #expect(plan.status.desiredNumberScheduled == 2)
        #expect(plan.status.currentNumberScheduled == 1 && plan.status.numberReady == 1 && plan.status.updatedNumberScheduled == 1)
        #expect(plan.status.numberUnavailable == 1)
    }

    @Test func daemonPodsTolerateNodeProblemsButNotNoExecuteTaints() {
        let spec = Make.daemonSet().spec?.template?.spec
        let notReady = Make.node("a", taints: [Taint(key: "node.kubernetes.io/not-ready", effect: "NoExecute"),
                                               Taint(key: "node.kubernetes.io/unschedulable", effect: "NoSchedule")])
        #expect(DaemonSetPlanner.placement(spec, node: notReady) == (true, true))
        let evicting = Make.node("b", taints: [Taint(key: "maintenance", effect: "NoExecute")])
        #expect(DaemonSetPlanner.placement(spec, node: evicting) == (false, false))
        let noSchedule = Make.node("c", taints: [Taint(key: "maintenance", effect: "NoSchedule")])
        #expect(DaemonSetPlanner.placement(spec, node: noSchedule) == (false, true))
    }

    @Test func podsLeaveNodesThatStopQualifyingAndDuplicatesGo() {
        let ds = Make.daemonSet(nodeSelector: ["role": "edge"])
        let pods = ["a": [daemonPod("p-a", node: "a", hash: "h1")],
                    "b": [daemonPod("p-b1", node: "b", hash: "h1"), daemonPod("p-b2", node: "b", hash: "h1")],
                    "gone": [daemonPod("p-x", node: "gone", hash: "h1")]]
        let nodes = [Make.node("a"), Make.node("b", labels: ["role": "edge"])]
        let plan = DaemonSetPlanner.plan(ds, hash: "h1", nodes: nodes, pods: pods, now: now)
        #expect(Set(plan.delete) == ["p-a", "p-x", "p-b2"] || Set(plan.delete) == ["p-a", "p-x", "p-b1"])
        #expect(plan.status.numberMisscheduled == 1)
    }

    @Test func rollingUpdateReplacesWithinMaxUnavailable() {
        let nodes = (0..<4).map { Make.node("n\($0)") }
        var pods: [String: [Pod]] = [:]
        for i in 0..<4 { pods["n\(i)"] = [daemonPod("old-\(i)", node: "n\(i)", hash: "h1")] }
        let ds = Make.daemonSet(maxUnavailable: .int(1))
        var plan = DaemonSetPlanner.plan(ds, hash: "h2", nodes: nodes, pods: pods, now: now)
        #expect(plan.delete.count == 1)
        // With one node already being replaced (its pod gone), nothing more goes.
        pods["n0"] = []
        plan = DaemonSetPlanner.plan(ds, hash: "h2", nodes: nodes, pods: pods, now: now)
        #expect(plan.createOn == ["n0"])
        #expect(plan.delete.isEmpty)
        // Unavailable old pods are replaced at once.
        pods["n0"] = [daemonPod("new-0", node: "n0", hash: "h2")]
        pods["n1"] = [daemonPod("old-1", node: "n1", hash: "h1", ready: false)]
        plan = DaemonSetPlanner.plan(ds, hash: "h2", nodes: nodes, pods: pods, now: now)
        #expect(plan.delete.contains("old-1"))
        #expect(plan.status.updatedNumberScheduled == 1)
    }

    @Test func surgeStartsNewPodsBesideOldOnes() {
        let nodes = (0..<3).map { Make.node("n\($0)") }
        var pods: [String: [Pod]] = [:]
        for i in 0..<3 { pods["n\(i)"] = [daemonPod("old-\(i)", node: "n\(i)", hash: "h1")] }
        let ds = Make.daemonSet(maxUnavailable: .int(0), maxSurge: .int(1))
        var plan = DaemonSetPlanner.plan(ds, hash: "h2", nodes: nodes, pods: pods, now: now)
        #expect(plan.createOn.count == 1 && plan.delete.isEmpty)
        let node = plan.createOn[0]
        pods[node]?.append(daemonPod("new", node: node, hash: "h2"))
        // Not yet available: no more surge.
        pods[node] = [pods[node]![0], daemonPod("new", node: node, hash: "h2", ready: false)]
        plan = DaemonSetPlanner.plan(ds, hash: "h2", nodes: nodes, pods: pods, now: now)
        #expect(plan.createOn.isEmpty && plan.delete.isEmpty)
        // Available: its old pod goes, and (as upstream's) the next node surges.
        pods[node] = [pods[node]![0], daemonPod("new", node: node, hash: "h2")]
        plan = DaemonSetPlanner.plan(ds, hash: "h2", nodes: nodes, pods: pods, now: now)
        #expect(plan.delete == ["old-\(node.dropFirst())"])
        #expect(plan.createOn.count == 1 && plan.createOn[0] != node)
        // An unavailable old pod gets its replacement beside it at once.
        var sick = pods
        sick["n2"] = [daemonPod("old-2", node: "n2", hash: "h1", ready: false)]
        sick[node] = [daemonPod("new", node: node, hash: "h2", ready: false)]
        plan = DaemonSetPlanner.plan(ds, hash: "h2", nodes: nodes, pods: sick, now: now)
        #expect(plan.createOn.contains("n2") || node == "n2")
    }

    @Test func anUnavailableOldPodDoesNotUseTheUnavailabilityBudget() {
        let nodes = (0..<3).map { Make.node("n\($0)") }
        var pods: [String: [Pod]] = [:]
        for i in 0..<3 { pods["n\(i)"] = [daemonPod("old-\(i)", node: "n\(i)", hash: "h1", ready: i != 0)] }
        let plan = DaemonSetPlanner.plan(Make.daemonSet(maxUnavailable: .int(1)), hash: "h2", nodes: nodes, pods: pods, now: now)
        #expect(plan.delete == ["old-0", "old-1"])
    }

    @Test func targetNodeComesFromNodeNameOrAffinity() throws {
        var p = Make.pod("x")
        p.spec?.affinity = try KubeCodec.decode(Affinity.self, from: ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [
            "nodeSelectorTerms": [["matchFields": [["key": "metadata.name", "operator": "In", "values": ["n7"]]]]]]]])
        #expect(DaemonSetPlanner.targetNode(p) == "n7")
        p.spec?.nodeName = "n8"
        #expect(DaemonSetPlanner.targetNode(p) == "n8")
    }
}
