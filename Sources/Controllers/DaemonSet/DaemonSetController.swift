import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Runs one pod of a DaemonSet on every eligible node (node selector, node
/// affinity, taints the daemon pods do not tolerate), created with node
/// affinity to that node for the scheduler to bind; removes pods from nodes
/// that stop qualifying; replaces pods of an old template within
/// maxUnavailable (or maxSurge); reports the status `kubectl rollout status
/// ds` reads. Decisions are ``DaemonSetPlanner``'s.
public final class DaemonSetController: Controller {
    public let name = "daemonset"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "daemonset")
    let expectations = ControllerExpectations()
    let daemonSets: Informer<DaemonSet>
    let nodes: Informer<Node>
    let pods: Informer<Pod>
    let revisions: Informer<ControllerRevision>
    let recorder: EventRecorder

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        daemonSets = ctx.informers.informer(DaemonSet.self)
        nodes = ctx.informers.informer(Node.self)
        pods = ctx.informers.informer(Pod.self)
        revisions = ctx.informers.informer(ControllerRevision.self)
        recorder = ctx.recorder("daemonset-controller")
        pods.addIndex(Indexes.controllerUID, Indexes.byControllerUID)
        revisions.addIndex(Indexes.controllerUID) { r in r.metadata.controllerRef.map { [$0.uid] } ?? [] }
        daemonSets.addHandler { [queue] e in
            switch e {
            case .added(let d), .updated(_, let d), .deleted(let d): queue.add(objectKey(d))
            case .synced: break
            }
        }
        nodes.addHandler { [self] e in
            switch e {
            case .added, .deleted: enqueueAll()
            case .updated(let old, let new):
                if old.metadata.labels != new.metadata.labels || old.spec?.taints != new.spec?.taints { enqueueAll() }
            case .synced: break
            }
        }
        pods.addHandler { [self] e in
            switch e {
            case .added(let p):
                if let key = ownerKey(p) {
                    expectations.creationObserved(key)
                    queue.add(key)
                }
            case .updated(let old, let new):
                if let key = ownerKey(new) {
                    if new.metadata.deletionTimestamp != nil && old.metadata.deletionTimestamp == nil {
                        expectations.deletionObserved(key, pod: objectKey(new))
                    }
                    queue.add(key)
                }
            case .deleted(let p):
                if let key = ownerKey(p) {
                    expectations.deletionObserved(key, pod: objectKey(p))
                    queue.add(key)
                }
            case .synced: break
            }
        }
    }

    func ownerKey(_ p: Pod) -> String? {
        guard let ref = p.metadata.controllerRef, ref.kind == "DaemonSet" else { return nil }
        return "\(p.namespace)/\(ref.name)"
    }

    func enqueueAll() {
        for d in daemonSets.list() { queue.add(objectKey(d)) }
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await sync(key) }
    }

    func sync(_ key: String) async throws -> Duration? {
        guard let ds = daemonSets.get(key: key) else {
            expectations.remove(key)
            return nil
        }
        let now = ctx.now()
        guard let sel = ds.spec?.selector, let selector = try? LabelRequirements(sel) else { return nil }
        let uid = ds.metadata.uid ?? ""
        var byNode: [String: [Pod]] = [:]
        for p in pods.byIndex(Indexes.controllerUID, uid) where selector.matches(p.metadata.labels ?? [:]) {
            guard let node = DaemonSetPlanner.targetNode(p) else { continue }
            byNode[node, default: []].append(p)
        }
        // As upstream's: a DaemonSet being deleted makes no more history (the
        // collector may already have taken or orphaned its revisions) and no pods.
        if ds.metadata.deletionTimestamp != nil { return nil }
        let template = PodTemplate.json(of: ds)
        // The template's ControllerRevision (upstream's constructHistory):
        // its hash labels the pods, so `kubectl rollout undo ds` restores a revision.
        let history = revisions.byIndex(Indexes.controllerUID, uid)
        let (resolution, collisionCount) = try await ControllerHistory.persist(
            owner: ds, template: template, history: history, collisionCount: ds.status?.collisionCount, currentName: nil, client: ctx.client)
        let hash = ControllerHistory.hash(of: resolution.update)
        var plan = DaemonSetPlanner.plan(ds, hash: hash, nodes: nodes.list(), pods: byNode, now: now)
        plan.status.collisionCount = collisionCount
        if expectations.satisfied(key, now: now) {
            try await apply(plan, ds: ds, key: key, template: template, hash: hash)
        }
        // History beyond revisionHistoryLimit goes, but never a revision a pod is at.
        let podHashes = Set(byNode.values.joined().compactMap { $0.metadata.labels?[DaemonSetPlanner.hashLabel] })
        var live = Set(history.filter { podHashes.contains(ControllerHistory.hash(of: $0)) }.compactMap(\.metadata.name))
        live.insert(resolution.update.metadata.name ?? "")
        try await ControllerHistory.trim(history, live: live, limit: ds.spec?.revisionHistoryLimit ?? 10, client: ctx.client)
        var status = plan.status
        if status == ds.status { status = ds.status ?? status } else {
            _ = try await ctx.client.patch(DaemonSet.self, namespace: ds.namespace, name: ds.name, patchType: .merge,
                                           body: ["status": KubeCodec.encode(status)], subresource: "status")
        }
        // Look again when a ready pod becomes available.
        let minReady = ds.spec?.minReadySeconds ?? 0
        let waits = byNode.values.joined().compactMap { PodState.secondsUntilAvailable($0, minReadySeconds: minReady, now: now) }
        return waits.min().map { .milliseconds(Int64($0 * 1000) + 200) }
    }

    func apply(_ plan: DaemonSetPlan, ds: DaemonSet, key: String, template: JSONValue, hash: String) async throws {
        let deletions = Array(Set(plan.delete))
        guard !plan.createOn.isEmpty || !deletions.isEmpty else { return }
        expectations.expectCreations(key, plan.createOn.count, now: ctx.now())
        var failure: (any Error)?
        for node in plan.createOn {
            do {
                let pod = try daemonPod(ds, template: template, hash: hash, node: node)
                let made = try await ctx.client.create(pod)
                recorder.record(ds, .normal, reason: "SuccessfulCreate", message: "Created pod: \(made.name)")
            } catch {
                expectations.creationObserved(key)
                let e = error as? KubeClientError
                if e?.isNamespaceTerminating != true {
                    recorder.record(ds, .warning, reason: "FailedCreate", message: "Error creating: \(e?.message ?? "\(error)")")
                }
                failure = failure ?? error
            }
        }
        for name in deletions {
            do {
                try await ctx.client.delete(Pod.self, namespace: ds.namespace, name: name)
                recorder.record(ds, .normal, reason: "SuccessfulDelete", message: "Deleted pod: \(name)")
            } catch {
                if !error.isNotFound { failure = failure ?? error }
            }
        }
        if let failure {
            recorder.record(ds, .warning, reason: "FailedDaemonPod", message: "\(failure)")
            throw failure
        }
    }

    /// A pod of the template for one node: daemon tolerations, node affinity to the node, the hash label.
    func daemonPod(_ ds: DaemonSet, template: JSONValue, hash: String, node: String) throws -> Pod {
        var t = template
        var labels = t[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels[DaemonSetPlanner.hashLabel] = .string(hash)
        t.set(path: ["metadata", "labels"], to: .object(labels))
        var pod = try PodTemplate.pod(from: t, namespace: ds.namespace, generateName: "\(ds.name)-", owner: controllerReference(to: ds))
        var spec = pod.spec ?? PodSpec()
        spec.tolerations = DaemonSetPlanner.tolerations(spec)
        let target = NodeSelectorRequirement(key: "metadata.name", operator: "In", values: [node])
        var affinity = spec.affinity ?? Affinity()
        var nodeAffinity = affinity.nodeAffinity ?? NodeAffinity()
        var terms = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []
        if terms.isEmpty {
            var term = NodeSelectorTerm()
            term.matchFields = [target]
            terms = [term]
        } else {
            for i in terms.indices { terms[i].matchFields = [target] }
        }
        nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = NodeSelector(nodeSelectorTerms: terms)
        affinity.nodeAffinity = nodeAffinity
        spec.affinity = affinity
        pod.spec = spec
        return pod
    }
}
