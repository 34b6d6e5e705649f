public import KubeAPI

/// A claim to be bound to a chosen static volume.
public struct StaticBinding: Sendable, Hashable {
    public var claim: PersistentVolumeClaim
    public var volume: PersistentVolume
    public init(claim: PersistentVolumeClaim, volume: PersistentVolume) {
        self.claim = claim
        self.volume = volume
    }
}

/// What binding a pod's unbound WaitForFirstConsumer claims on one node
/// takes (upstream's PodVolumes): static volumes to bind, claims to provision.
public struct PodVolumes: Sendable, Hashable {
    public var staticBindings: [StaticBinding] = []
    public var provisions: [PersistentVolumeClaim] = []
    public init() {}
    public var isEmpty: Bool { staticBindings.isEmpty && provisions.isEmpty }
}

/// Upstream's names and the small rules the binding shares.
public enum VolumeBindingPlan {
    /// On a claim: the node the scheduler chose; the provisioner makes the volume there.
    public static let selectedNodeAnnotation = "volume.kubernetes.io/selected-node"
    /// On a volume (and claim): the binding was made by a controller, not pre-bound by a user.
    public static let boundByControllerAnnotation = "pv.kubernetes.io/bound-by-controller"
    /// On a claim: the PV controller completed its binding.
    public static let bindCompletedAnnotation = "pv.kubernetes.io/bind-completed"

    /// A claim bound for good: it names its volume and the PV controller
    /// completed the binding (the `bind-completed` annotation, or phase `Bound`).
    public static func isFullyBound(_ c: PersistentVolumeClaim) -> Bool {
        guard let v = c.spec?.volumeName, !v.isEmpty else { return false }
        return c.metadata.annotations?[bindCompletedAnnotation] != nil || c.status?.phase == "Bound"
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
            var r = ObjectReference(kind: PersistentVolumeClaim.kind, namespace: claim.metadata.namespace, name: claim.metadata.name,
                                    uid: claim.metadata.uid)
            r.apiVersion = PersistentVolumeClaim.apiVersion
            r.resourceVersion = claim.metadata.resourceVersion
            if v.spec == nil { v.spec = PersistentVolumeSpec() }
            v.spec?.claimRef = r
        }
        if !preBound && v.metadata.annotations?[boundByControllerAnnotation] == nil {
            v.metadata.annotations = (v.metadata.annotations ?? [:]).merging([boundByControllerAnnotation: "yes"]) { $1 }
        }
        return v
    }
}
