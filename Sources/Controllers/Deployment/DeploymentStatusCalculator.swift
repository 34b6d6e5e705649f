public import Foundation
public import KubeAPI

/// A Deployment's status from its ReplicaSets, with the Available and
/// Progressing conditions as kube's deployment controller sets them.
public enum DeploymentStatusCalculator {
    /// Counts and the Available condition (kube's calculateStatus).
    public static func calculate(_ d: Deployment, all: [ReplicaSetState], newRS: ReplicaSetState?, now: Date) -> DeploymentStatus {
        let desired = d.spec?.replicas ?? 1
        let available = all.reduce(0) { $0 + $1.availableReplicas }
        let total = all.reduce(0) { $0 + $1.specReplicas }
        var s = DeploymentStatus()
        s.observedGeneration = d.metadata.generation
        s.replicas = all.reduce(0) { $0 + $1.statusReplicas }
        s.updatedReplicas = newRS?.statusReplicas ?? 0
        s.readyReplicas = all.reduce(0) { $0 + $1.readyReplicas }
        s.availableReplicas = available
        s.unavailableReplicas = max(total - available, 0)
        s.collisionCount = d.status?.collisionCount
        s.conditions = d.status?.conditions
        if available >= desired - RolloutMath.maxUnavailable(d.spec?.strategy, desired: desired) {
            DeploymentConditions.set(&s, DeploymentConditions.make(DeploymentConditions.available, "True", DeploymentConditions.minimumAvailable,
                                                                   "Deployment has minimum availability.", now: now))
        } else {
            DeploymentConditions.set(&s, DeploymentConditions.make(DeploymentConditions.available, "False", DeploymentConditions.minimumUnavailable,
                                                                   "Deployment does not have minimum availability.", now: now))
        }
        return s
    }

    /// The status after a rollout step, Progressing included (kube's syncRolloutStatus).
    public static func rollout(_ d: Deployment, all: [ReplicaSetState], newRS: ReplicaSetState?, replicaFailure: Condition?,
                               now: Date) -> DeploymentStatus {
        var s = calculate(d, all: all, newRS: newRS, now: now)
        let desired = d.spec?.replicas ?? 1
        if !DeploymentConditions.hasProgressDeadline(d.spec) {
            DeploymentConditions.remove(&s, DeploymentConditions.progressing)
        }
        let current = DeploymentConditions.get(d.status, DeploymentConditions.progressing)
        let complete = s.replicas == s.updatedReplicas && current?.reason == DeploymentConditions.newRSAvailable
        if DeploymentConditions.hasProgressDeadline(d.spec) && !complete {
            if DeploymentConditions.isComplete(desired: desired, generation: d.metadata.generation, s) {
                let msg = newRS.map { "ReplicaSet \"\($0.name)\" has successfully progressed." } ?? "Deployment \"\(d.name)\" has successfully progressed."
                DeploymentConditions.set(&s, DeploymentConditions.make(DeploymentConditions.progressing, "True",
                                                                       DeploymentConditions.newRSAvailable, msg, now: now))
            } else if DeploymentConditions.isProgressing(old: d.status, new: s) {
                let msg = newRS.map { "ReplicaSet \"\($0.name)\" is progressing." } ?? "Deployment \"\(d.name)\" is progressing."
                var c = DeploymentConditions.make(DeploymentConditions.progressing, "True", DeploymentConditions.rsUpdated, msg, now: now)
                if let current, current.status == "True" { c.lastTransitionTime = current.lastTransitionTime }
                DeploymentConditions.remove(&s, DeploymentConditions.progressing)
                s.conditions = (s.conditions ?? []) + [c]
            } else if DeploymentConditions.isTimedOut(spec: d.spec, s, now: now) {
                let msg = newRS.map { "ReplicaSet \"\($0.name)\" has timed out progressing." } ?? "Deployment \"\(d.name)\" has timed out progressing."
                DeploymentConditions.set(&s, DeploymentConditions.make(DeploymentConditions.progressing, "False",
                                                                       DeploymentConditions.timedOut, msg, now: now))
            }
        }
        if let replicaFailure {
            DeploymentConditions.set(&s, replicaFailure)
        } else {
            DeploymentConditions.remove(&s, DeploymentConditions.replicaFailure)
        }
        return s
    }

    /// When to look again for a stuck rollout (Progressing.lastUpdateTime +
    /// progressDeadlineSeconds), or nil when no check is needed.
    public static func recheckAfter(_ d: Deployment, _ s: DeploymentStatus, now: Date) -> TimeInterval? {
        guard DeploymentConditions.hasProgressDeadline(d.spec), let c = DeploymentConditions.get(s, DeploymentConditions.progressing) else { return nil }
        if DeploymentConditions.isComplete(desired: d.spec?.replicas ?? 1, generation: d.metadata.generation, s) || c.reason == DeploymentConditions.timedOut {
            return nil
        }
        guard let from = c.lastUpdateTime?.date else { return nil }
        return max(from.addingTimeInterval(Double(d.spec?.progressDeadlineSeconds ?? 600)).timeIntervalSince(now), 1)
    }
}
