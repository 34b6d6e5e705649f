import Foundation
public import KubeAPI
import Logging
import ControllerRuntime

/// The ReplicaSet controller (`replicaset`).
public typealias ReplicaSetController = ReplicaManager<ReplicaSet>
/// The ReplicationController controller (`replicationcontroller`, upstream's replication manager).
public typealias ReplicationManager = ReplicaManager<ReplicationController>

/// Keeps `spec.replicas` pods of a ReplicaSet's (or ReplicationController's)
/// template running: adopts matching orphans, releases pods that no longer
/// match, creates missing pods in slow-start batches (1, 2, 4, …) and deletes
/// the surplus (unscheduled, pending and not-ready pods first), and reports
/// replicas, readyReplicas and availableReplicas (ready for
/// `minReadySeconds`). Expectations keep it from acting twice before its
/// informer has seen its own writes.
public final class ReplicaManager<Owner: ReplicatedPodOwner>: Controller {
    public let name = Owner.controllerName
    let ctx: ControllerContext
    let queue = WorkQueue(name: Owner.controllerName)
    let expectations = ControllerExpectations()
    let replicaSets: Informer<Owner>
    let pods: Informer<Pod>
    let recorder: EventRecorder
    static var burstReplicas: Int { 500 }

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        replicaSets = ctx.informers.informer(Owner.self)
        pods = ctx.informers.informer(Pod.self)
        recorder = ctx.recorder(Owner.eventComponent)
        pods.addIndex(Indexes.controllerUID, Indexes.byControllerUID)
        replicaSets.addHandler { [queue] e in
            switch e {
            case .added(let rs), .updated(_, let rs), .deleted(let rs): queue.add(objectKey(rs))
            case .synced: break
            }
        }
        pods.addHandler { [self] e in onPod(e) }
    }

    func ownerKey(_ p: Pod) -> String? {
        guard let ref = p.metadata.controllerRef, ref.kind == Owner.kind, ref.apiVersion == Owner.apiVersion else { return nil }
        return "\(p.namespace)/\(ref.name)"
    }

    func enqueueMatching(_ p: Pod) {
        let labels = p.metadata.labels ?? [:]
        for rs in replicaSets.list(namespace: p.namespace) where rs.podSelector?.matches(labels) == true {
            queue.add(objectKey(rs))
        }
    }

    func onPod(_ e: InformerEvent<Pod>) {
        switch e {
        case .added(let p):
            if let key = ownerKey(p) {
                if p.metadata.deletionTimestamp != nil {
                    expectations.deletionObserved(key, pod: objectKey(p))
                } else {
                    expectations.creationObserved(key)
                }
                queue.add(key)
            } else if p.metadata.deletionTimestamp == nil {
                enqueueMatching(p)
            }
        case .updated(let old, let new):
            let oldKey = ownerKey(old), newKey = ownerKey(new)
            if new.metadata.deletionTimestamp != nil && old.metadata.deletionTimestamp == nil, let newKey {
                expectations.deletionObserved(newKey, pod: objectKey(new))
            }
            if let oldKey, oldKey != newKey { queue.add(oldKey) }
            if let newKey {
                queue.add(newKey)
                if !PodState.isReady(old) && PodState.isReady(new),
                   let rs = replicaSets.get(key: newKey), case let mrs = rs.minReadySeconds, mrs > 0 {
                    queue.addAfter(newKey, .seconds(mrs) + .milliseconds(500))
                }
            } else if old.metadata.labels != new.metadata.labels || oldKey != nil {
                enqueueMatching(new)
            }
        case .deleted(let p):
            if let key = ownerKey(p) {
                expectations.deletionObserved(key, pod: objectKey(p))
                queue.add(key)
            }
        case .synced:
            break
        }
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await sync(key) }
    }

    /// Reconciles one ReplicaSet; returns when to look again (minReadySeconds).
    func sync(_ key: String) async throws -> Duration? {
        guard let rs = replicaSets.get(key: key) else {
            expectations.remove(key)
            return nil
        }
        let now = ctx.now()
        guard let sel = rs.podSelector, let selector = try? LabelRequirements(sel) else {
            ctx.logger.warning("\(Owner.resource) \(key) has an invalid selector; skipping")
            return nil
        }
        let owned = try await claimPods(rs, selector: selector)
        let active = owned.filter(PodState.isActive)
        var manageError: (any Error)?
        var deleted: Set<String> = []
        if rs.metadata.deletionTimestamp == nil && expectations.satisfied(key, now: now) {
            do { deleted = try await manage(rs, key: key, active: active) } catch { manageError = error }
        }
        // Pods deleted just now no longer count, so the status matches the new size at once.
        let remaining = active.filter { !deleted.contains($0.name) }
        try await updateStatus(rs, owned: owned, active: remaining, failure: manageError, now: now)
        if let manageError { throw manageError }
        let minReady = rs.minReadySeconds
        let waits = active.compactMap { PodState.secondsUntilAvailable($0, minReadySeconds: minReady, now: now) }
        if let soonest = waits.min() { return .milliseconds(Int64(soonest * 1000) + 200) }
        return nil
    }

    /// Owned pods matching the selector, after adopting orphans and releasing strays.
    func claimPods(_ rs: Owner, selector: LabelRequirements) async throws -> [Pod] {
        let uid = rs.metadata.uid ?? ""
        var owned: [Pod] = []
        var adopt: [Pod] = []
        for p in pods.list(namespace: rs.namespace) {
            let labels = p.metadata.labels ?? [:]
            if p.metadata.isControlled(by: uid) {
                if selector.matches(labels) {
                    owned.append(p)
                } else if rs.metadata.deletionTimestamp == nil {
                    try await OwnerReferences.release(p, ownerUID: uid, client: ctx.client)
                }
            } else if p.metadata.controllerRef == nil, p.metadata.deletionTimestamp == nil, !PodState.isTerminal(p),
                      selector.matches(labels), rs.metadata.deletionTimestamp == nil {
                adopt.append(p)
            }
        }
        if !adopt.isEmpty {
            // Adopt only if the ReplicaSet still exists as we know it.
            let fresh = try await ctx.client.get(Owner.self, namespace: rs.namespace, name: rs.name)
            guard fresh.metadata.uid == uid, fresh.metadata.deletionTimestamp == nil else { return owned }
            for p in adopt {
                if let adopted = try await OwnerReferences.adopt(p, owner: controllerReference(to: rs), client: ctx.client) {
                    owned.append(adopted)
                }
            }
        }
        return owned
    }

    /// Creates or deletes pods; returns the names of pods deleted.
    func manage(_ rs: Owner, key: String, active: [Pod]) async throws -> Set<String> {
        let want = rs.desiredReplicas
        let diff = active.count - want
        let control = PodControl(client: ctx.client, expectations: expectations, recorder: recorder)
        if diff < 0 {
            let template = PodTemplate.json(of: rs)
            let pod = try PodTemplate.pod(from: template, namespace: rs.namespace, generateName: "\(rs.name)-",
                                          owner: controllerReference(to: rs))
            let (_, failure) = await control.create(min(-diff, Self.burstReplicas), for: rs, key: key, now: ctx.now()) { _ in pod }
            if let failure { throw failure }
        } else if diff > 0 {
            let victims = PodDeletionOrder.victims(active, count: min(diff, Self.burstReplicas))
            let (deleted, failure) = await control.delete(victims, of: rs, key: key, now: ctx.now())
            if let failure { throw failure }
            return deleted
        }
        return []
    }

    func updateStatus(_ rs: Owner, owned: [Pod], active: [Pod], failure: (any Error)?, now: Date) async throws {
        let templateLabels = rs.templateLabels
        let minReady = rs.minReadySeconds
        var status = rs.replicaStatus ?? ReplicaSetStatus()
        status.replicas = active.count
        status.fullyLabeledReplicas = active.filter { p in templateLabels.allSatisfy { p.metadata.labels?[$0.key] == $0.value } }.count
        status.readyReplicas = active.filter(PodState.isReady).count
        status.availableReplicas = active.filter { PodState.isAvailable($0, minReadySeconds: minReady, now: now) }.count
        status.observedGeneration = rs.metadata.generation
        var conditions = (status.conditions ?? []).filter { $0.type != "ReplicaFailure" }
        if let failure {
            var c = Condition(type: "ReplicaFailure", status: "True", reason: "FailedCreate", message: "\(failure)")
            c.lastTransitionTime = rs.replicaStatus?.conditions?.first { $0.type == "ReplicaFailure" }?.lastTransitionTime ?? Timestamp(now)
            conditions.append(c)
        }
        status.conditions = conditions.isEmpty ? nil : conditions
        if status == rs.replicaStatus { return }
        _ = try await ctx.client.patch(Owner.self, namespace: rs.namespace, name: rs.name, patchType: .merge,
                                       body: ["status": StatusPatch.replace(KubeCodec.encode(status), keys: ["conditions"])],
                                       subresource: "status")
    }
}
