public import KubeAPI

/// Which pods a scaled-down ReplicaSet deletes first, as Kubernetes ranks
/// them: unscheduled before scheduled, Pending before Unknown before Running,
/// not ready before ready, ready for less time first, more restarts first,
/// newer first.
public enum PodDeletionOrder {
    static func phaseRank(_ p: Pod) -> Int {
        switch p.status?.phase {
        case "Pending": return 0
        case "Unknown": return 1
        case "Running": return 2
        default: return 0
        }
    }

    static func restarts(_ p: Pod) -> Int {
        (p.status?.containerStatuses ?? []).reduce(0) { max($0, $1.restartCount) }
    }

    /// True when `a` should be deleted before `b`.
    public static func before(_ a: Pod, _ b: Pod) -> Bool {
        let aBound = !(a.spec?.nodeName ?? "").isEmpty, bBound = !(b.spec?.nodeName ?? "").isEmpty
        if aBound != bBound { return !aBound }
        if phaseRank(a) != phaseRank(b) { return phaseRank(a) < phaseRank(b) }
        let aReady = PodState.isReady(a), bReady = PodState.isReady(b)
        if aReady != bReady { return !aReady }
        if aReady, let x = PodState.readySince(a), let y = PodState.readySince(b), x != y { return x > y }
        if restarts(a) != restarts(b) { return restarts(a) > restarts(b) }
        let ca = a.metadata.creationTimestamp?.date, cb = b.metadata.creationTimestamp?.date
        if let ca, let cb, ca != cb { return ca > cb }
        return (a.metadata.name ?? "") > (b.metadata.name ?? "")
    }

    /// The first `count` pods to delete.
    public static func victims(_ pods: [Pod], count: Int) -> [Pod] {
        Array(pods.sorted(by: before).prefix(max(count, 0)))
    }
}
