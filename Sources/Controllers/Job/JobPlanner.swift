public import Foundation
public import KubeAPI

/// Consecutive pod failures since the last success, for the exponential
/// back-off before a failed pod is replaced (upstream's backoffRecord).
public struct JobBackoff: Sendable, Equatable {
    public var failuresAfterLastSuccess = 0
    public var lastFailureTime: Date?

    public init(failuresAfterLastSuccess: Int = 0, lastFailureTime: Date? = nil) {
        self.failuresAfterLastSuccess = failuresAfterLastSuccess
        self.lastFailureTime = lastFailureTime
    }

    /// Upstream's DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff.
    public static let base: TimeInterval = 10
    public static let cap: TimeInterval = 600

    /// 10s, 20s, 40s, … for the 1st, 2nd, 3rd failure, at most 10 minutes.
    public var delay: TimeInterval {
        guard failuresAfterLastSuccess > 0 else { return 0 }
        let exp = min(failuresAfterLastSuccess - 1, 20)
        return min(Self.base * pow(2, Double(exp)), Self.cap)
    }

    /// How long until a replacement pod may be created.
    public func remaining(now: Date) -> TimeInterval {
        guard let last = lastFailureTime, failuresAfterLastSuccess > 0 else { return 0 }
        return max(0, last.addingTimeInterval(delay).timeIntervalSince(now))
    }
}

/// An event the Job controller records about its Job.
public struct JobEvent: Sendable, Equatable {
    public var warning: Bool
    public var reason: String
    public var message: String
}

/// One pod to create: its completion index (Indexed jobs) and, with
/// `backoffLimitPerIndex`, the failures of that index so far.
public struct JobPodToCreate: Sendable, Equatable {
    public var index: Int?
    public var failureCount: Int?
}

/// What the Job controller does in one sync, decided from the Job, its pods
/// and the clock alone.
public struct JobPlan: Sendable {
    /// Written first when pods finished: their UIDs in
    /// `uncountedTerminatedPods`, so none is lost or counted twice if the
    /// controller stops between removing finalizers and counting.
    public var intermediateStatus: JobStatus?
    /// The status after this sync.
    public var status: JobStatus
    /// Finished pods whose `batch.kubernetes.io/job-tracking` finalizer goes.
    public var removeFinalizers: [Pod] = []
    public var create: [JobPodToCreate] = []
    public var delete: [Pod] = []
    public var events: [JobEvent] = []
    /// When to look again (deadline, back-off).
    public var requeueAfter: TimeInterval?
    public var backoff: JobBackoff
}

/// The Job controller's decisions (upstream's syncJob, manageJob and
/// trackJobStatusAndRemoveFinalizers), pure over the Job, its pods and a clock.
public enum JobPlanner {
    public static let maxPodsPerSync = 500

    static func condition(_ s: JobStatus, _ type: String) -> Condition? {
        s.conditions?.first { $0.type == type && $0.status == "True" }
    }

    /// Whether the Job is Complete or Failed.
    public static func isFinished(_ job: Job) -> Bool {
        guard let s = job.status else { return false }
        return condition(s, "Complete") != nil || condition(s, "Failed") != nil
    }

    /// A pod's completion index, from its annotation.
    public static func index(_ p: Pod) -> Int? {
        guard let s = p.metadata.annotations?[Job.completionIndexKey], let i = Int(s), i >= 0 else { return nil }
        return i
    }

    static func hasFinalizer(_ p: Pod) -> Bool { p.metadata.finalizers?.contains(Job.trackingFinalizer) == true }

    /// Upstream's isPodFailed: phase Failed, or (without a pod failure
    /// policy, replacing terminating pods) deleted before it succeeded.
    static func isFailed(_ p: Pod, _ spec: JobSpec) -> Bool {
        if p.status?.phase == "Failed" { return true }
        if spec.podFailurePolicy != nil || spec.podReplacementPolicy == "Failed" { return false }
        return p.metadata.deletionTimestamp != nil && p.status?.phase != "Succeeded"
    }

