public import Foundation
public import KubeAPI

/// Condition types and reasons of Deployments, and kube's rules for updating them.
public enum DeploymentConditions {
    public static let progressing = "Progressing"
    public static let available = "Available"
    public static let replicaFailure = "ReplicaFailure"

    public static let newRSAvailable = "NewReplicaSetAvailable"
    public static let newRSCreated = "NewReplicaSetCreated"
    public static let foundNewRS = "FoundNewReplicaSet"
    public static let rsUpdated = "ReplicaSetUpdated"
    public static let timedOut = "ProgressDeadlineExceeded"
    public static let paused = "DeploymentPaused"
    public static let resumed = "DeploymentResumed"
    public static let failedRSCreate = "ReplicaSetCreateError"
    public static let minimumAvailable = "MinimumReplicasAvailable"
    public static let minimumUnavailable = "MinimumReplicasUnavailable"

    public static func make(_ type: String, _ status: String, _ reason: String, _ message: String, now: Date) -> Condition {
        var c = Condition(type: type, status: status, reason: reason, message: message)
        c.lastUpdateTime = Timestamp(now)
        c.lastTransitionTime = Timestamp(now)
        return c
    }

    public static func get(_ status: DeploymentStatus?, _ type: String) -> Condition? {
        status?.conditions?.first { $0.type == type }
    }

    /// Sets a condition unless one with the same status and reason exists;
    /// keeps lastTransitionTime when only the reason changes.
    public static func set(_ status: inout DeploymentStatus, _ condition: Condition) {
        var c = condition
        if let current = get(status, c.type) {
            if current.status == c.status && current.reason == c.reason { return }
            if current.status == c.status { c.lastTransitionTime = current.lastTransitionTime }
        }
        status.conditions = (status.conditions ?? []).filter { $0.type != c.type } + [c]
    }

    public static func remove(_ status: inout DeploymentStatus, _ type: String) {
        status.conditions = (status.conditions ?? []).filter { $0.type != type }
        if status.conditions?.isEmpty == true { status.conditions = nil }
    }

    /// progressDeadlineSeconds is set (and not MaxInt32, kube's "no deadline").
    public static func hasProgressDeadline(_ spec: DeploymentSpec?) -> Bool {
        guard let p = spec?.progressDeadlineSeconds else { return false }
        return p != Int(Int32.max)
    }

    /// Every replica is updated and available and the spec is observed.
    public static func isComplete(desired: Int, generation: Int64?, _ s: DeploymentStatus) -> Bool {
        (s.updatedReplicas ?? 0) == desired && (s.replicas ?? 0) == desired && (s.availableReplicas ?? 0) == desired
            && (s.observedGeneration ?? 0) >= (generation ?? 0)
    }

    /// Something moved since the last status.
    public static func isProgressing(old: DeploymentStatus?, new: DeploymentStatus) -> Bool {
        let o = old ?? DeploymentStatus()
        let oldOld = (o.replicas ?? 0) - (o.updatedReplicas ?? 0)
        let newOld = (new.replicas ?? 0) - (new.updatedReplicas ?? 0)
        return (new.updatedReplicas ?? 0) > (o.updatedReplicas ?? 0) || (new.readyReplicas ?? 0) > (o.readyReplicas ?? 0)
            || (new.availableReplicas ?? 0) > (o.availableReplicas ?? 0) || newOld < oldOld
    }

    /// The Progressing condition is older than the deadline.
    public static func isTimedOut(spec: DeploymentSpec?, _ s: DeploymentStatus, now: Date) -> Bool {
        guard hasProgressDeadline(spec), let c = get(s, progressing) else { return false }
        if c.reason == newRSAvailable { return false }
        if c.reason == timedOut { return true }
        guard let from = c.lastUpdateTime?.date else { return false }
        return from.addingTimeInterval(Double(spec?.progressDeadlineSeconds ?? 600)) < now
    }
}
