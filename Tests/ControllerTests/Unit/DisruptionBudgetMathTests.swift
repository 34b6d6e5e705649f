import Foundation
import Testing
import KubeAPI
@testable import Controllers

/// The disruption controller's arithmetic (upstream's disruption_test.go cases).
@Suite struct DisruptionBudgetMathTests {
    typealias Math = DisruptionBudgetMath
    let now = Date(timeIntervalSince1970: 1_000_000)

    func owned(_ name: String, by owner: String, ready: Bool = true) -> Pod {
        var p = Make.pod(name, labels: ["app": "web"], ready: ready)
        var ref = OwnerReference(apiVersion: "apps/v1", kind: "ReplicaSet", name: owner, uid: "uid-\(owner)")
        ref.controller = true
        p.metadata.ownerReferences = [ref]
        return p
    }

    func budget(min: IntOrString? = nil, max: IntOrString? = nil) -> PodDisruptionBudget {
        var b = PodDisruptionBudget(metadata: ObjectMeta(name: "web", namespace: "default"),
                                    spec: PodDisruptionBudgetSpec(minAvailable: min, maxUnavailable: max,
                                                                  selector: LabelSelector(matchLabels: ["app": "web"])))
        b.metadata.generation = 1
        return b
    }

    @Test func integerMinAvailableCountsSelectedPods() throws {
        let pods = [owned("a", by: "rs"), owned("b", by: "rs"), owned("c", by: "rs", ready: false)]
        let e = try Math.expectation(PodDisruptionBudgetSpec(minAvailable: .int(2)), pods: pods, scales: [:])
        #expect(e == Math.Expectation(expectedPods: 3, desiredHealthy: 2, unmanagedPods: []))
        let healthy = Math.currentHealthy(pods: pods, disrupted: [:], now: now)
        #expect(healthy == 2)
        #expect(Math.disruptionsAllowed(currentHealthy: healthy, desiredHealthy: 2, expectedPods: 3) == 0)
    }

    @Test func percentMinAvailableRoundsUpOverTheControllersScale() throws {
        let pods = [owned("a", by: "rs"), owned("b", by: "rs")]
        let scales: [String: Math.ControllerScale?] = ["uid-rs": Math.ControllerScale(uid: "uid-rs", replicas: 5)]
        let e = try Math.expectation(PodDisruptionBudgetSpec(minAvailable: .string("50%")), pods: pods, scales: scales)
        // 50% of 5 rounds up to 3.
        #expect(e.expectedPods == 5 && e.desiredHealthy == 3)
    }

    @Test func maxUnavailableRoundsUpAndFloorsAtZero() throws {
        let pods = (0..<4).map { owned("p\($0)", by: "rs") }
        let scales: [String: Math.ControllerScale?] = ["uid-rs": Math.ControllerScale(uid: "uid-rs", replicas: 4)]
        let pct = try Math.expectation(PodDisruptionBudgetSpec(maxUnavailable: .string("30%")), pods: pods, scales: scales)
        // 30% of 4 = 1.2 rounds up to 2 unavailable: 2 must stay healthy.
        #expect(pct.expectedPods == 4 && pct.desiredHealthy == 2)
        let many = try Math.expectation(PodDisruptionBudgetSpec(maxUnavailable: .int(10)), pods: pods, scales: scales)
        #expect(many.desiredHealthy == 0)
        #expect(Math.disruptionsAllowed(currentHealthy: 4, desiredHealthy: pct.desiredHealthy, expectedPods: 4) == 2)
    }

    @Test func controllersOfOneWorkloadCountOnce() throws {
        // Two ReplicaSets of one Deployment mid-rollout: the Deployment's scale once.
        let pods = [owned("a", by: "old"), owned("b", by: "new")]
        let d = Math.ControllerScale(uid: "uid-deploy", replicas: 3)
        let e = try Math.expectation(PodDisruptionBudgetSpec(maxUnavailable: .int(1)), pods: pods, scales: ["uid-old": d, "uid-new": d])
        #expect(e.expectedPods == 3 && e.desiredHealthy == 2)
    }

