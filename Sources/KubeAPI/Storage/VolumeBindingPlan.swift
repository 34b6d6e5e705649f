/// The small rules of binding claims and volumes the scheduler and the PV controller share.
public enum VolumeBindingPlan {
    /// A claim bound for good: it names its volume and the PV controller
    /// completed the binding (the `bind-completed` annotation, or phase `Bound`).
    public static func isFullyBound(_ c: PersistentVolumeClaim) -> Bool {
        guard let v = c.spec?.volumeName, !v.isEmpty else { return false }
        return c.metadata.annotations?[StorageNames.bindCompleted] != nil || c.status?.phase == "Bound"
    }

    /// A volume's `claimRef` to `claim`: kind, apiVersion, namespace, name,
    /// uid and resourceVersion of the claim.
    public static func claimRef(to claim: PersistentVolumeClaim) -> ObjectReference {
        var r = ObjectReference(kind: PersistentVolumeClaim.kind, namespace: claim.metadata.namespace, name: claim.metadata.name,
                                uid: claim.metadata.uid)
        r.apiVersion = PersistentVolumeClaim.apiVersion
        r.resourceVersion = claim.metadata.resourceVersion
        return r
    }

    /// The volume with its `claimRef` set to the claim (upstream's
    /// GetBindVolumeToClaim): kind, apiVersion, namespace, name, uid and
    /// resourceVersion of the claim, and `bound-by-controller: "yes"` unless
    /// the volume was already pre-bound to this claim.
    public static func bindVolume(_ volume: PersistentVolume, to claim: PersistentVolumeClaim) -> PersistentVolume {
        var v = volume
        let preBound = VolumeMatching.isVolume(volume, boundTo: claim)
        let ref = volume.spec?.claimRef
        if ref == nil || ref?.name != claim.metadata.name || ref?.namespace != claim.metadata.namespace || ref?.uid != claim.metadata.uid {
            let r = claimRef(to: claim)
            if v.spec == nil { v.spec = PersistentVolumeSpec() }
            v.spec?.claimRef = r
        }
        if !preBound && v.metadata.annotations?[StorageNames.boundByController] == nil {
            v.metadata.annotations = (v.metadata.annotations ?? [:]).merging([StorageNames.boundByController: "yes"]) { $1 }
        }
        return v
    }
}