    /// When a pod finished: its containers' latest finish, else its deletion, else now.
    static func finishTime(_ p: Pod, now: Date) -> Date {
        let ends = ((p.status?.initContainerStatuses ?? []) + (p.status?.containerStatuses ?? [])).compactMap { $0.state?.terminated?.finishedAt?.date }
        return ends.max() ?? p.metadata.deletionTimestamp?.date ?? now
    }

    static func newCondition(_ type: String, reason: String, message: String, now: Date) -> Condition {
        var c = Condition(type: type, status: "True", reason: reason, message: message)
        c.lastProbeTime = Timestamp(now)
        c.lastTransitionTime = Timestamp(now)
        return c
    }

    /// Sets a condition's status, keeping its transition time when unchanged; returns whether it changed.
    @discardableResult
    static func ensure(_ conditions: inout [Condition], _ type: String, status: String, reason: String, message: String, now: Date,
                       addIfMissing: Bool = true) -> Bool {
        if let i = conditions.firstIndex(where: { $0.type == type }) {
            if conditions[i].status == status && conditions[i].reason == reason && conditions[i].message == message { return false }
            if conditions[i].status != status { conditions[i].lastTransitionTime = Timestamp(now) }
            conditions[i].status = status
            conditions[i].reason = reason
            conditions[i].message = message
            conditions[i].lastProbeTime = Timestamp(now)
            return true
        }
        guard addIfMissing else { return false }
        var c = newCondition(type, reason: reason, message: message, now: now)
        c.status = status
        conditions.append(c)
        return true
    }

