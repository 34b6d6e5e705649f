public import KubeAPI

/// The claims, volumes and classes the scheduler decides on, with upstream's
/// assume cache folded in: while a pod's volume binding is in flight, the
/// volumes it is taking carry the assumed `claimRef` and the claims it is
/// provisioning carry the assumed `selected-node` annotation, so later
/// decisions neither give the same volume to another claim nor send a pod
/// sharing the claim to another node.
///
/// An assumption lasts until the informer delivers a newer version of the
/// object (the binding's own update, or anyone else's) or it is reverted.
public struct VolumeCache: Sendable {
    /// Claims by `namespace/name`, assumptions applied.
    public private(set) var claims: [String: PersistentVolumeClaim] = [:]
    /// Volumes by name, assumptions applied.
    public private(set) var volumes: [String: PersistentVolume] = [:]
    public private(set) var classes: [String: StorageClass] = [:]
    /// The informer's version of each assumed claim and volume.
    private var apiClaims: [String: PersistentVolumeClaim] = [:]
    private var apiVolumes: [String: PersistentVolume] = [:]

    public init() {}

    static func key(_ c: PersistentVolumeClaim) -> String { "\(c.metadata.namespace ?? "")/\(c.metadata.name ?? "")" }

    static func version(_ m: ObjectMeta) -> Int64 { Int64(m.resourceVersion ?? "") ?? 0 }

    // MARK: informer events

    public mutating func upsert(_ c: PersistentVolumeClaim) {
        let k = Self.key(c)
        if apiClaims[k] != nil, let assumed = claims[k], Self.version(c.metadata) <= Self.version(assumed.metadata) {
            apiClaims[k] = c
            return
        }
        apiClaims[k] = nil
        claims[k] = c
    }

    public mutating func remove(_ c: PersistentVolumeClaim) {
        let k = Self.key(c)
        apiClaims[k] = nil
        claims[k] = nil
    }

    public mutating func upsert(_ v: PersistentVolume) {
        let k = v.metadata.name ?? ""
        if apiVolumes[k] != nil, let assumed = volumes[k], Self.version(v.metadata) <= Self.version(assumed.metadata) {
            apiVolumes[k] = v
            return
        }
        apiVolumes[k] = nil
        volumes[k] = v
    }

    public mutating func remove(_ v: PersistentVolume) {
        let k = v.metadata.name ?? ""
        apiVolumes[k] = nil
        volumes[k] = nil
    }

    public mutating func upsert(_ s: StorageClass) { classes[s.metadata.name ?? ""] = s }
    public mutating func remove(_ s: StorageClass) { classes[s.metadata.name ?? ""] = nil }

    // MARK: assumptions

    /// Counts the planned bindings as done: each chosen volume bound to its
    /// claim (``VolumeBindingPlan/bindVolume(_:to:)``), each claim to provision
    /// annotated with the node. Returns the objects to write to the API.
    public mutating func assume(_ plan: PodVolumes, node: String) -> PodVolumes {
        var out = PodVolumes()
        for b in plan.staticBindings {
            let name = b.volume.metadata.name ?? ""
            let current = volumes[name] ?? b.volume
            let bound = VolumeBindingPlan.bindVolume(current, to: b.claim)
            if bound != current {
                if apiVolumes[name] == nil { apiVolumes[name] = current }
                volumes[name] = bound
            }
            out.staticBindings.append(StaticBinding(claim: b.claim, volume: bound))
        }
        for c in plan.provisions {
            let k = Self.key(c)
            var annotated = claims[k] ?? c
            if annotated.metadata.annotations?[StorageNames.selectedNode] != node {
                if apiClaims[k] == nil { apiClaims[k] = annotated }
                annotated.metadata.annotations = (annotated.metadata.annotations ?? [:]).merging([StorageNames.selectedNode: node]) { $1 }
                claims[k] = annotated
            }
            out.provisions.append(annotated)
        }
        return out
    }

    /// Undoes the assumptions of a plan whose binding failed (upstream's
    /// RevertAssumedPodVolumes): the informer's versions come back.
    public mutating func revert(_ plan: PodVolumes) {
        for b in plan.staticBindings {
            let name = b.volume.metadata.name ?? ""
            if let api = apiVolumes.removeValue(forKey: name) { volumes[name] = api }
        }
        for c in plan.provisions {
            let k = Self.key(c)
            if let api = apiClaims.removeValue(forKey: k) { claims[k] = api }
        }
    }

    /// True while an assumption on this volume or claim is held.
    public func isAssumed(volume name: String) -> Bool { apiVolumes[name] != nil }
    public func isAssumed(claim key: String) -> Bool { apiClaims[key] != nil }

    // MARK: queries

    public func claim(namespace: String, name: String) -> PersistentVolumeClaim? { claims["\(namespace)/\(name)"] }

    /// The volumes of a class (by ``VolumeMatching/className(of:)``), by name.
    public func volumes(ofClass name: String) -> [PersistentVolume] {
        volumes.values.filter { VolumeMatching.className(of: $0) == name }.sorted { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }
    }
}
