public import KubeAPI

/// `persistentVolumeClaimRetentionPolicy` through controller references on
/// the claims, as upstream's `isClaimOwnerUpToDate` and
/// `updateClaimOwnerRefForSetAndPod`: `whenDeleted: Delete` makes the set
/// the claims' controller (the garbage collector removes them with the set),
/// `whenScaled: Delete` makes a pod beyond the replica count the controller
/// of its claims before it is removed (they go with it). Retain/Retain keeps
/// neither. A claim referring to an earlier set or pod of the same name, or
/// controlled by something else, is left alone.
public enum StatefulSetClaimRetention {
    static func matches(_ ref: OwnerReference, apiVersion: String, kind: String, name: String?) -> Bool {
        ref.apiVersion == apiVersion && ref.kind == kind && ref.name == (name ?? "")
    }

    static func matchesSet(_ ref: OwnerReference, _ set: StatefulSet) -> Bool {
        matches(ref, apiVersion: StatefulSet.apiVersion, kind: StatefulSet.kind, name: set.metadata.name)
    }

    static func matchesPod(_ ref: OwnerReference, _ pod: Pod) -> Bool {
        matches(ref, apiVersion: Pod.apiVersion, kind: Pod.kind, name: pod.metadata.name)
    }

    /// The owner references `claim` should have for a pod of the set; nil
    /// when they already match (or the claim is not the controller's to change).
    public static func owners(of claim: PersistentVolumeClaim, set: StatefulSet, pod: Pod) -> [OwnerReference]? {
        let refs = claim.metadata.ownerReferences ?? []
        let setUID = set.metadata.uid ?? "", podUID = pod.metadata.uid ?? ""
        // Stale: the first reference of the set's or pod's name has another UID.
        if let r = refs.first(where: { matchesSet($0, set) }), r.uid != setUID { return nil }
        if let r = refs.first(where: { matchesPod($0, pod) }), r.uid != podUID { return nil }
        let policy = set.spec?.persistentVolumeClaimRetentionPolicy
        let deleteWithSet = policy?.whenDeleted == "Delete"
        let deleteWhenScaled = policy?.whenScaled == "Delete"
        let unexpectedController = (deleteWithSet || deleteWhenScaled) && refs.contains {
            !matchesSet($0, set) && !matchesPod($0, pod) && $0.controller == true
        }
        var wanted = refs.filter { !matchesSet($0, set) && !matchesPod($0, pod) }
        if !unexpectedController {
            let scaledDown = StatefulSetIdentity.ordinal(of: pod.metadata.name ?? "", setName: set.metadata.name ?? "")
                .map { !StatefulSetIdentity.inRange($0, set) } ?? false
            if deleteWhenScaled && scaledDown && !podUID.isEmpty { wanted.append(controllerReference(to: pod)) }
            if deleteWithSet && !(deleteWhenScaled && scaledDown) && !setUID.isEmpty { wanted.append(controllerReference(to: set)) }
        }
        return Set(wanted) == Set(refs) && wanted.count == refs.count ? nil : wanted
    }

    /// With `whenScaled: Delete`, a claim owned by an earlier pod of the name
    /// is about to be collected with it (upstream's `PodClaimIsStale`): a new pod must wait.
    public static func isStale(_ claim: PersistentVolumeClaim, for pod: Pod, set: StatefulSet) -> Bool {
        guard set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled == "Delete" else { return false }
        guard let r = (claim.metadata.ownerReferences ?? []).first(where: { matchesPod($0, pod) }) else { return false }
        return r.uid != pod.metadata.uid
    }
}