    /// Decides one sync of `job` over the pods it controls.
    public static func plan(_ job: Job, pods: [Pod], now: Date, backoff: JobBackoff) -> JobPlan {
        let spec = job.spec ?? JobSpec()
        let old = job.status ?? JobStatus()
        var status = old
        var plan = JobPlan(status: old, backoff: backoff)
        let tracked = pods.filter(hasFinalizer)
        // A finished or deleted Job only lets its pods go.
        if isFinished(job) || job.metadata.deletionTimestamp != nil {
            plan.removeFinalizers = tracked
            return plan
        }
        let indexed = spec.completionMode == "Indexed"
        let completions = spec.completions
        let parallelism = max(spec.parallelism ?? 1, 0)
        let backoffLimit = spec.backoffLimit ?? 6
        let suspended = spec.suspend == true

        // 1. Count pods that finished since the last sync.
        let uncountedS = Set(old.uncountedTerminatedPods?.succeeded ?? [])
        let uncountedF = Set(old.uncountedTerminatedPods?.failed ?? [])
        var completed = CompletionIndexes(parsing: old.completedIndexes, completions: completions ?? 0) ?? CompletionIndexes()
        var failedIndexes = CompletionIndexes(parsing: old.failedIndexes, completions: completions ?? 0) ?? CompletionIndexes()
        var newSucceeded: [Pod] = [], newFailed: [Pod] = []
        var failJobMessage: String?
        // Once the Job's fate is decided, pods being deleted need not finish first.
        let finishing = condition(old, "FailureTarget") != nil || condition(old, "SuccessCriteriaMet") != nil
        for p in tracked {
            let uid = p.metadata.uid ?? ""
            if p.status?.phase == "Succeeded" {
                plan.removeFinalizers.append(p)
                if uncountedS.contains(uid) { continue }
                newSucceeded.append(p)
                if indexed, let i = index(p), i < (completions ?? 0) { completed.insert(i) }
            } else if suspended && p.metadata.deletionTimestamp != nil && p.status?.phase != "Failed" {
                // Deleted because the Job was suspended: not a failure.
                plan.removeFinalizers.append(p)
            } else if isFailed(p, spec) {
                plan.removeFinalizers.append(p)
                if uncountedF.contains(uid) { continue }
                let verdict = p.status?.phase == "Failed" ? JobPodFailurePolicy.verdict(spec.podFailurePolicy, pod: p)
                    : JobPodFailureVerdict(action: "Count")
                if verdict.action == "Ignore" { continue }
                newFailed.append(p)
                if verdict.action == "FailJob", failJobMessage == nil { failJobMessage = verdict.message }
                if indexed, let i = index(p), i < (completions ?? 0) {
                    let failures = Int(p.metadata.annotations?[Job.indexFailureCountKey] ?? "") ?? 0
                    if verdict.action == "FailIndex" || (spec.backoffLimitPerIndex.map { failures + 1 > $0 } ?? false) {
                        failedIndexes.insert(i)
                    }
                }
            } else if finishing && p.metadata.deletionTimestamp != nil {
                plan.removeFinalizers.append(p)
            }
        }
        if !newSucceeded.isEmpty || !newFailed.isEmpty {
            var mid = old
            mid.uncountedTerminatedPods = UncountedTerminatedPods(
                succeeded: (old.uncountedTerminatedPods?.succeeded ?? []) + newSucceeded.compactMap(\.metadata.uid),
                failed: (old.uncountedTerminatedPods?.failed ?? []) + newFailed.compactMap(\.metadata.uid))
            if indexed {
                mid.completedIndexes = completed.text
                if spec.backoffLimitPerIndex != nil { mid.failedIndexes = failedIndexes.text ?? "" }
            }
            plan.intermediateStatus = mid
        }
        let succeeded = indexed ? completed.count : (old.succeeded ?? 0) + uncountedS.count + newSucceeded.count
        let failed = (old.failed ?? 0) + uncountedF.count + newFailed.count
        status.succeeded = succeeded
        status.failed = failed
        status.uncountedTerminatedPods = UncountedTerminatedPods()
        if indexed {
            status.completedIndexes = completed.text ?? ""
            if spec.backoffLimitPerIndex != nil { status.failedIndexes = failedIndexes.text ?? "" }
        }
        plan.backoff = updatedBackoff(backoff, succeeded: newSucceeded, failed: newFailed, now: now)

        // 2. Pods that still run or are going away.
        let leaving = Set(plan.removeFinalizers.compactMap(\.metadata.uid))
        var active = pods.filter(PodState.isActive)
        let terminating = pods.filter { $0.metadata.deletionTimestamp != nil && !PodState.isTerminal($0) && !leaving.contains($0.metadata.uid ?? "") }
        var conditions = old.conditions ?? []
        var pending = condition(old, "FailureTarget") ?? condition(old, "SuccessCriteriaMet")

        if pending == nil {
            if status.startTime == nil && !suspended { status.startTime = Timestamp(now) }
            if let failJobMessage {
                pending = newCondition("FailureTarget", reason: "PodFailurePolicy", message: failJobMessage, now: now)
            } else if failed > backoffLimit || pastBackoffLimitOnFailure(spec, active: active) {
                pending = newCondition("FailureTarget", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit", now: now)
            } else if let ads = spec.activeDeadlineSeconds, !suspended, let start = status.startTime?.date {
                let left = start.addingTimeInterval(Double(ads)).timeIntervalSince(now)
                if left <= 0 {
                    pending = newCondition("FailureTarget", reason: "DeadlineExceeded", message: "Job was active longer than specified deadline", now: now)
                } else {
                    plan.requeueAfter = left
                }
            }
            if pending == nil, indexed, spec.backoffLimitPerIndex != nil, let completions {
                if let m = spec.maxFailedIndexes, failedIndexes.count > m {
                    pending = newCondition("FailureTarget", reason: "MaxFailedIndexesExceeded",
                                           message: "Job has exceeded the specified maximal number of failed indexes", now: now)
                } else if failedIndexes.count > 0 && completed.count + failedIndexes.count >= completions {
                    pending = newCondition("FailureTarget", reason: "FailedIndexes", message: "Job has failed indexes", now: now)
                }
            }
            if pending == nil, indexed, let sp = spec.successPolicy, let rule = matchedSuccessRule(sp, completed: completed, completions: completions ?? 0) {
                pending = newCondition("SuccessCriteriaMet", reason: "SuccessPolicy", message: "Matched rules at index \(rule)", now: now)
            }
            if pending == nil {
                if suspended {
                    plan.delete = active
                    active = []
                    if ensure(&conditions, "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended", now: now) {
                        plan.events.append(JobEvent(warning: false, reason: "Suspended", message: "Job suspended"))
                    }
                } else {
                    if ensure(&conditions, "Suspended", status: "False", reason: "JobResumed", message: "Job resumed", now: now, addIfMissing: false) {
                        plan.events.append(JobEvent(warning: false, reason: "Resumed", message: "Job resumed"))
                        // The deadline counts from the resumption, as upstream's.
                        status.startTime = Timestamp(now)
                    }
                    manage(spec, indexed: indexed, parallelism: parallelism, succeeded: succeeded, completed: completed,
                           failedIndexes: failedIndexes, active: &active, terminating: terminating, pods: pods, now: now, plan: &plan)
                    let done: Bool
                    if let completions {
                        done = succeeded >= completions && active.isEmpty
                    } else {
                        done = succeeded > 0 && active.isEmpty
                    }
                    if done {
                        pending = newCondition("SuccessCriteriaMet", reason: "CompletionsReached",
                                               message: "Reached expected number of succeeded pods", now: now)
                    }
                }
            }
        }
        if let p = pending {
            if !conditions.contains(where: { $0.type == p.type && $0.status == "True" }) { conditions.append(p) }
            // Whatever still runs goes; the terminal condition waits until nothing is left running.
            plan.delete += active
            active = []
            plan.create = []
            if terminating.isEmpty && plan.delete.isEmpty {
                let success = p.type == "SuccessCriteriaMet"
                conditions.append(newCondition(success ? "Complete" : "Failed", reason: p.reason ?? "", message: p.message ?? "", now: now))
                if success {
                    status.completionTime = Timestamp(now)
                    plan.events.append(JobEvent(warning: false, reason: "Completed", message: "Job completed"))
                } else {
                    plan.events.append(JobEvent(warning: true, reason: p.reason ?? "", message: p.message ?? ""))
                }
                plan.requeueAfter = nil
            }
        }
        status.conditions = conditions.isEmpty ? nil : conditions
        status.active = active.count + plan.create.count
        status.ready = active.filter(PodState.isReady).count
        status.terminating = terminating.count + plan.delete.count
        plan.status = status
        return plan
    }

    /// Upstream's pastBackoffLimitOnFailure: with restartPolicy OnFailure,
    /// container restarts of running pods count against the limit.
    static func pastBackoffLimitOnFailure(_ spec: JobSpec, active: [Pod]) -> Bool {
        guard spec.template?.spec?.restartPolicy == "OnFailure" else { return false }
        let restarts = active.reduce(0) { sum, p in
            sum + ((p.status?.initContainerStatuses ?? []) + (p.status?.containerStatuses ?? [])).reduce(0) { $0 + $1.restartCount }
        }
        let limit = spec.backoffLimit ?? 6
        return limit == 0 ? restarts > 0 : restarts >= limit
    }

    /// The index of the first success-policy rule the completed indexes satisfy.
    static func matchedSuccessRule(_ policy: SuccessPolicy, completed: CompletionIndexes, completions: Int) -> Int? {
        for (i, rule) in policy.rules.enumerated() {
            var pool = completed.indexes
            if let text = rule.succeededIndexes {
                guard let wanted = CompletionIndexes(parsing: text, completions: completions) else { continue }
                pool = pool.intersection(wanted.indexes)
                if rule.succeededCount == nil {
                    if wanted.indexes.isSubset(of: completed.indexes) { return i }
                    continue
                }
            }
            if let count = rule.succeededCount, pool.count >= count { return i }
        }
        return nil
    }

    /// Upstream's newBackoffRecord.
    static func updatedBackoff(_ old: JobBackoff, succeeded: [Pod], failed: [Pod], now: Date) -> JobBackoff {
        if succeeded.isEmpty {
            if failed.isEmpty { return old }
            let latest = failed.map { finishTime($0, now: now) }.max() ?? now
            return JobBackoff(failuresAfterLastSuccess: old.failuresAfterLastSuccess + failed.count,
                              lastFailureTime: max(old.lastFailureTime ?? .distantPast, latest))
        }
        let lastSuccess = succeeded.map { finishTime($0, now: now) }.max() ?? now
        let after = failed.filter { finishTime($0, now: now) > lastSuccess }
        if after.isEmpty { return JobBackoff() }
        return JobBackoff(failuresAfterLastSuccess: after.count, lastFailureTime: after.map { finishTime($0, now: now) }.max())
    }

    /// Creations and deletions of a running Job (upstream's manageJob).
    static func manage(_ spec: JobSpec, indexed: Bool, parallelism: Int, succeeded: Int, completed: CompletionIndexes,
                       failedIndexes: CompletionIndexes, active: inout [Pod], terminating: [Pod], pods: [Pod], now: Date,
                       plan: inout JobPlan) {
        let onlyFailed = spec.podReplacementPolicy == "Failed"
        var toCreate = 0
        var indexesToCreate: [Int] = []
        if indexed {
            let completions = spec.completions ?? 0
            // One pod per index, only for indexes still to do.
            var byIndex: [Int: [Pod]] = [:]
            var surplus: [Pod] = []
            for p in active {
                if let i = index(p), i < completions, !completed.contains(i), !failedIndexes.contains(i) {
                    byIndex[i, default: []].append(p)
                } else {
                    surplus.append(p)
                }
            }
            for (_, list) in byIndex where list.count > 1 {
                let keep = list.sorted { (PodState.isReady($0) ? 0 : 1, $0.metadata.creationTimestamp?.date ?? .distantPast)
                    < (PodState.isReady($1) ? 0 : 1, $1.metadata.creationTimestamp?.date ?? .distantPast) }
                surplus += keep.dropFirst()
            }
            var running = byIndex.keys.sorted()
            if running.count > parallelism {
                for i in running[parallelism...] { surplus += byIndex[i] ?? [] }
                running = Array(running.prefix(parallelism))
            }
            let gone = Set(surplus.compactMap(\.metadata.uid))
            plan.delete += surplus
            active.removeAll { gone.contains($0.metadata.uid ?? "") }
            let busy = Set(running).union(onlyFailed ? Set(terminating.compactMap(index)) : [])
            let room = parallelism - running.count - (onlyFailed ? terminating.count : 0)
            if room > 0 {
                indexesToCreate = Array((0..<completions).lazy.filter { !completed.contains($0) && !failedIndexes.contains($0) && !busy.contains($0) }
                    .prefix(min(room, maxPodsPerSync)))
            }
            toCreate = indexesToCreate.count
        } else {
            let want: Int
            if let completions = spec.completions {
                want = max(0, min(completions - succeeded, parallelism))
            } else {
                want = succeeded > 0 ? active.count : parallelism
            }
            if active.count > want {
                let victims = PodDeletionOrder.victims(active, count: min(active.count - want, maxPodsPerSync))
                let gone = Set(victims.compactMap(\.metadata.uid))
                plan.delete += victims
                active.removeAll { gone.contains($0.metadata.uid ?? "") }
            } else {
                toCreate = min(max(0, want - active.count - (onlyFailed ? terminating.count : 0)), maxPodsPerSync)
            }
        }
        guard toCreate > 0 else { return }
        let wait = plan.backoff.remaining(now: now)
        if wait > 0 {
            plan.requeueAfter = min(plan.requeueAfter ?? wait, wait)
            return
        }
        if indexed {
            plan.create = indexesToCreate.map { i in
                JobPodToCreate(index: i, failureCount: spec.backoffLimitPerIndex != nil ? indexFailureCount(i, pods: pods, spec: spec) : nil)
            }
        } else {
            plan.create = Array(repeating: JobPodToCreate(), count: toCreate)
        }
    }

    /// The failures of an index so far: its latest counted failed pod's count plus one.
    static func indexFailureCount(_ i: Int, pods: [Pod], spec: JobSpec) -> Int {
        var count = 0
        for p in pods where index(p) == i && p.status?.phase == "Failed" {
            let verdict = JobPodFailurePolicy.verdict(spec.podFailurePolicy, pod: p)
            let previous = Int(p.metadata.annotations?[Job.indexFailureCountKey] ?? "") ?? 0
            count = max(count, verdict.action == "Ignore" ? previous : previous + 1)
        }
        return count
    }
}
