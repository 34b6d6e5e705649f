import Foundation
import KubeAPI
import Testing
@testable import Controllers

/// The CronJob controller's decisions with a fixed clock: schedules, missed
/// start times, deadlines, concurrency policies, history and time zones.
@Suite struct CronJobPlannerTests {
    func date(_ s: String) -> Date { Timestamp(rfc3339: s)!.date }

    func cronJob(_ schedule: String, created: String = "2026-01-01T00:00:00Z", policy: String = "Allow", deadline: Int64? = nil,
                 zone: String? = "UTC", last: String? = nil, active: [Job] = []) -> CronJob {
        var cj = CronJob(metadata: ObjectMeta(name: "hello", namespace: "default"))
        cj.metadata.uid = "cj-uid"
        cj.metadata.creationTimestamp = Timestamp(date(created))
        var spec = CronJobSpec(schedule: schedule)
        spec.concurrencyPolicy = policy
        spec.startingDeadlineSeconds = deadline
        spec.timeZone = zone
        spec.successfulJobsHistoryLimit = 3
        spec.failedJobsHistoryLimit = 1
        spec.suspend = false
        cj.spec = spec
        var status = CronJobStatus()
        status.lastScheduleTime = last.map { Timestamp(date($0)) }
        status.active = active.isEmpty ? nil : active.map(CronJobController.reference)
        cj.status = status
        return cj
    }

    func job(_ name: String, finished: String? = nil, started: String = "2026-01-01T00:00:00Z", completed: String? = nil) -> Job {
        var j = Job(metadata: ObjectMeta(name: name, namespace: "default"))
        j.metadata.uid = "uid-\(name)"
        j.metadata.ownerReferences = [OwnerReference(apiVersion: "batch/v1", kind: "CronJob", name: "hello", uid: "cj-uid", controller: true)]
        var s = JobStatus()
        s.startTime = Timestamp(date(started))
        if let finished { s.conditions = [Condition(type: finished, status: "True")] }
        s.completionTime = completed.map { Timestamp(date($0)) }
        j.status = s
        return j
    }

    @Test func createsTheJobOfTheLatestMissedTimeOnly() throws {
        let cj = cronJob("*/5 * * * *", last: "2026-01-01T10:00:00Z")
        let now = date("2026-01-01T10:17:30Z")
        let plan = CronJobPlanner.plan(cj, jobs: [], now: now)
        let create = try #require(plan.create)
        // 10:05, 10:10 and 10:15 were missed: one Job, for 10:15.
        #expect(create.scheduledTime == date("2026-01-01T10:15:00Z"))
        #expect(create.name == "hello-\(Int(date("2026-01-01T10:15:00Z").timeIntervalSince1970 / 60))")
        #expect(plan.status.lastScheduleTime == Timestamp(date("2026-01-01T10:15:00Z")))
        // Next look: 10:20 plus 100ms.
        #expect(abs((plan.requeueAfter ?? 0) - (150 + 0.1)) < 0.001)
        // Nothing due yet: no Job, a requeue for the next time.
        let quiet = CronJobPlanner.plan(cronJob("*/5 * * * *", last: "2026-01-01T10:15:00Z"), jobs: [], now: now)
        #expect(quiet.create == nil && abs((quiet.requeueAfter ?? 0) - 150.1) < 0.001)
        // The same time is never scheduled twice.
        let again = CronJobPlanner.plan(cronJob("*/5 * * * *", last: "2026-01-01T10:15:00Z"), jobs: [], now: date("2026-01-01T10:15:00Z"))
        #expect(again.create == nil)
    }

    @Test func tooManyMissedStartTimesAndStartingDeadline() throws {
        // Created long ago and never run: more than 100 minutes missed.
        let late = CronJobPlanner.plan(cronJob("* * * * *"), jobs: [], now: date("2026-01-02T00:00:30Z"))
        #expect(late.events.contains { $0.reason == "TooManyMissedTimes" && $0.warning })
        #expect(try #require(late.create).scheduledTime == date("2026-01-02T00:00:00Z"))
        // With a starting deadline only recent times count, and a time too late is missed.
        let bounded = CronJobPlanner.plan(cronJob("* * * * *", deadline: 200), jobs: [], now: date("2026-01-02T00:00:30Z"))
        #expect(!bounded.events.contains { $0.reason == "TooManyMissedTimes" } && bounded.create != nil)
        let missed = CronJobPlanner.plan(cronJob("0 * * * *", deadline: 60, last: "2026-01-01T09:00:00Z"), jobs: [],
                                         now: date("2026-01-01T10:00:30Z"))
        #expect(missed.create != nil)
        let tooLate = CronJobPlanner.plan(cronJob("0 * * * *", deadline: 10, last: "2026-01-01T09:00:00Z"), jobs: [],
                                          now: date("2026-01-01T10:00:30Z"))
        #expect(tooLate.create == nil)
        // Missed times are reported in RFC 1123 form, as upstream's MissSchedule events.
        #expect(CronJobPlanner.rfc1123Z(date("2026-01-01T10:00:00Z")) == "Thu, 01 Jan 2026 10:00:00 +0000")
    }

