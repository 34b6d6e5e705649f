/// Which PersistentVolume can serve a PersistentVolumeClaim: upstream's
/// `FindMatchingVolume` (k8s.io/component-helpers/storage/volume), shared by
/// the PV controller (static binding) and the scheduler's VolumeBinding
/// plugin (WaitForFirstConsumer claims on a candidate node).
///
/// ```swift
/// // PV controller, static binding of an Immediate claim:
/// let pv = VolumeMatching.findMatchingVolume(for: claim, among: volumes)
/// // scheduler, a WaitForFirstConsumer claim on one node:
/// let pv = VolumeMatching.findMatchingVolume(for: claim, among: volumes,
///                                            node: .init(name: "node-1", labels: node.metadata.labels ?? [:]),
///                                            excluding: alreadyChosen)
/// ```
public enum VolumeMatching {
    /// The node a volume must be reachable from (`kubernetes.io/hostname` and friends).
    public struct Node: Sendable, Hashable {
        public var name: String
        public var labels: [String: String]
        public init(name: String, labels: [String: String]) {
            self.name = name
            self.labels = labels
        }
    }

    /// The best volume for `claim` among `volumes`, or nil.
    ///
    /// - A volume whose `claimRef` names this claim (name, namespace and, when
    ///   set, uid: pre-bound by a user, provisioned for it, or assumed by the
    ///   scheduler) wins over every other, when its size, mode and node fit;
    ///   when it does not fit `node`, nothing matches.
    /// - A claim with `spec.volumeName` is served only by that volume (size,
    ///   class, volume mode and access modes must fit, as upstream's
    ///   `checkVolumeSatisfyClaim`; phase and selector are not checked).
    /// - Otherwise the smallest (by capacity, then name) volume that is
    ///   `Available`, has no `claimRef`, is not being deleted, has the claim's
    ///   class (`""` only matches `""`), at least the requested size, every
    ///   requested access mode, the same `volumeMode` (unset is `Filesystem`),
    ///   labels matching the claim's `selector`, and node affinity matching
    ///   `node` when one is given.
    ///
    /// - Parameters:
    ///   - node: the scheduler's candidate node; nil in the PV controller.
    ///   - excluded: names of volumes already chosen for other claims of the same pod.
    ///   - delayBinding: true in the PV controller for a WaitForFirstConsumer
    ///     claim: only a volume pre-bound to it is returned (the scheduler picks the rest).
    public static func findMatchingVolume(for claim: PersistentVolumeClaim, among volumes: [PersistentVolume], node: Node? = nil,
                                          excluding excluded: Set<String> = [], delayBinding: Bool = false) -> PersistentVolume? {
        let spec = claim.spec ?? PersistentVolumeClaimSpec()
        let requested = spec.requestedBytes
        let wantedClass = className(of: claim)
        let selector: LabelRequirements?
        if let s = spec.selector {
            // A selector that does not parse (validation refuses those) matches nothing.
            guard let parsed = try? LabelRequirements(s) else { return nil }
            selector = parsed
        } else {
            selector = nil
        }
        if let name = spec.volumeName, !name.isEmpty {
            guard !excluded.contains(name), let v = volumes.first(where: { $0.metadata.name == name }) else { return nil }
            if v.spec?.claimRef != nil && !isVolume(v, boundTo: claim) { return nil }
            guard v.metadata.deletionTimestamp == nil, (v.spec?.storageBytes ?? 0) >= requested, volumeModesMatch(claim, v),
                  className(of: v) == wantedClass, accessModesSatisfied(claim, v) else { return nil }
            if let node, !nodeAffinityMatches(v, node: node) { return nil }
            return v
        }
        var best: PersistentVolume?
        var bestBytes: Int64 = 0
        for v in volumes {
            let name = v.metadata.name ?? ""
            if excluded.contains(name) { continue }
            if v.spec?.claimRef != nil && !isVolume(v, boundTo: claim) { continue }
            let bytes = v.spec?.storageBytes ?? 0
            if bytes < requested || !volumeModesMatch(claim, v) || v.metadata.deletionTimestamp != nil { continue }
            let fitsNode = node.map { nodeAffinityMatches(v, node: $0) } ?? true
            if isVolume(v, boundTo: claim) { return fitsNode ? v : nil }
            if node == nil && delayBinding { continue }
            guard v.status?.phase == "Available", fitsNode, className(of: v) == wantedClass, accessModesSatisfied(claim, v) else { continue }
            if let selector, !selector.matches(v.metadata.labels ?? [:]) { continue }
            if let b = best, bytes > bestBytes || (bytes == bestBytes && name >= (b.metadata.name ?? "")) { continue }
            best = v
            bestBytes = bytes
        }
        return best
    }

    /// True when the volume's `claimRef` names this claim: same name and
    /// namespace, and the same uid when the reference carries one.
    public static func isVolume(_ volume: PersistentVolume, boundTo claim: PersistentVolumeClaim) -> Bool {
        guard let ref = volume.spec?.claimRef else { return false }
        guard ref.name == claim.metadata.name, (ref.namespace ?? "") == (claim.metadata.namespace ?? "") else { return false }
        if let uid = ref.uid, !uid.isEmpty, uid != claim.metadata.uid { return false }
        return true
    }

    /// The claim's class: the beta annotation, else `spec.storageClassName`, else "".
    public static func className(of claim: PersistentVolumeClaim) -> String {
        claim.metadata.annotations?[StorageNames.betaStorageClass] ?? claim.spec?.storageClassName ?? ""
    }

    /// The volume's class: the beta annotation, else `spec.storageClassName`, else "".
    public static func className(of volume: PersistentVolume) -> String {
        volume.metadata.annotations?[StorageNames.betaStorageClass] ?? volume.spec?.storageClassName ?? ""
    }

    /// Every access mode the claim asks for is one the volume offers.
    public static func accessModesSatisfied(_ claim: PersistentVolumeClaim, _ volume: PersistentVolume) -> Bool {
        let offered = Set(volume.spec?.accessModes ?? [])
        return (claim.spec?.accessModes ?? []).allSatisfy { offered.contains($0) }
    }

    /// Claim and volume have the same `volumeMode` (unset means `Filesystem`).
    public static func volumeModesMatch(_ claim: PersistentVolumeClaim, _ volume: PersistentVolume) -> Bool {
        (claim.spec?.volumeMode ?? "Filesystem") == (volume.spec?.volumeMode ?? "Filesystem")
    }

    /// The volume's `spec.nodeAffinity.required` selects the node (a volume without one is reachable everywhere).
    public static func nodeAffinityMatches(_ volume: PersistentVolume, node: Node) -> Bool {
        NodeSelectorMatching.matches(volume.spec?.nodeAffinity?.required, labels: node.labels, nodeName: node.name)
    }

    /// The class's `allowedTopologies` admit a node with these labels: no
    /// terms admit every node, otherwise one (non-empty) term must have every
    /// key with one of its values.
    public static func allowedTopologiesMatch(_ storageClass: StorageClass, nodeLabels: [String: String]) -> Bool {
        let terms = storageClass.allowedTopologies ?? []
        if terms.isEmpty { return true }
        return terms.contains { term in
            // An empty term selects nothing.
            let exprs = term.matchLabelExpressions ?? []
            return !exprs.isEmpty && exprs.allSatisfy { r in nodeLabels[r.key].map { r.values.contains($0) } ?? false }
        }
    }
}
