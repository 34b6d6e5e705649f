public import KubeAPI

/// `persistentVolumeClaimRetentionPolicy` through owner references on the
/// claims, as upstream's `updateClaimOwnerRefForSetAndPod`: `whenDeleted:
/// Delete` makes the set an owner of its pods' claims (the garbage collector
/// removes them with the set), `whenScaled: Delete` makes a pod beyond the
/// replica count the owner of its claims before it is removed (they go with
/// it). Retain/Retain keeps neither reference.
public enum StatefulSetClaimRetention {
    /// The owner references `claim` should have for a pod of the set; nil
    /// when they already match.
    public static func owners(of claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod) -> [OwnerReference]? {
        let policy = set.spec?.persistentVolumeClaimRetentionPolicy
        let deleteWithSet = policy?.whenDeleted == "Delete"
        let deleteWhenScaled = policy?.whenScaled == "Delete"
        let scaledDown = StatefulSetIdentity.ordinal(of: pod.metadata.name ?? "", setName: set.metadata.name ?? "")
            .map { !StatefulSetIdentity.inRange($0, set) } ?? false
        let wantSet = deleteWithSet && !(deleteWhenScaled && scaledDown)
        let wantPod = deleteWhenScaled && scaledDown
        var refs = claim.metadata.ownerReferences ?? []
        let before = refs
        let setUID = set.metadata.uid ?? "", podUID = pod.metadata.uid ?? ""
        // References to other incarnations of the set or pod are stale.
        refs.removeAll { ($0.kind == StatefulSet.kind && ($0.uid != setUID || !wantSet)) || ($0.kind == Pod.kind && ($0.uid != podUID || !wantPod)) }
        if wantSet && !setUID.isEmpty && !refs.contains(where: { $0.uid == setUID }) {
            refs.append(OwnerReference(apiVersion: StatefulSet.apiVersion, kind: StatefulSet.kind, name: set.metadata.name ?? "", uid: setUID))
        }
        if wantPod && !podUID.isEmpty && !refs.contains(where: { $0.uid == podUID }) {
            refs.append(OwnerReference(apiVersion: Pod.apiVersion, kind: Pod.kind, name: pod.metadata.name ?? "", uid: podUID))
        }
        return refs == before ? nil : refs
    }

    /// A claim owned by a pod that is not `pod` is about to be collected
    /// with that pod (upstream's `PodClaimIsStale`): a new pod must wait.
    public static func isStale(_ claim: PersistentVolumeClaim, for pod: Pod) -> Bool {
        (claim.metadata.ownerReferences ?? []).contains { $0.kind == Pod.kind && $0.uid != pod.metadata.uid }
    }
}
