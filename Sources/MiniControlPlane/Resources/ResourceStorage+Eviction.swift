import Foundation
import KubeAPI

extension ResourceStorage {
    /// Conflicts an eviction retries before giving up (upstream's EvictionsRetry steps).
    static let evictionRetries = 20

    /// `POST pods/NAME/eviction` as upstream's EvictionREST: a pod that
    /// ignores budgets (finished, Pending, being deleted) or is under no
    /// budget is deleted; a pod under two or more budgets is refused with a
    /// 500; otherwise its budget must allow a disruption, which is taken
    /// (`disruptionsAllowed` decremented, the pod added to `disruptedPods`,
    /// a compare-and-swap retried on conflict) before the pod is deleted with
    /// the eviction's options and a `DisruptionTarget` condition. A refusal
    /// is a 429 with the `DisruptionBudget` cause, which `kubectl drain` retries.
    func evict(_ ns: String?, _ name: String, options: DeleteOptions, dryRun: Bool, user: UserInfo?) async throws(Status) {
        let podInfo = ResourceCatalog.info(for: Pod.self)
        // A resourceVersion precondition from the client is honoured, not retried.
        let pinned = !(options.preconditions?.resourceVersion ?? "").isEmpty
        var pod = try await typedPod(ns, name)
        var attempt = 0
        while EvictionPolicy.ignoresBudgets(pod) {
            var o = options
            if EvictionPolicy.enforcesResourceVersion(pod) && !pinned {
                o.preconditions = Preconditions(uid: o.preconditions?.uid, resourceVersion: pod.metadata.resourceVersion)
            }
            do throws(Status) {
                try await deleteEvicted(podInfo, ns, name, options: o, dryRun: dryRun, user: user)
                return
            } catch {
                attempt += 1
                guard error.code == 409, !pinned, attempt < Self.evictionRetries else { throw error }
                pod = try await typedPod(ns, name)
            }
        }
        let budgets = try await budgets(for: pod)
        if budgets.count > 1 { throw EvictionPolicy.tooManyBudgets }
        guard var budget = budgets.first else {
            try await deleteEvicted(podInfo, ns, name, options: options, dryRun: dryRun, user: user)
            return
        }
        let pdbInfo = ResourceCatalog.info(for: PodDisruptionBudget.self)
        var deleteOptions = options
        attempt = 0
        while true {
            switch EvictionPolicy.check(pod, budget: budget, dryRun: dryRun, now: Date()) {
            case .refuse(let status):
                throw status
            case .deleteUnhealthy:
                if !pinned { deleteOptions.preconditions = Preconditions(uid: options.preconditions?.uid, resourceVersion: pod.metadata.resourceVersion) }
            case .decrement(let next):
                if !dryRun {
                    var obj = KubeCodec.encodeObject(budget)
                    obj["status"] = KubeCodec.encode(next)
                    do throws(Status) {
                        _ = try await update(pdbInfo, budget.metadata.namespace, budget.metadata.name ?? "", obj, subresource: "status", WriteOptions())
                    } catch {
                        attempt += 1
                        guard error.code == 409, attempt < Self.evictionRetries else { throw error }
                        budget = try Self.typed(PodDisruptionBudget.self,
                                                try await get(pdbInfo, budget.metadata.namespace, budget.metadata.name ?? ""))
                        continue
                    }
                }
            }
            break
        }
        try await deleteEvicted(podInfo, ns, name, options: deleteOptions, dryRun: dryRun, user: user)
    }

    /// The budgets of the pod's namespace that select it.
    func budgets(for pod: Pod) async throws(Status) -> [PodDisruptionBudget] {
        let info = ResourceCatalog.info(for: PodDisruptionBudget.self)
        var all: [PodDisruptionBudget] = []
        for item in try await list(info, pod.metadata.namespace, ListQuery()).items {
            all.append(try Self.typed(PodDisruptionBudget.self, try decode(item, info)))
        }
        return all.filter { b in
            guard let sel = b.spec?.selector, let req = try? LabelRequirements(sel) else { return false }
            return req.matches(pod.metadata.labels ?? [:])
        }
    }

    /// Marks the pod with upstream's `DisruptionTarget` condition (unless a
    /// dry run), then deletes it with the eviction's options; a
    /// resourceVersion precondition follows the condition's own write.
    func deleteEvicted(_ info: ResourceInfo, _ ns: String?, _ name: String, options: DeleteOptions, dryRun: Bool,
                       user: UserInfo?) async throws(Status) {
        var o = options
        if !dryRun {
            var obj = try await get(info, ns, name)
            let meta = obj["metadata"] ?? .emptyObject
            if let uid = o.preconditions?.uid, !uid.isEmpty, uid != meta["uid"]?.stringValue {
                throw APIErrors.conflict(info, name, "Precondition failed: UID in precondition: \(uid), UID in object meta: \(meta["uid"]?.stringValue ?? "")")
            }
            if let rv = o.preconditions?.resourceVersion, !rv.isEmpty, rv != meta["resourceVersion"]?.stringValue {
                throw APIErrors.conflict(info, name, "Precondition failed: ResourceVersion in precondition: \(rv), ResourceVersion in object meta: \(meta["resourceVersion"]?.stringValue ?? "")")
            }
            var conditions = obj[path: ["status", "conditions"]]?.arrayValue ?? []
            let target: JSONValue = ["type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI",
                                     "message": "Eviction API: evicting", "lastTransitionTime": .string(Timestamp().description)]
            if let i = conditions.firstIndex(where: { $0["type"]?.stringValue == "DisruptionTarget" }) {
                // The transition time stays when the condition was already True.
                var updated = target
                if conditions[i]["status"]?.stringValue == "True" { updated["lastTransitionTime"] = conditions[i]["lastTransitionTime"] }
                conditions[i] = updated
            } else {
                conditions.append(target)
            }
            obj.set(path: ["status", "conditions"], to: .array(conditions))
            let written = try await update(info, ns, name, obj, subresource: "status", WriteOptions())
            if let rv = o.preconditions?.resourceVersion, !rv.isEmpty {
                o.preconditions?.resourceVersion = written.object[path: ["metadata", "resourceVersion"]]?.stringValue
            }
        }
        _ = try await delete(info, ns, name, options: o, dryRun: dryRun, user: user)
    }

    func typedPod(_ ns: String?, _ name: String) async throws(Status) -> Pod {
        try Self.typed(Pod.self, try await get(ResourceCatalog.info(for: Pod.self), ns, name))
    }

    static func typed<T: KubeObject>(_ type: T.Type, _ obj: JSONValue) throws(Status) -> T {
        do {
            return try KubeCodec.decodeObject(type, from: obj)
        } catch {
            throw APIErrors.internalError("stored \(T.kind) does not decode: \(error.message)")
        }
    }
}
