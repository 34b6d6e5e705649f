import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Keeps a StatefulSet's pods, claims and revision history (upstream's
/// statefulset controller): records the set's template as a
/// ControllerRevision, creates pods `NAME-<ordinal>` with their claims,
/// recreates failed ones, removes surplus ones, rolls pods to the update
/// revision, applies the claim retention policy, reports status and trims
/// the history to `revisionHistoryLimit`. Decisions are
/// ``StatefulSetPlanner``'s and ``ControllerHistory``'s; this type reads and writes.
public final class StatefulSetController: Controller {
    public let name = "statefulset"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "statefulset")
    /// Pods created and deleted but not yet seen (two ledgers: one sync may do both).
    let creations = ControllerExpectations()
    let deletions = ControllerExpectations()
    let sets: Informer<StatefulSet>
    let pods: Informer<Pod>
    let revisions: Informer<ControllerRevision>
    let claims: Informer<PersistentVolumeClaim>
    let recorder: EventRecorder

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        sets = ctx.informers.informer(StatefulSet.self)
        pods = ctx.informers.informer(Pod.self)
        revisions = ctx.informers.informer(ControllerRevision.self)
        claims = ctx.informers.informer(PersistentVolumeClaim.self)
        recorder = ctx.recorder("statefulset-controller")
        pods.addIndex(Indexes.controllerUID, Indexes.byControllerUID)
        revisions.addIndex(Indexes.controllerUID) { r in r.metadata.controllerRef.map { [$0.uid] } ?? [] }
        sets.addHandler { [queue] e in
            switch e {
            case .added(let s), .updated(_, let s), .deleted(let s): queue.add(objectKey(s))
            case .synced: break
            }
        }
        revisions.addHandler { [self] e in
            switch e {
            case .added(let r), .updated(_, let r):
                if let ref = r.metadata.controllerRef {
                    if ref.kind == StatefulSet.kind { queue.add("\(r.namespace)/\(ref.name)") }
                } else {
                    // An orphan (its set deleted with --cascade=orphan): a set that matches it may adopt it.
                    for s in setsMatching(namespace: r.namespace, labels: r.metadata.labels) { queue.add(objectKey(s)) }
                }
            case .deleted(let r):
                if let ref = r.metadata.controllerRef, ref.kind == StatefulSet.kind { queue.add("\(r.namespace)/\(ref.name)") }
            case .synced: break
            }
        }
        claims.addHandler { [self] e in
            // A claim removed under a pending pod is made again.
            if case .deleted(let c) = e { for s in sets.list(namespace: c.namespace) { queue.add(objectKey(s)) } }
        }
        pods.addHandler { [self] e in
            switch e {
            case .added(let p):
                if let key = Self.ownerKey(p) {
                    creations.creationObserved(key)
                    queue.add(key)
                } else if p.metadata.controllerRef == nil {
                    for s in setsMatching(namespace: p.namespace, labels: p.metadata.labels) { queue.add(objectKey(s)) }
                }
            case .updated(let old, let new):
                if let key = Self.ownerKey(new), new.metadata.deletionTimestamp != nil && old.metadata.deletionTimestamp == nil {
                    deletions.deletionObserved(key, pod: objectKey(new))
                }
                let keys = Self.setsToSync(old: old, new: new) { setsMatching(namespace: $0.namespace, labels: $0.metadata.labels).map { objectKey($0) } }
                for key in keys { queue.add(key) }
            case .deleted(let p):
                if let key = Self.ownerKey(p) {
                    deletions.deletionObserved(key, pod: objectKey(p))
                    queue.add(key)
                }
            case .synced: break
            }
        }
    }

    static func ownerKey(_ p: Pod) -> String? {
        guard let ref = p.metadata.controllerRef, ref.kind == StatefulSet.kind else { return nil }
        return "\(p.namespace)/\(ref.name)"
    }

    /// The sets to look at again when a pod changed, as upstream's `updatePod`: the old owner when the pod left it, the
    /// owner, and for an orphan whose labels or owner changed (released by its set, or orphaned when its set was deleted
    /// with `--cascade=orphan`) every set that matches it (`matching`), which may adopt it.
    static func setsToSync(old: Pod, new: Pod, matching: (Pod) -> [String]) -> [String] {
        var keys: [String] = []
        let controllerChanged = old.metadata.controllerRef?.uid != new.metadata.controllerRef?.uid
        if controllerChanged, let key = ownerKey(old) { keys.append(key) }
        if let key = ownerKey(new) {
            keys.append(key)
        } else if new.metadata.controllerRef == nil, old.metadata.labels != new.metadata.labels || controllerChanged {
            keys += matching(new)
        }
        return keys
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await sync(key) }
    }

    func sync(_ key: String) async throws -> Duration? {
        guard let set = sets.get(key: key) else {
            creations.remove(key)
            deletions.remove(key)
            return nil
        }
        let now = ctx.now()
        guard let sel = set.spec?.selector, let selector = try? LabelRequirements(sel) else { return nil }
        let owned = try await claimPods(set, selector: selector)
        let history = try await claimRevisions(set, selector: selector)
        let template = PodTemplate.json(of: set)
        let (resolution, collisionCount) = try await ControllerHistory.persist(
            owner: set, template: template, history: history, collisionCount: set.status?.collisionCount,
            currentName: set.status?.currentRevision, client: ctx.client)
        let revs = StatefulSetPlanner.Revisions(
            current: resolution.current.metadata.name ?? "", currentTemplate: ControllerHistory.template(of: resolution.current) ?? template,
            update: resolution.update.metadata.name ?? "", updateTemplate: template)
        var byName: [String: PersistentVolumeClaim] = [:]
        for c in claims.list(namespace: set.namespace) { byName[c.metadata.name ?? ""] = c }
        var plan = try StatefulSetPlanner.plan(set, pods: owned, claims: byName, revisions: revs, now: now)
        plan.status.collisionCount = collisionCount
        var failure: (any Error)?
        if creations.satisfied(key, now: now) && deletions.satisfied(key, now: now) {
            do { try await apply(plan.actions, set: set, key: key) } catch { failure = error }
        }
        if plan.status != set.status {
            _ = try await ctx.client.patch(StatefulSet.self, namespace: set.namespace, name: set.name, patchType: .merge,
                                           body: ["status": KubeCodec.encode(plan.status)], subresource: "status")
        }
        try await truncateHistory(set, history: history, pods: owned, resolution: resolution)
        if let failure { throw failure }
        return plan.recheckAfter.map { .milliseconds(Int64($0 * 1000) + 200) }
    }

    func apply(_ actions: [StatefulSetAction], set: StatefulSet, key: String) async throws {
        let now = ctx.now()
        var made = 0
        var gone: [String] = []
        for a in actions {
            if case .createPod = a { made += 1 }
            if case .deletePod(let p, _) = a { gone.append(objectKey(p)) }
        }
        if made > 0 { creations.expectCreations(key, made, now: now) }
        if !gone.isEmpty { deletions.expectDeletions(key, gone, now: now) }
        for (i, a) in actions.enumerated() {
            do {
                try await perform(a, set: set, key: key)
            } catch {
                // What was never attempted will never be observed.
                for rest in actions[(i + 1)...] {
                    if case .createPod = rest { creations.creationObserved(key) }
                    if case .deletePod(let p, _) = rest { deletions.deletionObserved(key, pod: objectKey(p)) }
                }
                throw error
            }
        }
    }

    /// One action, with its events; a failed creation or deletion is observed at once.
    func perform(_ a: StatefulSetAction, set: StatefulSet, key: String) async throws {
        let setName = set.name
        switch a {
        case .createPod(let pod, let missing):
            do {
                try await createClaims(missing, pod: pod.name, set: set)
                _ = try await ctx.client.create(pod)
                recorder.record(set, .normal, reason: "SuccessfulCreate", message: "create Pod \(pod.name) in StatefulSet \(setName) successful")
            } catch {
                creations.creationObserved(key)
                if (error as? KubeClientError)?.isAlreadyExists == true { return }
                recorder.record(set, .warning, reason: "FailedCreate",
                                message: "create Pod \(pod.name) in StatefulSet \(setName) failed error: \(message(error))")
                throw error
            }
        case .createClaims(let missing, let pod):
            try await createClaims(missing, pod: pod, set: set)
        case .deletePod(let pod, let reason):
            switch reason {
            case .failed:
                recorder.record(set, .warning, reason: "RecreatingFailedPod",
                                message: "StatefulSet \(set.namespace)/\(setName) is recreating failed Pod \(pod.name)")
            case .succeeded:
                recorder.record(set, .normal, reason: "RecreatingTerminatedPod",
                                message: "StatefulSet \(set.namespace)/\(setName) is recreating terminated Pod \(pod.name)")
            case .condemned, .update: break
            }
            do {
                try await ctx.client.delete(Pod.self, namespace: pod.namespace, name: pod.name, options: .preconditioned(uid: pod.metadata.uid))
                recorder.record(set, .normal, reason: "SuccessfulDelete", message: "delete Pod \(pod.name) in StatefulSet \(setName) successful")
            } catch {
                deletions.deletionObserved(key, pod: objectKey(pod))
                if error.isNotFound { return }
                recorder.record(set, .warning, reason: "FailedDelete",
                                message: "delete Pod \(pod.name) in StatefulSet \(setName) failed error: \(message(error))")
                throw error
            }
        case .setPodLabels(let pod, let labels):
            do {
                _ = try await ctx.client.patch(Pod.self, namespace: set.namespace, name: pod, patchType: .merge,
                                               body: ["metadata": ["labels": .object(labels.mapValues { .string($0) })]])
            } catch {
                if !error.isNotFound { throw error }
            }
        case .setClaimOwners(let claim, let refs):
            do {
                _ = try await ctx.client.patch(PersistentVolumeClaim.self, namespace: set.namespace, name: claim, patchType: .merge,
                                               body: ["metadata": ["ownerReferences": .array(refs.map { KubeCodec.encode($0) })]])
            } catch {
                if !error.isNotFound { throw error }
            }
        }
    }

    /// Creates claims a pod lacks (one that exists meanwhile is fine).
    func createClaims(_ missing: [PersistentVolumeClaim], pod: String, set: StatefulSet) async throws {
        for claim in missing {
            let claimName = claim.metadata.name ?? ""
            do {
                _ = try await ctx.client.create(claim)
                recorder.record(set, .normal, reason: "SuccessfulCreate",
                                message: "create Claim \(claimName) Pod \(pod) in StatefulSet \(set.name) success")
            } catch {
                if error.isAlreadyExists { continue }
                recorder.record(set, .warning, reason: "FailedCreate",
                                message: "create Claim \(claimName) for Pod \(pod) in StatefulSet \(set.name) failed error: \(message(error))")
                throw error
            }
        }
    }

    /// Deletes the oldest revisions no pod uses beyond `revisionHistoryLimit`.
    func truncateHistory(_ set: StatefulSet, history: [ControllerRevision], pods: [Pod], resolution: ControllerHistory.Resolution) async throws {
        var live = Set(pods.compactMap(StatefulSetIdentity.revision(of:)))
        live.insert(resolution.current.metadata.name ?? "")
        live.insert(resolution.update.metadata.name ?? "")
        try await ControllerHistory.trim(history, live: live, limit: set.spec?.revisionHistoryLimit ?? 10, client: ctx.client)
    }

    func message(_ error: any Error) -> String {
        (error as? KubeClientError)?.message ?? "\(error)"
    }
}
