import KubeAPI

/// Static binding: which Available volume a claim gets (upstream's
/// `findBestMatchForClaim`): a volume pre-bound to the claim wins; otherwise
/// the smallest volume of the claim's class with every requested access
/// mode, enough capacity, the same volume mode and matching the claim's
/// selector. With delayed binding (WaitForFirstConsumer) only pre-bound
/// volumes are taken: the scheduler picks the others with the node.
enum ClaimMatching {
    static func bestMatch(for claim: PersistentVolumeClaim, in volumes: [PersistentVolume], delayBinding: Bool) -> PersistentVolume? {
        var best: PersistentVolume?
        for pv in volumes {
            if let ref = pv.spec?.claimRef {
                guard ref.namespace == claim.namespace, ref.name == claim.name,
                      ref.uid == nil || ref.uid == "" || ref.uid == claim.metadata.uid else { continue }
                if mismatch(claim, pv) == nil { return pv }
                continue
            }
            if delayBinding { continue }
            guard pv.metadata.deletionTimestamp == nil, pv.status?.phase == "Available" || pv.status?.phase == "Pending" || pv.status == nil,
                  mismatch(claim, pv) == nil else { continue }
            if let selector = claim.spec?.selector {
                guard let requirements = try? LabelRequirements(selector), requirements.matches(pv.metadata.labels ?? [:]) else { continue }
            }
            if best == nil || pv.spec?.storageBytes ?? 0 < best?.spec?.storageBytes ?? 0 { best = pv }
        }
        return best
    }

    /// Why `pv` cannot serve `claim` (upstream's `checkVolumeSatisfyClaim`), or nil.
    static func mismatch(_ claim: PersistentVolumeClaim, _ pv: PersistentVolume) -> String? {
        let requested = claim.spec?.requestedBytes ?? 0
        let capacity = pv.spec?.storageBytes ?? 0
        if capacity < requested { return "requested PV is too small" }
        if claim.storageClass != pv.storageClass { return "storageClassName does not match" }
        if (claim.spec?.volumeMode ?? "Filesystem") != (pv.spec?.volumeMode ?? "Filesystem") {
            return "incompatible volumeMode"
        }
        let have = Set(pv.spec?.accessModes ?? [])
        if !Set(claim.spec?.accessModes ?? []).isSubset(of: have) { return "incompatible accessMode" }
        return nil
    }
}
