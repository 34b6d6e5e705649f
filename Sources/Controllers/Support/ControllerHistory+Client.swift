import KubeAPI
import ControllerRuntime

extension ControllerHistory {
    /// Finds or makes the revision of `template` for `owner` (upstream's
    /// `getStatefulSetRevisions` and the daemon controller's
    /// `constructHistory`): a new revision is created, an older equal one
    /// renumbered to the top; a name taken by another template raises the
    /// collision count, returned with the resolution for the owner's status.
    static func persist<Owner: KubeObject>(owner: Owner, template: JSONValue, history: [ControllerRevision], collisionCount: Int?,
                                           currentName: String?, client: any ClusterClient) async throws -> (Resolution, Int?) {
        var collisionCount = collisionCount
        let namespace = owner.metadata.namespace
        for _ in 0..<5 {
            var r = resolve(owner: owner, template: template, revisions: history, collisionCount: collisionCount, currentName: currentName)
            if let number = r.renumber {
                r.update = try await client.patch(ControllerRevision.self, namespace: namespace, name: r.update.metadata.name ?? "",
                                                  patchType: .merge, body: ["revision": .int(number)])
                if r.current.metadata.name == r.update.metadata.name { r.current = r.update }
                return (r, collisionCount)
            }
            guard r.create else { return (r, collisionCount) }
            do {
                let made = try await client.create(r.update)
                if r.current.metadata.name == made.metadata.name { r.current = made }
                r.update = made
                return (r, collisionCount)
            } catch {
                guard error.isAlreadyExists else { throw error }
                // Equal data is the same revision whoever owns it, as upstream's
                // `CreateControllerRevision` decides: after `delete --cascade=orphan`
                // and a re-create, the old set's revision may not be orphaned yet;
                // taking it (adopted at a later sync) keeps the pods' hash label
                // current, where a new name would roll every adopted pod.
                let existing = try await client.get(ControllerRevision.self, namespace: namespace, name: r.update.metadata.name ?? "")
                if equal(existing, r.update) {
                    r.update = existing
                    return (r, collisionCount)
                }
                collisionCount = (collisionCount ?? 0) + 1
            }
        }
        throw KubeClientError.status(code: 409, reason: "AlreadyExists",
                                     message: "no free name for a revision of \(Owner.kind) \(owner.metadata.name ?? "")")
    }

    /// Deletes the revisions `toTrim` picks.
    static func trim(_ history: [ControllerRevision], live: Set<String>, limit: Int, client: any ClusterClient) async throws {
        for r in toTrim(history, live: live, limit: limit) {
            do {
                try await client.delete(ControllerRevision.self, namespace: r.metadata.namespace, name: r.metadata.name ?? "",
                                        options: .preconditioned(uid: r.metadata.uid))
            } catch {
                if !error.isNotFound { throw error }
            }
        }
    }
}
