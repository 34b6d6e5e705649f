public import KubeAPI

/// Revision bookkeeping on ReplicaSets and Deployments (annotations kubectl
/// rollout history and undo read).
public enum Revisions {
    public static let revision = "deployment.kubernetes.io/revision"
    public static let revisionHistory = "deployment.kubernetes.io/revision-history"
    public static let desiredReplicas = "deployment.kubernetes.io/desired-replicas"
    public static let maxReplicas = "deployment.kubernetes.io/max-replicas"
    public static let lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
    static let rollbackTo = "deprecated.deployment.rollback.to"
    static let maxHistoryChars = 2000

    /// Annotations of the Deployment that are not copied to its ReplicaSets.
    public static let notCopied: Set<String> = [lastApplied, revision, revisionHistory, desiredReplicas, maxReplicas, rollbackTo]

    public static func revision(of meta: ObjectMeta) -> Int {
        Int(meta.annotations?[revision] ?? "") ?? 0
    }

    /// Copies the Deployment's annotations to the new ReplicaSet and raises
    /// its revision to `newRevision`, remembering the old one in the
    /// revision history (a rollback). Returns whether anything changed.
    @discardableResult
    public static func setNewReplicaSetAnnotations(_ d: Deployment, _ rs: inout ReplicaSet, newRevision: Int, exists: Bool,
                                                   maxSurge: Int) -> Bool {
        var a = rs.metadata.annotations ?? [:]
        var changed = false
        for (k, v) in d.metadata.annotations ?? [:] where !notCopied.contains(k) && a[k] != v {
            a[k] = v
            changed = true
        }
        let old = a[revision]
        let oldInt = Int(old ?? "") ?? 0
        if oldInt < newRevision {
            a[revision] = String(newRevision)
            changed = true
            if let old, !old.isEmpty {
                var history = (a[revisionHistory] ?? "").split(separator: ",").map(String.init)
                history.append(old)
                while history.joined(separator: ",").count > maxHistoryChars && !history.isEmpty { history.removeFirst() }
                a[revisionHistory] = history.joined(separator: ",")
            }
        }
        if !exists {
            let desired = d.spec?.replicas ?? 1
            a[desiredReplicas] = String(desired)
            a[maxReplicas] = String(desired + maxSurge)
            changed = true
        }
        rs.metadata.annotations = a
        return changed
    }
}