    @Test func concurrencyPolicies() throws {
        let running = job("hello-1")
        let now = date("2026-01-01T10:05:10Z")
        let allow = CronJobPlanner.plan(cronJob("*/5 * * * *", last: "2026-01-01T10:00:00Z", active: [running]), jobs: [running], now: now)
        #expect(allow.create != nil && allow.delete.isEmpty)
        let forbid = CronJobPlanner.plan(cronJob("*/5 * * * *", policy: "Forbid", last: "2026-01-01T10:00:00Z", active: [running]),
                                         jobs: [running], now: now)
        #expect(forbid.create == nil)
        #expect(forbid.events == [JobEvent(warning: false, reason: "JobAlreadyActive",
                                           message: "Not starting job because prior execution is running and concurrency policy is Forbid")])
        let replace = CronJobPlanner.plan(cronJob("*/5 * * * *", policy: "Replace", last: "2026-01-01T10:00:00Z", active: [running]),
                                          jobs: [running], now: now)
        #expect(replace.create != nil && replace.delete.map(\.metadata.name) == ["hello-1"])
        #expect(replace.status.active == nil)
        #expect(replace.events.contains(JobEvent(warning: false, reason: "SuccessfulDelete", message: "Deleted job hello-1")))
    }

    @Test func finishedJobsLeaveTheActiveListAndHistoryIsLimited() {
        let done = job("hello-3", finished: "Complete", started: "2026-01-01T03:00:00Z", completed: "2026-01-01T03:01:00Z")
        let olderDone = (0..<3).map { job("hello-\($0)", finished: "Complete", started: "2026-01-01T0\($0):00:00Z") }
        let failedJobs = [job("hello-f1", finished: "Failed", started: "2026-01-01T01:30:00Z"),
                          job("hello-f2", finished: "Failed", started: "2026-01-01T02:30:00Z")]
        let cj = cronJob("0 * * * *", last: "2026-01-01T03:00:00Z", active: [done])
        let plan = CronJobPlanner.plan(cj, jobs: olderDone + [done] + failedJobs, now: date("2026-01-01T03:30:00Z"))
        #expect(plan.status.active == nil)
        #expect(plan.events.contains(JobEvent(warning: false, reason: "SawCompletedJob", message: "Saw completed job: hello-3, condition: Complete")))
        #expect(plan.status.lastSuccessfulTime == Timestamp(date("2026-01-01T03:01:00Z")))
        // Three successful Jobs kept (the newest), one failed.
        #expect(Set(plan.delete.compactMap(\.metadata.name)) == ["hello-0", "hello-f1"])
    }

    @Test func suspendedAndTimeZones() throws {
        var suspended = cronJob("* * * * *", last: "2026-01-01T10:00:00Z")
        suspended.spec?.suspend = true
        let s = CronJobPlanner.plan(suspended, jobs: [], now: date("2026-01-01T10:05:00Z"))
        #expect(s.create == nil && s.requeueAfter == nil)
        // 09:00 in New York: 14:00Z in winter.
        let ny = CronJobPlanner.plan(cronJob("0 9 * * *", zone: "America/New_York", last: "2026-01-01T14:00:00Z"), jobs: [],
                                     now: date("2026-01-02T14:00:05Z"))
        #expect(try #require(ny.create).scheduledTime == date("2026-01-02T14:00:00Z"))
        // Across the March change the next 09:00 is 13:00Z.
        let spring = CronJobPlanner.plan(cronJob("0 9 * * *", zone: "America/New_York", last: "2026-03-07T14:00:00Z"), jobs: [],
                                         now: date("2026-03-08T13:00:01Z"))
        #expect(try #require(spring.create).scheduledTime == date("2026-03-08T13:00:00Z"))
        let bad = CronJobPlanner.plan(cronJob("0 9 * * *", zone: "Mars/Olympus"), jobs: [], now: date("2026-01-02T14:00:05Z"))
        #expect(bad.create == nil && bad.events.first?.reason == "UnknownTimeZone")
        let job = try CronJobController.job(from: cronJob("0 9 * * *", zone: "America/New_York"), name: "hello-1",
                                            scheduledTime: date("2026-01-02T14:00:00Z"))
        #expect(job.metadata.annotations?[CronJob.scheduledTimestampAnnotation] == "2026-01-02T09:00:00-05:00")
        #expect(job.metadata.controllerRef?.uid == "cj-uid" && job.metadata.controllerRef?.kind == "CronJob")
    }
}
