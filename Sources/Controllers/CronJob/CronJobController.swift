import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Creates a CronJob's Jobs on its schedule (upstream's cronjob controller,
/// v2): one Job per scheduled time, named `NAME-<minutes since the epoch>` so
/// a restart never makes it twice, at most one catch-up after missed times,
/// `concurrencyPolicy`, `startingDeadlineSeconds`, the active list,
/// `lastScheduleTime`/`lastSuccessfulTime` and the history limits. The
/// decisions are ``CronJobPlanner``'s; this type reads and writes.
public final class CronJobController: Controller {
    public let name = "cronjob"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "cronjob")
    let cronJobs: Informer<CronJob>
    let jobs: Informer<Job>
    let recorder: EventRecorder

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        cronJobs = ctx.informers.informer(CronJob.self)
        jobs = ctx.informers.informer(Job.self)
        recorder = ctx.recorder("cronjob-controller")
        cronJobs.addHandler { [queue] e in
            switch e {
            case .added(let c), .updated(_, let c): queue.add(objectKey(c))
            case .deleted, .synced: break
            }
        }
        jobs.addHandler { [self] e in
            switch e {
            case .added(let j), .updated(_, let j), .deleted(let j):
                if let key = ownerKey(j) { queue.add(key) }
            case .synced: break
            }
        }
    }

    func ownerKey(_ j: Job) -> String? {
        guard let ref = j.metadata.controllerRef, ref.kind == "CronJob", ref.apiVersion.hasPrefix("batch/") else { return nil }
        return "\(j.namespace)/\(ref.name)"
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await sync(key) }
    }

    func sync(_ key: String) async throws -> Duration? {
        guard var cj = cronJobs.get(key: key) else { return nil }
        let now = ctx.now()
        let uid = cj.metadata.uid ?? ""
        let owned = jobs.list(namespace: cj.namespace).filter { $0.metadata.isControlled(by: uid) }
        // A running Job the cached status does not list may be one just made: read the CronJob afresh.
        let listed = Set((cj.status?.active ?? []).compactMap(\.uid))
        if owned.contains(where: { !listed.contains($0.metadata.uid ?? "") && CronJobPlanner.finishedType($0) == nil }) {
            do throws(KubeClientError) {
                cj = try await ctx.client.get(CronJob.self, namespace: cj.namespace, name: cj.name)
            } catch {
                if error.isNotFound { return nil }
                throw error
            }
        }
        // Active Jobs the cache lacks: gone only if the API server says so.
        var missing: Set<String> = []
        let known = Set(owned.compactMap(\.metadata.uid))
        for ref in cj.status?.active ?? [] where !known.contains(ref.uid ?? "") {
            do throws(KubeClientError) {
                _ = try await ctx.client.get(Job.self, namespace: ref.namespace ?? cj.namespace, name: ref.name ?? "")
            } catch {
                if error.isNotFound { missing.insert(ref.uid ?? "") } else { throw error }
            }
        }
        var plan = CronJobPlanner.plan(cj, jobs: owned, now: now, missing: missing)
        for j in plan.delete {
            do throws(KubeClientError) {
                try await ctx.client.delete(Job.self, namespace: j.namespace, name: j.name,
                                            options: DeleteOptions(propagationPolicy: "Background"))
            } catch {
                if !error.isNotFound {
                    recorder.record(cj, .warning, reason: "FailedDelete", message: "Deleted job: \(error.message)")
                    throw error
                }
            }
        }
        var events = plan.events
        if let create = plan.create {
            let name = create.name
            let job = try Self.job(from: cj, name: name, scheduledTime: create.scheduledTime)
            do throws(KubeClientError) {
                let made = try await ctx.client.create(job)
                events.append(JobEvent(warning: false, reason: "SuccessfulCreate", message: "Created job \(made.name)"))
                plan.status.active = (plan.status.active ?? []) + [Self.reference(made)]
            } catch {
                if error.isNamespaceTerminating {
                    return nil
                } else if error.isAlreadyExists {
                    // Made before (a restart, a stale cache): adopt it into the status if it is ours.
                    let existing = try await ctx.client.get(Job.self, namespace: cj.namespace, name: name)
                    if existing.metadata.isControlled(by: uid), !(plan.status.active ?? []).contains(where: { $0.uid == existing.metadata.uid }) {
                        plan.status.active = (plan.status.active ?? []) + [Self.reference(existing)]
                    } else if !existing.metadata.isControlled(by: uid) {
                        plan.status = cj.status ?? CronJobStatus()
                    }
                } else {
                    for e in events { recorder.record(cj, e.warning ? .warning : .normal, reason: e.reason, message: e.message) }
                    recorder.record(cj, .warning, reason: "FailedCreate", message: "Error creating job: \(error.message)")
                    throw error
                }
            }
        }
        if plan.status != (cj.status ?? CronJobStatus()) {
            let body = StatusPatch.replace(KubeCodec.encode(plan.status), keys: ["active", "lastScheduleTime", "lastSuccessfulTime"])
            _ = try await ctx.client.patch(CronJob.self, namespace: cj.namespace, name: cj.name, patchType: .merge,
                                           body: ["status": body], subresource: "status")
        }
        for e in events { recorder.record(cj, e.warning ? .warning : .normal, reason: e.reason, message: e.message) }
        return plan.requeueAfter.map { .milliseconds(max(0, Int64($0 * 1000))) }
    }

    static func reference(_ j: Job) -> ObjectReference {
        var r = ObjectReference(kind: Job.kind, namespace: j.metadata.namespace, name: j.metadata.name, uid: j.metadata.uid)
        r.apiVersion = Job.apiVersion
        r.resourceVersion = j.metadata.resourceVersion
        return r
    }

    /// The Job for a scheduled time (upstream's getJobFromTemplate2): the
    /// template's labels, annotations and spec, the scheduled-timestamp
    /// annotation in the CronJob's time zone, and a controller reference.
    static func job(from cj: CronJob, name: String, scheduledTime: Date) throws -> Job {
        let template = KubeCodec.encodeObject(cj)[path: ["spec", "jobTemplate"]] ?? .emptyObject
        var meta: JSONValue = ["name": .string(name), "namespace": .string(cj.namespace)]
        meta["labels"] = template[path: ["metadata", "labels"]]
        var annotations = template[path: ["metadata", "annotations"]]?.objectValue ?? [:]
        let zone = cj.spec?.timeZone.flatMap { TimeZone(identifier: $0) } ?? TimeZone(identifier: "UTC") ?? .current
        annotations[CronJob.scheduledTimestampAnnotation] = .string(CronJobPlanner.rfc3339(scheduledTime, in: zone))
        meta["annotations"] = .object(annotations)
        meta["ownerReferences"] = [KubeCodec.encode(controllerReference(to: cj))]
        let obj: JSONValue = ["apiVersion": .string(Job.apiVersion), "kind": .string(Job.kind), "metadata": meta,
                              "spec": template["spec"] ?? .emptyObject]
        return try KubeCodec.decodeObject(Job.self, from: obj)
    }
}
