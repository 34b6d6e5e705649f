import Foundation
import KubeAPI
import Testing
@testable import Controllers

@Suite struct RolloutMathTests {
    static func strategy(_ surge: IntOrString?, _ unavailable: IntOrString?) -> DeploymentStrategy {
        var s = DeploymentStrategy()
        s.type = "RollingUpdate"
        var ru = RollingUpdateDeployment()
        ru.maxSurge = surge
        ru.maxUnavailable = unavailable
        s.rollingUpdate = ru
        return s
    }

    @Test(arguments: [
        (IntOrString.string("25%"), IntOrString.string("25%"), 10, 3, 2),   // 2.5 rounds up for surge, down for unavailable
        (.string("25%"), .string("25%"), 4, 1, 1),
        (.string("25%"), .string("25%"), 1, 1, 0),
        (.int(0), .int(0), 5, 0, 1),                                       // both zero: one may be unavailable
        (.string("0%"), .string("0%"), 5, 0, 1),
        (.string("50%"), .string("0%"), 3, 2, 0),
        (.int(2), .int(1), 6, 2, 1),
        (.string("100%"), .string("100%"), 7, 7, 7),
        (.string("33%"), .string("33%"), 10, 4, 3),
    ])
    func fenceposts(_ surge: IntOrString, _ unavailable: IntOrString, _ desired: Int, _ wantSurge: Int, _ wantUnavailable: Int) {
        let f = RolloutMath.fenceposts(maxSurge: surge, maxUnavailable: unavailable, desired: desired)
        #expect(f.surge == wantSurge)
        #expect(f.unavailable == wantUnavailable)
    }

    @Test func maxUnavailableNeverExceedsDesiredAndIsZeroForRecreate() {
        #expect(RolloutMath.maxUnavailable(Self.strategy(.int(0), .int(9)), desired: 3) == 3)
        var recreate = DeploymentStrategy()
        recreate.type = "Recreate"
        #expect(RolloutMath.maxUnavailable(recreate, desired: 3) == 0)
        #expect(RolloutMath.maxSurge(recreate, desired: 3) == 0)
    }

    @Test func newReplicaSetGrowsWithinSurge() {
        let s = Self.strategy(.string("25%"), .string("25%"))
        let old = ReplicaSetState(name: "old", specReplicas: 10, availableReplicas: 10)
        var new = ReplicaSetState(name: "new", specReplicas: 0)
        #expect(RolloutMath.newReplicaSetReplicas(strategy: s, desired: 10, all: [old, new], newRS: new) == 3)
        new.specReplicas = 3
        var smaller = old
        smaller.specReplicas = 8
        #expect(RolloutMath.newReplicaSetReplicas(strategy: s, desired: 10, all: [smaller, new], newRS: new) == 5)
        #expect(RolloutMath.newReplicaSetReplicas(strategy: s, desired: 10, all: [old, new], newRS: new) == 3)
        var recreate = DeploymentStrategy()
        recreate.type = "Recreate"
        #expect(RolloutMath.newReplicaSetReplicas(strategy: recreate, desired: 10, all: [old, new], newRS: new) == 10)
    }

    @Test func oldReplicaSetsShrinkWhileEnoughStayAvailable() {
        let s = Self.strategy(.string("25%"), .string("25%"))
        let old = ReplicaSetState(name: "old", specReplicas: 10, availableReplicas: 10)
        let new = ReplicaSetState(name: "new", specReplicas: 3, availableReplicas: 0)
        #expect(RolloutMath.scaleDownOld(strategy: s, desired: 10, old: [old], newRS: new) == ["old": 8])
        // Unavailable old pods go first, bounded by what may be scaled down.
        let sick = ReplicaSetState(name: "old", specReplicas: 10, availableReplicas: 6)
        #expect(RolloutMath.scaleDownOld(strategy: s, desired: 10, old: [sick], newRS: new) == ["old": 8])
        // Nothing when the new pods are not available and the budget is used.
        let tight = ReplicaSetState(name: "old", specReplicas: 8, availableReplicas: 8)
        #expect(RolloutMath.scaleDownOld(strategy: s, desired: 10, old: [tight], newRS: new).isEmpty)
        // Oldest first across several old ReplicaSets.
        let a = ReplicaSetState(name: "a", specReplicas: 2, availableReplicas: 2, created: Date(timeIntervalSince1970: 1))
        let b = ReplicaSetState(name: "b", specReplicas: 2, availableReplicas: 2, created: Date(timeIntervalSince1970: 2))
        let n = ReplicaSetState(name: "n", specReplicas: 4, availableReplicas: 4)
        #expect(RolloutMath.scaleDownOld(strategy: s, desired: 4, old: [b, a], newRS: n) == ["a": 0, "b": 0])
    }

