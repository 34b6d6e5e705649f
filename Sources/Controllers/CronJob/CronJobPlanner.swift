public import Foundation
public import KubeAPI

/// What the CronJob controller does in one sync.
public struct CronJobPlan: Sendable {
    public var status: CronJobStatus
    /// The Job to create now: its name and the time it was scheduled for.
    public var create: (name: String, scheduledTime: Date)?
    /// Jobs to delete (Replace, history limits).
    public var delete: [Job] = []
    public var events: [JobEvent] = []
    /// When to look again (the next schedule time, plus 100ms as upstream).
    public var requeueAfter: TimeInterval?
}

/// How many start times were missed since the last one.
public enum MissedSchedules: Sendable, Equatable {
    case none, few, many
}

/// The CronJob controller's decisions (upstream's syncCronJob and
/// cleanupFinishedJobs), pure over the CronJob, its Jobs and the clock.
public enum CronJobPlanner {
    /// Upstream's nextScheduleDelta.
    static let nextScheduleDelta: TimeInterval = 0.1

    /// The name of the Job for a scheduled time: `NAME-<minutes since the epoch>`.
    public static func jobName(_ cj: CronJob, scheduledTime: Date) -> String {
        "\(cj.metadata.name ?? "")-\(Int64((scheduledTime.timeIntervalSince1970 / 60).rounded(.down)))"
    }

    /// `Complete` or `Failed` when the Job has that condition.
    static func finishedType(_ j: Job) -> String? {
        j.status?.conditions?.first { ($0.type == "Complete" || $0.type == "Failed") && $0.status == "True" }?.type
    }

    /// Upstream's mostRecentScheduleTime: the earliest time to consider
    /// (last schedule or creation, or now − startingDeadlineSeconds), the
    /// latest start time missed since, and how many were missed.
    public static func mostRecentScheduleTime(_ cj: CronJob, now: Date, schedule: CronSchedule, zone: TimeZone,
                                              includeStartingDeadline: Bool) throws(CronScheduleError) -> (earliest: Date, mostRecent: Date?, missed: MissedSchedules) {
        var earliest = cj.status?.lastScheduleTime?.date ?? cj.metadata.creationTimestamp?.date ?? now
        if includeStartingDeadline, let sds = cj.spec?.startingDeadlineSeconds {
            let deadline = now.addingTimeInterval(-Double(sds))
            if deadline > earliest { earliest = deadline }
        }
        guard let t1 = schedule.next(after: earliest, in: zone), t1 <= now else { return (earliest, nil, .none) }
        guard let t2 = schedule.next(after: t1, in: zone), t2 <= now else { return (earliest, t1, .none) }
        let between = t2.timeIntervalSince(t1).rounded()
        if between < 1 { throw CronScheduleError(message: "time difference between two schedules is less than 1 second") }
        let count = Int64(now.timeIntervalSince(t1).rounded(.towardZero) / between) + 1
        let missed: MissedSchedules = count > 100 ? .many : (count > 1 ? .few : .none)
        // Walk the schedule to the exact latest start time; from an estimate when very many were missed.
        var t = t2
        if count > 1000 {
            let estimate = t1.addingTimeInterval(Double(count - 3) * between)
            if let s = schedule.next(after: estimate, in: zone), s <= now { t = s }
        }
        var steps = 0
        while let n = schedule.next(after: t, in: zone), n <= now, steps < 100_000 {
            t = n
            steps += 1
        }
        return (earliest, t, missed)
    }

    /// A schedule that cannot be used.
    public struct CronScheduleError: Error, Sendable { public var message: String }

