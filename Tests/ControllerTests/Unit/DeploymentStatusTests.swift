import Foundation
import KubeAPI
import Testing
@testable import Controllers

@Suite struct DeploymentStatusTests {
    static func deployment(replicas: Int = 3, generation: Int64 = 2, status: DeploymentStatus? = nil) -> Deployment {
        var d = Deployment(metadata: ObjectMeta(name: "web", namespace: "default"))
        d.metadata.generation = generation
        var spec = DeploymentSpec()
        spec.replicas = replicas
        spec.progressDeadlineSeconds = 600
        spec.strategy = RolloutMathTests.strategy(.string("25%"), .string("25%"))
        d.spec = spec
        d.status = status
        return d
    }

    let now = Date(timeIntervalSince1970: 1_000_000)

    @Test func countsAndAvailability() {
        let d = Self.deployment()
        let old = ReplicaSetState(name: "old", specReplicas: 1, statusReplicas: 1, readyReplicas: 1, availableReplicas: 1)
        let new = ReplicaSetState(name: "new", specReplicas: 3, statusReplicas: 3, readyReplicas: 2, availableReplicas: 1)
        let s = DeploymentStatusCalculator.calculate(d, all: [old, new], newRS: new, now: now)
        #expect(s.replicas == 4 && s.updatedReplicas == 3 && s.readyReplicas == 3 && s.availableReplicas == 2 && s.unavailableReplicas == 2)
        #expect(s.observedGeneration == 2)
        // 2 available < 3 - 0 (25% of 3 rounds down to 0).
        #expect(DeploymentConditions.get(s, "Available")?.status == "False")
        #expect(DeploymentConditions.get(s, "Available")?.reason == "MinimumReplicasUnavailable")
    }

    @Test func progressingThenComplete() {
        var d = Self.deployment()
        var created = DeploymentStatus()
        DeploymentConditions.set(&created, DeploymentConditions.make("Progressing", "True", "NewReplicaSetCreated", "Created new replica set \"web-1\"",
                                                                     now: now.addingTimeInterval(-10)))
        d.status = created
        let half = ReplicaSetState(name: "web-1", specReplicas: 3, statusReplicas: 2, readyReplicas: 2, availableReplicas: 2)
        let s1 = DeploymentStatusCalculator.rollout(d, all: [half], newRS: half, replicaFailure: nil, now: now)
        let p1 = DeploymentConditions.get(s1, "Progressing")
        #expect(p1?.reason == "ReplicaSetUpdated" && p1?.message == "ReplicaSet \"web-1\" is progressing.")
        #expect(p1?.lastTransitionTime == created.conditions?.first?.lastTransitionTime)
        d.status = s1
        let full = ReplicaSetState(name: "web-1", specReplicas: 3, statusReplicas: 3, readyReplicas: 3, availableReplicas: 3)
        let s2 = DeploymentStatusCalculator.rollout(d, all: [full], newRS: full, replicaFailure: nil, now: now)
        #expect(DeploymentConditions.get(s2, "Progressing")?.reason == "NewReplicaSetAvailable")
        #expect(DeploymentConditions.get(s2, "Available")?.status == "True")
        #expect(DeploymentStatusCalculator.recheckAfter(d, s2, now: now) == nil)
    }

    @Test func stuckRolloutTimesOut() {
        var d = Self.deployment()
        var s = DeploymentStatus()
        s.replicas = 3
        s.updatedReplicas = 1
        s.readyReplicas = 2
        s.availableReplicas = 2
        DeploymentConditions.set(&s, DeploymentConditions.make("Progressing", "True", "ReplicaSetUpdated", "", now: now.addingTimeInterval(-601)))
        d.status = s
        let stuck = ReplicaSetState(name: "web-1", specReplicas: 1, statusReplicas: 1)
        let old = ReplicaSetState(name: "web-0", specReplicas: 2, statusReplicas: 2, readyReplicas: 2, availableReplicas: 2)
        let out = DeploymentStatusCalculator.rollout(d, all: [old, stuck], newRS: stuck, replicaFailure: nil, now: now)
        let p = DeploymentConditions.get(out, "Progressing")
        #expect(p?.status == "False" && p?.reason == "ProgressDeadlineExceeded")
        #expect(p?.message == "ReplicaSet \"web-1\" has timed out progressing.")
        // Before the deadline: look again when it passes.
        var early = d
        var es = s
        es.conditions = [DeploymentConditions.make("Progressing", "True", "ReplicaSetUpdated", "", now: now.addingTimeInterval(-500))]
        early.status = es
        #expect(DeploymentStatusCalculator.recheckAfter(early, es, now: now) == 100)
    }

    @Test func conditionUpdatesKeepTransitionTimes() {
        var s = DeploymentStatus()
        let t0 = now.addingTimeInterval(-100)
        DeploymentConditions.set(&s, DeploymentConditions.make("Available", "True", "MinimumReplicasAvailable", "", now: t0))
        DeploymentConditions.set(&s, DeploymentConditions.make("Available", "True", "MinimumReplicasAvailable", "later", now: now))
        #expect(s.conditions?.first?.message == "")
        DeploymentConditions.set(&s, DeploymentConditions.make("Available", "True", "OtherReason", "", now: now))
        #expect(s.conditions?.first?.lastTransitionTime == Timestamp(t0))
        #expect(s.conditions?.count == 1)
    }
}
