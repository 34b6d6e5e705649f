import Foundation
import KubeAPI
import Testing
@testable import MiniControlPlane

/// The eviction subresource's decisions (upstream's eviction_test.go cases) without a server.
@Suite struct EvictionPolicyTests {
    let now = Date(timeIntervalSince1970: 1_000_000)

    func pod(phase: String = "Running", ready: Bool = true, deleting: Bool = false) -> Pod {
        var meta = ObjectMeta(name: "web-1", namespace: "default", labels: ["app": "web"])
        if deleting { meta.deletionTimestamp = Timestamp(now) }
        var status = PodStatus()
        status.phase = phase
        status.conditions = [Condition(type: "Ready", status: ready ? "True" : "False")]
        return Pod(metadata: meta, spec: PodSpec(containers: [Container(name: "c", image: "x:1")]), status: status)
    }

    func budget(allowed: Int, current: Int = 3, desired: Int = 2, policy: String? = nil, observed: Int64 = 1) -> PodDisruptionBudget {
        var spec = PodDisruptionBudgetSpec(minAvailable: .int(desired), selector: LabelSelector(matchLabels: ["app": "web"]))
        spec.unhealthyPodEvictionPolicy = policy
        var b = PodDisruptionBudget(metadata: ObjectMeta(name: "web", namespace: "default"), spec: spec)
        b.metadata.generation = 1
        var s = PodDisruptionBudgetStatus(disruptionsAllowed: allowed, currentHealthy: current, desiredHealthy: desired, expectedPods: 3)
        s.observedGeneration = observed
        b.status = s
        return b
    }

    @Test func finishedPendingAndDeletingPodsIgnoreBudgets() {
        #expect(EvictionPolicy.ignoresBudgets(pod(phase: "Succeeded")))
        #expect(EvictionPolicy.ignoresBudgets(pod(phase: "Failed")))
        #expect(EvictionPolicy.ignoresBudgets(pod(phase: "Pending")))
        #expect(EvictionPolicy.ignoresBudgets(pod(deleting: true)))
        #expect(!EvictionPolicy.ignoresBudgets(pod()))
        // Only a Pending pod's delete is pinned to the version read.
        #expect(EvictionPolicy.enforcesResourceVersion(pod(phase: "Pending")))
        #expect(!EvictionPolicy.enforcesResourceVersion(pod(phase: "Failed")))
    }

    @Test func anExhaustedBudgetRefusesWith429() {
        guard case .refuse(let s) = EvictionPolicy.check(pod(), budget: budget(allowed: 0, current: 2), dryRun: false, now: now) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(s.code == 429 && s.reason == "TooManyRequests")
        #expect(s.message == "Cannot evict pod as it would violate the pod's disruption budget.")
        #expect(s.details?.causes == [StatusCause(reason: "DisruptionBudget", message: "The disruption budget web needs 2 healthy pods and has 2 currently", field: nil)])
    }

    @Test func aBudgetNotYetObservedRefuses() {
        guard case .refuse(let s) = EvictionPolicy.check(pod(), budget: budget(allowed: 1, observed: 0), dryRun: false, now: now) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(s.code == 429 && s.details?.retryAfterSeconds == 10)
        #expect(s.details?.causes?.first?.message == "The disruption budget web is still being processed by the server.")
    }

    @Test func anAllowedDisruptionIsTakenAndRecorded() {
        guard case .decrement(let s) = EvictionPolicy.check(pod(), budget: budget(allowed: 1), dryRun: false, now: now) else {
            Issue.record("expected a decrement")
            return
        }
        #expect(s.disruptionsAllowed == 0)
        #expect(s.disruptedPods == ["web-1": Timestamp(now)])
        #expect(s.conditions?.first?.reason == "InsufficientPods" && s.conditions?.first?.status == "False")
        guard case .decrement(let dry) = EvictionPolicy.check(pod(), budget: budget(allowed: 2), dryRun: true, now: now) else {
            Issue.record("expected a decrement")
            return
        }
        #expect(dry.disruptionsAllowed == 1 && dry.disruptedPods == nil && dry.conditions == nil)
    }

    @Test func unhealthyPods() {
        // AlwaysAllow: a not-ready pod goes whatever the budget.
        #expect(EvictionPolicy.check(pod(ready: false), budget: budget(allowed: 0, current: 1, policy: "AlwaysAllow"), dryRun: false, now: now)
                == .deleteUnhealthy)
        // IfHealthyBudget: only while the budget is met.
        #expect(EvictionPolicy.check(pod(ready: false), budget: budget(allowed: 0, current: 2), dryRun: false, now: now) == .deleteUnhealthy)
        if case .refuse(let s) = EvictionPolicy.check(pod(ready: false), budget: budget(allowed: 0, current: 1), dryRun: false, now: now) {
            #expect(s.code == 429)
        } else {
            Issue.record("expected a refusal below the budget")
        }
    }

    @Test func twoBudgetsAreA500() {
        let s = EvictionPolicy.tooManyBudgets
        #expect(s.code == 500 && s.message == "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.")
    }
}