    /// A whole rollout, step by step, as the controller drives it: new pods
    /// become available one step after they are asked for. At every step the
    /// total stays within desired + maxSurge and the available pods within
    /// desired - maxUnavailable; the rollout finishes.
    @Test(arguments: [
        (10, IntOrString.string("25%"), IntOrString.string("25%")),
        (3, .int(1), .int(0)),
        (5, .int(0), .int(1)),
        (7, .string("30%"), .string("30%")),
        (1, .string("25%"), .string("25%")),
        (6, .int(2), .int(1)),
        (4, .string("100%"), .int(0)),
    ])
    func rolloutStaysWithinBounds(_ desired: Int, _ surge: IntOrString, _ unavailable: IntOrString) {
        let s = Self.strategy(surge, unavailable)
        let f = RolloutMath.fenceposts(maxSurge: surge, maxUnavailable: unavailable, desired: desired)
        var old = ReplicaSetState(name: "old", specReplicas: desired, availableReplicas: desired)
        var new = ReplicaSetState(name: "new", specReplicas: 0, availableReplicas: 0)
        var steps = 0
        while !(new.specReplicas == desired && new.availableReplicas == desired && old.specReplicas == 0) {
            steps += 1
            guard steps < 100 else {
                Issue.record("rollout did not finish: old \(old), new \(new)")
                return
            }
            // Pods asked for in the previous step are up.
            new.availableReplicas = new.specReplicas
            let size = RolloutMath.newReplicaSetReplicas(strategy: s, desired: desired, all: [old, new], newRS: new)
            if size != new.specReplicas {
                new.specReplicas = size
            } else if let down = RolloutMath.scaleDownOld(strategy: s, desired: desired, old: [old], newRS: new)["old"] {
                old.specReplicas = down
                old.availableReplicas = min(old.availableReplicas, down)
            }
            #expect(old.specReplicas + new.specReplicas <= desired + f.surge, "step \(steps): too many pods")
            #expect(old.availableReplicas + min(new.availableReplicas, new.specReplicas) >= desired - min(f.unavailable, desired),
                    "step \(steps): too few available")
        }
    }

    @Test func proportionalScalingDuringARollout() {
        let old = ReplicaSetState(name: "old", specReplicas: 8, created: Date(timeIntervalSince1970: 1), maxReplicasAnnotation: 13)
        let new = ReplicaSetState(name: "new", specReplicas: 5, created: Date(timeIntervalSince1970: 2), maxReplicasAnnotation: 13)
        let up = RolloutMath.proportionalScale(desired: 15, maxSurge: 3, active: [old, new], fallbackAnnotated: 13)
        #expect(up == ["old": 11, "new": 7])
        let down = RolloutMath.proportionalScale(desired: 5, maxSurge: 1, active: [old, new], fallbackAnnotated: 13)
        #expect((down["old"] ?? 0) + (down["new"] ?? 0) == 6)
        #expect((down["old"] ?? 0) > (down["new"] ?? 0))
        let zero = RolloutMath.proportionalScale(desired: 0, maxSurge: 3, active: [old, new], fallbackAnnotated: 13)
        #expect(zero == ["old": 0, "new": 0])
    }
}
