import Foundation
import KubeAPI
import Logging
import Synchronization
import ControllerRuntime

/// Runs a Job's pods to completion (upstream's job controller): creates pods
/// up to `parallelism` (one per completion index for Indexed Jobs), counts
/// finished pods through the `batch.kubernetes.io/job-tracking` finalizer and
/// `uncountedTerminatedPods`, backs off after failures, and sets the
/// conditions and events of success, failure, deadline and suspension.
/// The decisions are ``JobPlanner``'s; this type reads and writes.
public final class JobController: Controller {
    public let name = "job"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "job")
    let expectations = ControllerExpectations()
    let jobs: Informer<Job>
    let pods: Informer<Pod>
    let recorder: EventRecorder
    /// Per-Job failure back-off (in memory, as upstream's backoffRecordStore).
    let backoffs = Mutex<[String: JobBackoff]>([:])
    /// UIDs of pods whose finalizer this controller removed, until the informer shows it.
    let finalizerRemoved = Mutex<Set<String>>([])
    static let orphanPrefix = "pod:"
    /// The `spec.managedBy` value of Jobs this controller reconciles (also when unset).
    static let managedBy = "kubernetes.io/job-controller"

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        jobs = ctx.informers.informer(Job.self)
        pods = ctx.informers.informer(Pod.self)
        recorder = ctx.recorder("job-controller")
        pods.addIndex(Indexes.controllerUID, Indexes.byControllerUID)
        jobs.addHandler { [queue] e in
            switch e {
            case .added(let j), .updated(_, let j), .deleted(let j): queue.add(objectKey(j))
            case .synced: break
            }
        }
        pods.addHandler { [self] e in onPod(e) }
    }

    func ownerKey(_ p: Pod) -> String? {
        guard let ref = p.metadata.controllerRef, ref.kind == "Job", ref.apiVersion.hasPrefix("batch/") else { return nil }
        return "\(p.namespace)/\(ref.name)"
    }

    func onPod(_ e: InformerEvent<Pod>) {
        switch e {
        case .added(let p), .updated(_, let p):
            if !JobPlanner.hasFinalizer(p), let uid = p.metadata.uid { _ = finalizerRemoved.withLock { $0.remove(uid) } }
            if case .updated(let old, _) = e, old.metadata.deletionTimestamp == nil, p.metadata.deletionTimestamp != nil, let key = ownerKey(p) {
                expectations.deletionObserved(key, pod: objectKey(p))
            }
            if case .added = e, let key = ownerKey(p) {
                if p.metadata.deletionTimestamp != nil {
                    expectations.deletionObserved(key, pod: objectKey(p))
                } else {
                    expectations.creationObserved(key)
                }
            }
            if let key = ownerKey(p), jobs.get(key: key)?.metadata.uid == p.metadata.controllerRef?.uid {
                queue.add(key)
            } else if JobPlanner.hasFinalizer(p) {
                // Its Job is gone (or never was): the finalizer must not keep it.
                queue.add(Self.orphanPrefix + objectKey(p))
            }
        case .deleted(let p):
            if let uid = p.metadata.uid { _ = finalizerRemoved.withLock { $0.remove(uid) } }
            if let key = ownerKey(p) {
                expectations.deletionObserved(key, pod: objectKey(p))
                queue.add(key)
            }
        case .synced:
            break
        }
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in
            if key.hasPrefix(Self.orphanPrefix) {
                try await releaseOrphan(String(key.dropFirst(Self.orphanPrefix.count)))
                return nil
            }
            return try await sync(key)
        }
    }

    /// Removes the tracking finalizer of a pod whose Job no longer exists.
    func releaseOrphan(_ podKey: String) async throws {
        guard let p = pods.get(key: podKey), JobPlanner.hasFinalizer(p) else { return }
        if let ref = p.metadata.controllerRef, ref.kind == "Job" {
            // Ask the API server, not the cache, before letting a pod go uncounted.
            do throws(KubeClientError) {
                let job = try await ctx.client.get(Job.self, namespace: p.namespace, name: ref.name)
                if job.metadata.uid == ref.uid && job.metadata.deletionTimestamp == nil && !JobPlanner.isFinished(job) { return }
            } catch {
                if !error.isNotFound { throw error }
            }
        }
        try await removeFinalizer(p)
    }

    func removeFinalizer(_ p: Pod) async throws {
        let patch: JSONValue = ["metadata": ["$deleteFromPrimitiveList/finalizers": [.string(Job.trackingFinalizer)]]]
        do throws(KubeClientError) {
            _ = try await ctx.client.patch(Pod.self, namespace: p.namespace, name: p.name, patchType: .strategic, body: patch)
        } catch {
            if !error.isNotFound { throw error }
        }
        if let uid = p.metadata.uid { _ = finalizerRemoved.withLock { $0.insert(uid) } }
    }

    /// Reconciles one Job; returns when to look again (deadline, back-off).
    func sync(_ key: String) async throws -> Duration? {
        guard let job = jobs.get(key: key) else {
            expectations.remove(key)
            _ = backoffs.withLock { $0.removeValue(forKey: key) }
            return nil
        }
        // A Job another controller manages (spec.managedBy) is left to it, as upstream's.
        if let manager = job.spec?.managedBy, manager != Self.managedBy { return nil }
        let now = ctx.now()
        guard expectations.satisfied(key, now: now) else { return nil }
        let uid = job.metadata.uid ?? ""
        let removed = finalizerRemoved.withLock { $0 }
        // The Job's pods; those whose finalizer went already count as finalizer-free.
        let owned = pods.list(namespace: job.namespace).filter { $0.metadata.isControlled(by: uid) }.map { p -> Pod in
            guard let u = p.metadata.uid, removed.contains(u) else { return p }
            var q = p
            q.metadata.finalizers = q.metadata.finalizers?.filter { $0 != Job.trackingFinalizer }
            return q
        }
        let backoff = backoffs.withLock { $0[key] } ?? JobBackoff()
        let plan = JobPlanner.plan(job, pods: owned, now: now, backoff: backoff)
        backoffs.withLock { $0[key] = plan.backoff }

        var current = job
        if let mid = plan.intermediateStatus, mid != job.status {
            current = try await writeStatus(job, mid)
        }
        for p in plan.removeFinalizers { try await removeFinalizer(p) }
        let (created, createFailure) = await create(job, key: key, plan.create)
        try await delete(job, key: key, plan.delete)
        var status = plan.status
        if created < plan.create.count { status.active = max(0, (status.active ?? 0) - (plan.create.count - created)) }
        if status != current.status && !(JobPlanner.isFinished(job) || job.metadata.deletionTimestamp != nil) {
            _ = try await writeStatus(current, status)
        }
        for e in plan.events { recorder.record(job, e.warning ? .warning : .normal, reason: e.reason, message: e.message) }
        if let createFailure { throw createFailure }
        return plan.requeueAfter.map { .milliseconds(Int64($0 * 1000) + 100) }
    }

    /// Replaces the status, failing with a conflict when `job` is stale
    /// (counts must never be written from an old view).
    func writeStatus(_ job: Job, _ status: JobStatus) async throws -> Job {
        var body = StatusPatch.replace(KubeCodec.encode(status), keys: ["conditions", "completedIndexes", "failedIndexes", "startTime",
                                                                        "completionTime", "uncountedTerminatedPods"])
        if body["uncountedTerminatedPods"]?.objectValue != nil {
            body["uncountedTerminatedPods"] = StatusPatch.replace(body["uncountedTerminatedPods"] ?? .emptyObject, keys: ["succeeded", "failed"])
        }
        return try await ctx.client.patch(Job.self, namespace: job.namespace, name: job.name, patchType: .merge,
                                          body: ["metadata": ["resourceVersion": .string(job.metadata.resourceVersion ?? "")], "status": body],
                                          subresource: "status")
    }

    /// The pod for one creation: the template with the tracking finalizer, and for Indexed Jobs the index
    /// annotation and label, `JOB_COMPLETION_INDEX` and the hostname `NAME-INDEX`.
    static func pod(for job: Job, _ what: JobPodToCreate) throws -> Pod {
        var template = PodTemplate.json(of: job)
        var finalizers = template[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        finalizers.append(.string(Job.trackingFinalizer))
        template.set(path: ["metadata", "finalizers"], to: .array(finalizers))
        var generateName = "\(job.name)-"
        if let i = what.index {
            generateName = "\(job.name)-\(i)-"
            template.set(path: ["metadata", "annotations", Job.completionIndexKey], to: .string(String(i)))
            template.set(path: ["metadata", "labels", Job.completionIndexKey], to: .string(String(i)))
            if let f = what.failureCount {
                template.set(path: ["metadata", "annotations", Job.indexFailureCountKey], to: .string(String(f)))
            }
            let hostname = "\(job.name)-\(i)"
            if (template[path: ["spec", "hostname"]]?.stringValue ?? "").isEmpty, hostname.count <= 63 {
                template.set(path: ["spec", "hostname"], to: .string(hostname))
            }
            let env: JSONValue = ["name": "JOB_COMPLETION_INDEX",
                                  "valueFrom": ["fieldRef": ["apiVersion": "v1", "fieldPath": .string("metadata.annotations['\(Job.completionIndexKey)']")]]]
            for list in ["containers", "initContainers"] {
                guard case .array(var containers) = template[path: ["spec", list]] ?? .null else { continue }
                for c in containers.indices {
                    var envs = containers[c]["env"]?.arrayValue ?? []
                    if !envs.contains(where: { $0["name"]?.stringValue == "JOB_COMPLETION_INDEX" }) { envs.append(env) }
                    containers[c]["env"] = .array(envs)
                }
                template.set(path: ["spec", list], to: .array(containers))
            }
        }
        return try PodTemplate.pod(from: template, namespace: job.namespace, generateName: generateName, owner: controllerReference(to: job))
    }

    /// Creates the planned pods (in slow-start batches); returns how many were made.
    func create(_ job: Job, key: String, _ list: [JobPodToCreate]) async -> (Int, (any Error)?) {
        let control = PodControl(client: ctx.client, expectations: expectations, recorder: recorder)
        let (made, failure) = await control.create(list.count, for: job, key: key, now: ctx.now()) { try JobController.pod(for: job, list[$0]) }
        return (made.count, failure)
    }

    func delete(_ job: Job, key: String, _ victims: [Pod]) async throws {
        let control = PodControl(client: ctx.client, expectations: expectations, recorder: recorder)
        let (_, failure) = await control.delete(victims, of: job, key: key, now: ctx.now())
        if let failure { throw failure }
    }
}