    @Test func unmanagedAndUnknownControllers() {
        let lone = Make.pod("lone", labels: ["app": "web"])
        let e = try? Math.expectation(PodDisruptionBudgetSpec(maxUnavailable: .int(1)), pods: [lone], scales: [:])
        #expect(e?.unmanagedPods == ["lone"])
        #expect(throws: Math.ScaleError(pod: "a")) {
            try Math.expectation(PodDisruptionBudgetSpec(minAvailable: .string("10%")), pods: [owned("a", by: "gone")], scales: ["uid-gone": Optional<Math.ControllerScale>.none])
        }
    }

    @Test func noDisruptionsWhileNoPodsAreExpected() {
        #expect(Math.disruptionsAllowed(currentHealthy: 3, desiredHealthy: 0, expectedPods: 0) == 0)
    }

    @Test func disruptedPodsExpireAfterTwoMinutes() {
        var status = PodDisruptionBudgetStatus()
        status.disruptedPods = ["fresh": Timestamp(now.addingTimeInterval(-30)), "stale": Timestamp(now.addingTimeInterval(-121)),
                                "missing": Timestamp(now)]
        let pods = [owned("fresh", by: "rs"), owned("stale", by: "rs")]
        let d = Math.disruptedPods(status, pods: pods, now: now)
        #expect(Array(d.pods.keys) == ["fresh"])
        #expect(d.expired == ["stale"])
        #expect(d.recheck == now.addingTimeInterval(90))
        // A just-evicted pod is not counted healthy; the stale one is again.
        #expect(Math.currentHealthy(pods: pods, disrupted: d.pods, now: now) == 1)
        var deleting = owned("x", by: "rs")
        deleting.metadata.deletionTimestamp = Timestamp(now)
        #expect(Math.currentHealthy(pods: [deleting], disrupted: [:], now: now) == 0)
    }

    @Test func statusAndCondition() throws {
        let b = budget(min: .int(1))
        let e = Math.Expectation(expectedPods: 2, desiredHealthy: 1, unmanagedPods: [])
        let s = try #require(Math.status(b, currentHealthy: 2, expectation: e, disrupted: [:], now: now))
        #expect(s.disruptionsAllowed == 1 && s.currentHealthy == 2 && s.desiredHealthy == 1 && s.expectedPods == 2 && s.observedGeneration == 1)
        let c = try #require(s.conditions?.first)
        #expect(c.type == "DisruptionAllowed" && c.status == "True" && c.reason == "SufficientPods" && c.observedGeneration == 1)
        var synced = b
        synced.status = s
        #expect(Math.status(synced, currentHealthy: 2, expectation: e, disrupted: [:], now: now.addingTimeInterval(5)) == nil)
        let short = try #require(Math.status(synced, currentHealthy: 1, expectation: e, disrupted: [:], now: now.addingTimeInterval(5)))
        #expect(short.disruptionsAllowed == 0)
        #expect(short.conditions?.first?.reason == "InsufficientPods" && short.conditions?.first?.status == "False")
        #expect(short.conditions?.first?.lastTransitionTime == Timestamp(now.addingTimeInterval(5)))
        let failed = Math.failSafe(synced, message: "found no controllers for pod \"a\"", now: now)
        #expect(failed.disruptionsAllowed == 0 && failed.conditions?.first?.reason == "SyncFailed")
    }

    @Test func budgetsForAPod() {
        var all = budget(min: .int(1))
        all.metadata.name = "all"
        all.spec?.selector = LabelSelector()
        var none = budget(min: .int(1))
        none.metadata.name = "none"
        none.spec?.selector = nil
        var other = budget(min: .int(1))
        other.metadata.name = "other"
        other.spec?.selector = LabelSelector(matchLabels: ["app": "db"])
        let names = Math.budgets(for: owned("a", by: "rs"), in: [budget(min: .int(1)), all, none, other]).map(\.metadata.name)
        #expect(names == ["web", "all"])
    }
}

/// When a DisruptionTarget condition goes stale.
@Suite struct StalePodDisruptionTests {
    let now = Date(timeIntervalSince1970: 1_000_000)

    func pod(reason: String = "EvictionByEvictionAPI", status: String = "True", since: TimeInterval, deleting: Bool = false,
             phase: String = "Running") -> Pod {
        var p = Make.pod("p", phase: phase, deleting: deleting)
        var c = Condition(type: "DisruptionTarget", status: status, reason: reason)
        c.lastTransitionTime = Timestamp(now.addingTimeInterval(-since))
        p.status?.conditions?.append(c)
        return p
    }

    @Test func staleAfterTwoMinutes() {
        #expect(StalePodDisruption.wait(pod(since: 30), now: now) == 90)
        #expect(StalePodDisruption.wait(pod(since: 300), now: now) == 0)
        #expect(StalePodDisruption.wait(pod(reason: "PreemptionByScheduler", since: 120), now: now) == 0)
    }

    @Test func neverStale() {
        #expect(StalePodDisruption.wait(pod(since: 300, deleting: true), now: now) == nil)
        #expect(StalePodDisruption.wait(pod(since: 300, phase: "Failed"), now: now) == nil)
        #expect(StalePodDisruption.wait(pod(reason: "TerminationByKubelet", since: 300), now: now) == nil)
        #expect(StalePodDisruption.wait(pod(status: "False", since: 300), now: now) == nil)
        #expect(StalePodDisruption.wait(Make.pod("plain"), now: now) == nil)
    }
}