    /// Decides one sync. `jobs` are the Jobs the CronJob controls; `missing`
    /// the UIDs of active Jobs the API server confirmed are gone.
    public static func plan(_ cj: CronJob, jobs: [Job], now: Date, missing: Set<String> = []) -> CronJobPlan {
        var status = cj.status ?? CronJobStatus()
        var plan = CronJobPlan(status: status)
        var active = status.active ?? []
        func inActive(_ uid: String?) -> Bool { active.contains { $0.uid == uid } }
        // 1. The active list against the Jobs that exist.
        for j in jobs {
            let finished = finishedType(j)
            if !inActive(j.metadata.uid) && finished == nil {
                plan.events.append(JobEvent(warning: true, reason: "UnexpectedJob",
                                            message: "Saw a job that the controller did not create or forgot: \(j.metadata.name ?? "")"))
            } else if inActive(j.metadata.uid), let finished {
                active.removeAll { $0.uid == j.metadata.uid }
                plan.events.append(JobEvent(warning: false, reason: "SawCompletedJob",
                                            message: "Saw completed job: \(j.metadata.name ?? ""), condition: \(finished)"))
            }
            if finished == "Complete", let done = j.status?.completionTime {
                if status.lastSuccessfulTime == nil || done.date > (status.lastSuccessfulTime?.date ?? .distantPast) {
                    status.lastSuccessfulTime = done
                }
            }
        }
        let known = Set(jobs.compactMap(\.metadata.uid))
        for ref in active where !known.contains(ref.uid ?? "") && missing.contains(ref.uid ?? "") {
            plan.events.append(JobEvent(warning: false, reason: "MissingJob", message: "Active job went missing: \(ref.name ?? "")"))
            active.removeAll { $0.uid == ref.uid }
        }
        func finish(_ p: inout CronJobPlan) {
            status.active = active.isEmpty ? nil : active
            p.status = status
            cleanupFinishedJobs(cj, jobs: jobs, plan: &p)
        }
        guard cj.metadata.deletionTimestamp == nil, let spec = cj.spec else {
            finish(&plan)
            return plan
        }
        guard let zone = CronTimeZones.zone(spec.timeZone) else {
            let tz = spec.timeZone ?? ""
            plan.events.append(JobEvent(warning: true, reason: "UnknownTimeZone", message: "invalid timeZone: \"\(tz)\": unknown time zone \(tz)"))
            finish(&plan)
            return plan
        }
        if spec.suspend == true {
            finish(&plan)
            return plan
        }
        let schedule: CronSchedule
        do {
            schedule = try CronSchedule(parsing: spec.schedule)
        } catch {
            plan.events.append(JobEvent(warning: true, reason: "UnparseableSchedule", message: "unparseable schedule: \"\(spec.schedule)\" : \(error.message)"))
            finish(&plan)
            return plan
        }
        var cjNow = cj
        cjNow.status = status
        let scheduled: Date?
        do {
            let r = try mostRecentScheduleTime(cjNow, now: now, schedule: schedule, zone: zone, includeStartingDeadline: true)
            scheduled = r.mostRecent
            if scheduled != nil && r.missed == .many {
                plan.events.append(JobEvent(warning: true, reason: "TooManyMissedTimes",
                                            message: "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew"))
            }
        } catch {
            plan.events.append(JobEvent(warning: true, reason: "InvalidSchedule", message: "invalid schedule: \(spec.schedule) : \(error.message)"))
            finish(&plan)
            return plan
        }
        func requeue() -> TimeInterval? {
            var c = cj
            c.status = status
            c.status?.active = active
            guard let r = try? mostRecentScheduleTime(c, now: now, schedule: schedule, zone: zone, includeStartingDeadline: false),
                  let next = schedule.next(after: r.mostRecent ?? r.earliest, in: zone) else { return nil }
            return next.addingTimeInterval(nextScheduleDelta).timeIntervalSince(now)
        }
        guard let scheduledTime = scheduled else {
            plan.requeueAfter = requeue()
            finish(&plan)
            return plan
        }
        if let sds = spec.startingDeadlineSeconds, scheduledTime.addingTimeInterval(Double(sds)) < now {
            plan.events.append(JobEvent(warning: true, reason: "MissSchedule",
                                        message: "Missed scheduled time to start a job: \(rfc1123Z(scheduledTime))"))
            plan.requeueAfter = requeue()
            finish(&plan)
            return plan
        }
        let name = jobName(cj, scheduledTime: scheduledTime)
        if active.contains(where: { $0.name == name }) || status.lastScheduleTime?.date == scheduledTime {
            plan.requeueAfter = requeue()
            finish(&plan)
            return plan
        }
        let policy = spec.concurrencyPolicy ?? "Allow"
        if policy == "Forbid" && !active.isEmpty {
            plan.events.append(JobEvent(warning: false, reason: "JobAlreadyActive",
                                        message: "Not starting job because prior execution is running and concurrency policy is Forbid"))
            plan.requeueAfter = requeue()
            finish(&plan)
            return plan
        }
        if policy == "Replace" {
            for ref in active {
                if let j = jobs.first(where: { $0.metadata.uid == ref.uid }) {
                    plan.delete.append(j)
                    plan.events.append(JobEvent(warning: false, reason: "SuccessfulDelete", message: "Deleted job \(ref.name ?? "")"))
                }
            }
            active = []
        }
        plan.create = (name, scheduledTime)
        status.lastScheduleTime = Timestamp(scheduledTime)
        plan.requeueAfter = requeue()
        finish(&plan)
        return plan
    }

    /// Upstream's cleanupFinishedJobs: the oldest finished Jobs beyond the history limits go.
    static func cleanupFinishedJobs(_ cj: CronJob, jobs: [Job], plan: inout CronJobPlan) {
        let spec = cj.spec
        if spec?.successfulJobsHistoryLimit == nil && spec?.failedJobsHistoryLimit == nil { return }
        let already = Set(plan.delete.compactMap(\.metadata.uid))
        let candidates = jobs.filter { !already.contains($0.metadata.uid ?? "") && $0.metadata.deletionTimestamp == nil }
        for (type, limit) in [("Complete", spec?.successfulJobsHistoryLimit), ("Failed", spec?.failedJobsHistoryLimit)] {
            guard let limit else { continue }
            let list = candidates.filter { finishedType($0) == type }.sorted(by: startedBefore)
            guard list.count > limit else { continue }
            for j in list.prefix(list.count - limit) {
                plan.delete.append(j)
                plan.events.append(JobEvent(warning: false, reason: "SuccessfulDelete", message: "Deleted job \(j.metadata.name ?? "")"))
                plan.status.active?.removeAll { $0.uid == j.metadata.uid }
                if plan.status.active?.isEmpty == true { plan.status.active = nil }
            }
        }
    }

    /// Upstream's byJobStartTime: by start time, Jobs not started last, then by name.
    static func startedBefore(_ a: Job, _ b: Job) -> Bool {
        let sa = a.status?.startTime?.date, sb = b.status?.startTime?.date
        switch (sa, sb) {
        case (nil, .some): return false
        case (.some, nil): return true
        case (nil, nil): return (a.metadata.name ?? "") < (b.metadata.name ?? "")
        case (.some(let x), .some(let y)): return x == y ? (a.metadata.name ?? "") < (b.metadata.name ?? "") : x < y
        }
    }

    /// Go's time.RFC1123Z in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`.
    static func rfc1123Z(_ d: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return f.string(from: d)
    }

    /// Go's time.RFC3339 in a zone: `2006-01-02T15:04:05Z` or `…-05:00`.
    public static func rfc3339(_ d: Date, in zone: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = zone.secondsFromGMT(for: d) == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ssxxx"
        return f.string(from: d)
    }
}
