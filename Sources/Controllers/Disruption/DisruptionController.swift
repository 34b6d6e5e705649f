import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Keeps the status of PodDisruptionBudgets (upstream's disruption
/// controller): the pods a budget selects, how many it expects (from the
/// scale of their controllers for percentages and `maxUnavailable`), how
/// many are healthy and must stay so, the disruptions allowed, the evicted
/// pods not yet gone (`disruptedPods`, dropped after two minutes) and the
/// `DisruptionAllowed` condition. The arithmetic is ``DisruptionBudgetMath``'s.
/// It also resets a pod's `DisruptionTarget` condition that stood two
/// minutes without the pod going (``StalePodDisruption``).
public final class DisruptionController: Controller {
    public let name = "disruption"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "disruption")
    let staleQueue = WorkQueue(name: "disruption-stale-pod-disruption")
    let budgets: Informer<PodDisruptionBudget>
    let pods: Informer<Pod>
    let replicaSets: Informer<ReplicaSet>
    let deployments: Informer<Deployment>
    let replicationControllers: Informer<ReplicationController>
    let recorder: EventRecorder

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        budgets = ctx.informers.informer(PodDisruptionBudget.self)
        pods = ctx.informers.informer(Pod.self)
        replicaSets = ctx.informers.informer(ReplicaSet.self)
        deployments = ctx.informers.informer(Deployment.self)
        replicationControllers = ctx.informers.informer(ReplicationController.self)
        recorder = ctx.recorder("controllermanager")
        budgets.addHandler { [queue] e in
            switch e {
            case .added(let b), .updated(_, let b), .deleted(let b): queue.add(objectKey(b))
            case .synced: break
            }
        }
        pods.addHandler { [self] e in
            switch e {
            case .added(let p):
                enqueueBudgets(of: p)
                enqueueIfStale(p)
            case .deleted(let p): enqueueBudgets(of: p)
            case .updated(let old, let new):
                enqueueBudgets(of: new)
                if old.metadata.labels != new.metadata.labels { enqueueBudgets(of: old) }
                enqueueIfStale(new)
            case .synced: break
            }
        }
    }

    func enqueueBudgets(of pod: Pod) {
        for b in DisruptionBudgetMath.budgets(for: pod, in: budgets.list(namespace: pod.namespace)) { queue.add(objectKey(b)) }
    }

    func enqueueIfStale(_ pod: Pod) {
        guard let wait = StalePodDisruption.wait(pod, now: ctx.now()) else { return }
        staleQueue.addAfter(objectKey(pod), .milliseconds(Int64(wait * 1000)))
    }

    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await runWorkers(self.queue, workers: self.ctx.configuration.workers, logger: self.ctx.logger) { [self] key in
                try await sync(key)
            } }
            group.addTask { await runWorkers(self.staleQueue, workers: 1, logger: self.ctx.logger) { [self] key in
                try await syncStalePodDisruption(key)
            } }
        }
    }

    /// Upstream's syncStalePodDisruption: the condition set to False once stale.
    func syncStalePodDisruption(_ key: String) async throws -> Duration? {
        guard let pod = pods.get(key: key), let wait = StalePodDisruption.wait(pod, now: ctx.now()) else { return nil }
        if wait > 0 { return .milliseconds(Int64(wait * 1000) + 100) }
        let reset: JSONValue = ["type": "DisruptionTarget", "status": "False", "reason": .null, "message": .null,
                                "lastTransitionTime": .string(Timestamp(ctx.now()).description)]
        do throws(KubeClientError) {
            _ = try await ctx.client.patch(Pod.self, namespace: pod.namespace, name: pod.name, patchType: .strategic,
                                           body: ["status": ["conditions": [reset]]], subresource: "status")
        } catch {
            if !error.isNotFound { throw error }
        }
        return nil
    }

    func sync(_ key: String) async throws -> Duration? {
        guard let pdb = budgets.get(key: key), pdb.metadata.deletionTimestamp == nil else { return nil }
        let selected = selectedPods(pdb)
        if selected.isEmpty { recorder.record(pdb, .normal, reason: "NoPods", message: "No matching pods found") }
        let scales = await scales(of: selected, namespace: pdb.namespace)
        let expectation: DisruptionBudgetMath.Expectation
        do throws(DisruptionBudgetMath.ScaleError) {
            expectation = try DisruptionBudgetMath.expectation(pdb.spec ?? PodDisruptionBudgetSpec(), pods: selected, scales: scales)
        } catch {
            recorder.record(pdb, .warning, reason: "CalculateExpectedPodCountFailed",
                            message: "Failed to calculate the number of expected pods: \(error)")
            var failed = pdb
            failed.status = DisruptionBudgetMath.failSafe(pdb, message: error.description, now: ctx.now())
            if failed.status != pdb.status { _ = try await ctx.client.updateStatus(failed) }
            return nil
        }
        if !expectation.unmanagedPods.isEmpty {
            recorder.record(pdb, .warning, reason: "UnmanagedPods", message: "Pods selected by this PodDisruptionBudget (selector: \(Self.describe(pdb.spec?.selector))) were found "
                + "to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. "
                + "To account for these pods please set \".spec.minAvailable\" field of the PDB to an integer value.")
        }
        let now = ctx.now()
        let disrupted = DisruptionBudgetMath.disruptedPods(pdb.status, pods: selected, now: now)
        for name in disrupted.expired {
            if let p = selected.first(where: { $0.metadata.name == name }) {
                recorder.record(p, .warning, reason: "NotDeleted", message: "Pod was expected by PDB \(pdb.namespace)/\(pdb.name) to be deleted but it wasn't")
            }
        }
        let healthy = DisruptionBudgetMath.currentHealthy(pods: selected, disrupted: disrupted.pods, now: now)
        if let status = DisruptionBudgetMath.status(pdb, currentHealthy: healthy, expectation: expectation, disrupted: disrupted.pods, now: now) {
            var updated = pdb
            updated.status = status
            _ = try await ctx.client.updateStatus(updated)
        }
        return disrupted.recheck.map { .milliseconds(Int64(max(0, $0.timeIntervalSince(now)) * 1000) + 100) }
    }

    /// The pods of the budget's namespace its selector matches (none without a selector).
    func selectedPods(_ pdb: PodDisruptionBudget) -> [Pod] {
        guard let sel = pdb.spec?.selector, let req = try? LabelRequirements(sel) else { return [] }
        return pods.list(namespace: pdb.namespace).filter { req.matches($0.metadata.labels ?? [:]) }
    }

    /// The workload scale behind each distinct controller of the pods
    /// (upstream's finders: ReplicationController, a Deployment through its
    /// ReplicaSet, a ReplicaSet, then any kind with a `scale` subresource).
    func scales(of pods: [Pod], namespace: String) async -> [String: DisruptionBudgetMath.ControllerScale?] {
        var out: [String: DisruptionBudgetMath.ControllerScale?] = [:]
        for p in pods {
            guard let ref = p.metadata.controllerRef, out[ref.uid] == nil else { continue }
            out[ref.uid] = .some(await scale(of: ref, namespace: namespace))
        }
        return out
    }

    func scale(of ref: OwnerReference, namespace: String) async -> DisruptionBudgetMath.ControllerScale? {
        switch (ref.apiVersion, ref.kind) {
        case (ReplicationController.apiVersion, ReplicationController.kind):
            guard let rc = replicationControllers.get(namespace: namespace, name: ref.name), rc.metadata.uid == ref.uid else { return nil }
            return .init(uid: ref.uid, replicas: rc.spec?.replicas ?? 1)
        case (ReplicaSet.apiVersion, ReplicaSet.kind):
            guard let rs = replicaSets.get(namespace: namespace, name: ref.name), rs.metadata.uid == ref.uid else { return nil }
            if let owner = rs.metadata.controllerRef, owner.kind == Deployment.kind, owner.apiVersion == Deployment.apiVersion {
                guard let d = deployments.get(namespace: namespace, name: owner.name), d.metadata.uid == owner.uid else { return nil }
                return .init(uid: owner.uid, replicas: d.spec?.replicas ?? 1)
            }
            return .init(uid: ref.uid, replicas: rs.spec?.replicas ?? 1)
        default:
            // StatefulSets and other scalable kinds: their scale subresource, as upstream's getScaleController.
            guard let info = ResourceCatalog.scalable(kind: ref.kind, apiVersion: ref.apiVersion),
                  let scale = try? await ctx.client.getScale(info, namespace: namespace, name: ref.name),
                  scale.metadata.uid == ref.uid else { return nil }
            return .init(uid: ref.uid, replicas: scale.spec?.replicas ?? 1)
        }
    }

    static func describe(_ s: LabelSelector?) -> String {
        guard let s, let r = try? LabelRequirements(s) else { return "nil" }
        return r.description
    }
}
