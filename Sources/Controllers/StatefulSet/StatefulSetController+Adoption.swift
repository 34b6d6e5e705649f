import KubeAPI
import ControllerRuntime

extension StatefulSetController {
    /// Upstream's `getPodsForStatefulSet`: the set's pods, after adopting
    /// orphans whose labels match its selector and whose name is one of its
    /// ordinals (a set deleted with `--cascade=orphan` and made again takes
    /// its pods back), and releasing owned pods that stopped matching.
    func claimPods(_ set: StatefulSet, selector: LabelRequirements) async throws -> [Pod] {
        let uid = set.metadata.uid ?? ""
        let isMember = { (p: Pod) in
            selector.matches(p.metadata.labels ?? [:]) && StatefulSetIdentity.ordinal(of: p.name, setName: set.name) != nil
        }
        var owned: [Pod] = []
        var orphans: [Pod] = []
        for p in pods.list(namespace: set.namespace) {
            if p.metadata.isControlled(by: uid) {
                if isMember(p) {
                    owned.append(p)
                } else if set.metadata.deletionTimestamp == nil {
                    try await OwnerReferences.release(p, ownerUID: uid, client: ctx.client)
                }
            } else if p.metadata.controllerRef == nil, p.metadata.deletionTimestamp == nil, set.metadata.deletionTimestamp == nil, isMember(p) {
                orphans.append(p)
            }
        }
        guard !orphans.isEmpty, try await canAdopt(set) else { return owned }
        for p in orphans {
            if let adopted = try await OwnerReferences.adopt(p, owner: controllerReference(to: set), client: ctx.client) { owned.append(adopted) }
        }
        return owned
    }

    /// The set's ControllerRevisions, after adopting orphans that match its
    /// selector (upstream's `ClaimControllerRevisions`).
    func claimRevisions(_ set: StatefulSet, selector: LabelRequirements) async throws -> [ControllerRevision] {
        let uid = set.metadata.uid ?? ""
        var owned = revisions.byIndex(Indexes.controllerUID, uid)
        let orphans = revisions.list(namespace: set.namespace).filter {
            $0.metadata.controllerRef == nil && $0.metadata.deletionTimestamp == nil && selector.matches($0.metadata.labels ?? [:])
        }
        guard !orphans.isEmpty, set.metadata.deletionTimestamp == nil, try await canAdopt(set) else { return owned }
        for r in orphans {
            if let adopted = try await OwnerReferences.adopt(r, owner: controllerReference(to: set), client: ctx.client) { owned.append(adopted) }
        }
        return owned
    }

    /// Adopt only while the set exists as we know it (read again from the server).
    func canAdopt(_ set: StatefulSet) async throws -> Bool {
        let fresh = try await ctx.client.get(StatefulSet.self, namespace: set.namespace, name: set.name)
        return fresh.metadata.uid == set.metadata.uid && fresh.metadata.deletionTimestamp == nil
    }

    /// The sets whose selector matches an orphan pod's or revision's labels, to look at it.
    func setsMatching(namespace: String, labels: [String: String]?) -> [StatefulSet] {
        sets.list(namespace: namespace).filter { s in
            guard let sel = s.spec?.selector, let r = try? LabelRequirements(sel) else { return false }
            return r.matches(labels ?? [:])
        }
    }
}
