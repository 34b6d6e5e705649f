import Foundation
import KubeAPI
import Testing
@testable import Controllers

/// The Job controller's decisions with a fixed clock.
@Suite struct JobPlannerTests {
    let now = Date(timeIntervalSince1970: 1_000_000)

    func job(completions: Int? = 1, parallelism: Int? = 1, indexed: Bool = false, backoffLimit: Int = 6,
             policy: PodFailurePolicy? = nil, suspend: Bool = false, deadline: Int64? = nil, status: JobStatus? = nil) -> Job {
        var j = Job(metadata: ObjectMeta(name: "pi", namespace: "default"))
        j.metadata.uid = "job-uid"
        var spec = JobSpec()
        spec.completions = completions
        spec.parallelism = parallelism
        spec.completionMode = indexed ? "Indexed" : "NonIndexed"
        spec.backoffLimit = backoffLimit
        spec.podFailurePolicy = policy
        spec.suspend = suspend
        spec.activeDeadlineSeconds = deadline
        spec.podReplacementPolicy = policy == nil ? "TerminatingOrFailed" : "Failed"
        var podSpec = PodSpec(containers: [Container(name: "main", image: "busybox:1")])
        podSpec.restartPolicy = "Never"
        spec.template = PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "pi"]), spec: podSpec)
        j.spec = spec
        j.status = status
        return j
    }

    func pod(_ name: String, phase: String = "Running", index: Int? = nil, exitCode: Int32? = nil, tracked: Bool = true,
             deleting: Bool = false, finished: Date? = nil) -> Pod {
        var p = Make.pod(name, labels: ["app": "pi"], node: "n1", phase: phase, deleting: deleting)
        p.metadata.ownerReferences = [OwnerReference(apiVersion: "batch/v1", kind: "Job", name: "pi", uid: "job-uid", controller: true,
                                                     blockOwnerDeletion: true)]
        if tracked { p.metadata.finalizers = [Job.trackingFinalizer] }
        if let index { p.metadata.annotations = [Job.completionIndexKey: String(index)] }
        if let exitCode {
            var t = ContainerStateTerminated(exitCode: exitCode)
            t.finishedAt = Timestamp(finished ?? now)
            var state = ContainerState()
            state.terminated = t
            var cs = ContainerStatus(name: "main", image: "busybox:1")
            cs.state = state
            p.status?.containerStatuses = [cs]
        }
        return p
    }

    func status(succeeded: Int = 0, failed: Int = 0, started: Date? = nil) -> JobStatus {
        var s = JobStatus()
        s.succeeded = succeeded
        s.failed = failed
        s.startTime = started.map { Timestamp($0) }
        return s
    }

    func types(_ s: JobStatus) -> [String] { (s.conditions ?? []).filter { $0.status == "True" }.map(\.type) }

    @Test func createsUpToParallelismAndRemainingCompletions() {
        let plan = JobPlanner.plan(job(completions: 5, parallelism: 2), pods: [], now: now, backoff: JobBackoff())
        #expect(plan.create.count == 2 && plan.create.allSatisfy { $0.index == nil })
        #expect(plan.status.active == 2 && plan.status.startTime == Timestamp(now))
        let nearlyDone = JobPlanner.plan(job(completions: 5, parallelism: 2, status: status(succeeded: 4, started: now)), pods: [],
                                         now: now, backoff: JobBackoff())
        #expect(nearlyDone.create.count == 1)
        let running = JobPlanner.plan(job(completions: 5, parallelism: 2, status: status(started: now)),
                                      pods: [pod("a"), pod("b"), pod("c")], now: now, backoff: JobBackoff())
        #expect(running.create.isEmpty && running.delete.count == 1 && running.status.active == 2)
    }

    @Test func countsFinishedPodsThroughTheirFinalizers() throws {
        let pods = [pod("a", phase: "Succeeded", exitCode: 0), pod("b", phase: "Succeeded", exitCode: 0),
                    pod("old", phase: "Succeeded", exitCode: 0, tracked: false), pod("c")]
        let plan = JobPlanner.plan(job(completions: 5, parallelism: 2, status: status(succeeded: 1, started: now)), pods: pods,
                                   now: now, backoff: JobBackoff())
        let mid = try #require(plan.intermediateStatus)
        #expect(Set(mid.uncountedTerminatedPods?.succeeded ?? []) == ["uid-a", "uid-b"] && mid.succeeded == 1)
        #expect(Set(plan.removeFinalizers.map(\.name)) == ["a", "b"])
        #expect(plan.status.succeeded == 3 && plan.status.uncountedTerminatedPods == UncountedTerminatedPods())
        #expect(plan.create.count == 1 && plan.status.active == 2)
        // Pods already in uncountedTerminatedPods are not counted twice.
        var again = status(succeeded: 1, started: now)
        again.uncountedTerminatedPods = UncountedTerminatedPods(succeeded: ["uid-a"])
        let second = JobPlanner.plan(job(completions: 5, parallelism: 2, status: again), pods: [pod("a", phase: "Succeeded", exitCode: 0)],
                                     now: now, backoff: JobBackoff())
        #expect(second.intermediateStatus == nil && second.status.succeeded == 2 && second.removeFinalizers.map(\.name) == ["a"])
    }

    @Test func completesWhenCompletionsSucceeded() {
        let plan = JobPlanner.plan(job(completions: 2, parallelism: 2, status: status(succeeded: 1, started: now)),
                                   pods: [pod("b", phase: "Succeeded", exitCode: 0)], now: now, backoff: JobBackoff())
        #expect(types(plan.status) == ["SuccessCriteriaMet", "Complete"])
        let complete = plan.status.conditions?.last
        #expect(complete?.reason == "CompletionsReached" && complete?.message == "Reached expected number of succeeded pods")
        #expect(plan.status.completionTime == Timestamp(now) && plan.status.succeeded == 2 && plan.status.active == 0)
        #expect(plan.events == [JobEvent(warning: false, reason: "Completed", message: "Job completed")])
        var done = job(completions: 2, parallelism: 2)
        done.status = plan.status
        #expect(JobPlanner.isFinished(done))
    }

    @Test func indexedJobsCreateOnePodPerPendingIndex() throws {
        let pods = [pod("pi-0", phase: "Succeeded", index: 0, exitCode: 0), pod("pi-3", index: 3)]
        let plan = JobPlanner.plan(job(completions: 5, parallelism: 3, indexed: true, status: status(started: now)), pods: pods,
                                   now: now, backoff: JobBackoff())
        #expect(plan.create.map(\.index) == [1, 2])
        #expect(plan.status.completedIndexes == "0" && plan.status.succeeded == 1 && plan.status.active == 3)
        // The pod for index 2: its index in an annotation, a label, JOB_COMPLETION_INDEX and the hostname.
        let p = try JobController.pod(for: job(completions: 5, parallelism: 3, indexed: true), JobPodToCreate(index: 2))
        #expect(p.metadata.annotations?[Job.completionIndexKey] == "2" && p.metadata.labels?[Job.completionIndexKey] == "2")
        #expect(p.metadata.generateName == "pi-2-" && p.spec?.hostname == "pi-2")
        #expect(p.spec?.containers.first?.env?.contains { $0.name == "JOB_COMPLETION_INDEX" } == true)
        #expect(p.metadata.finalizers == [Job.trackingFinalizer] && p.metadata.controllerRef?.uid == "job-uid")
    }

    @Test func failuresBackOffThenHitTheBackoffLimit() {
        // One failure within backoffLimit 1: the replacement waits 10s.
        let first = JobPlanner.plan(job(backoffLimit: 1, status: status(started: now)), pods: [pod("a", phase: "Failed", exitCode: 1)],
                                    now: now, backoff: JobBackoff())
        #expect(first.create.isEmpty && first.status.failed == 1 && first.backoff.failuresAfterLastSuccess == 1)
        #expect(first.requeueAfter == 10 && types(first.status).isEmpty)
        var counted = status(failed: 1, started: now)
        counted.uncountedTerminatedPods = UncountedTerminatedPods()
        let later = JobPlanner.plan(job(backoffLimit: 1, status: counted), pods: [pod("a", phase: "Failed", exitCode: 1, tracked: false)],
                                    now: now.addingTimeInterval(10), backoff: first.backoff)
        #expect(later.create.count == 1)
        #expect(JobBackoff(failuresAfterLastSuccess: 3, lastFailureTime: now).delay == 40)
        #expect(JobBackoff(failuresAfterLastSuccess: 12, lastFailureTime: now).delay == 600)
        // The second failure exceeds backoffLimit 1.
        let failed = JobPlanner.plan(job(backoffLimit: 1, status: counted), pods: [pod("b", phase: "Failed", exitCode: 1)],
                                     now: now.addingTimeInterval(30), backoff: first.backoff)
        #expect(types(failed.status) == ["FailureTarget", "Failed"])
        #expect(failed.status.conditions?.last?.reason == "BackoffLimitExceeded")
        #expect(failed.events == [JobEvent(warning: true, reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit")])
        #expect(failed.status.failed == 2 && failed.status.completionTime == nil)
    }

    @Test func podFailurePolicyRules() {
        let policy = PodFailurePolicy(rules: [
            PodFailurePolicyRule(action: "Ignore", onExitCodes: PodFailurePolicyOnExitCodesRequirement(operator: "In", values: [137])),
            PodFailurePolicyRule(action: "FailJob", onExitCodes: PodFailurePolicyOnExitCodesRequirement(containerName: "main", operator: "In", values: [42])),
            PodFailurePolicyRule(action: "Ignore", onPodConditions: [PodFailurePolicyOnPodConditionsPattern(type: "DisruptionTarget", status: "True")]),
        ])
        let ignored = JobPlanner.plan(job(backoffLimit: 0, policy: policy, status: status(started: now)),
                                      pods: [pod("a", phase: "Failed", exitCode: 137)], now: now, backoff: JobBackoff())
        #expect(ignored.status.failed == 0 && types(ignored.status).isEmpty && ignored.create.count == 1)
        #expect(ignored.removeFinalizers.map(\.name) == ["a"])
        let fatal = JobPlanner.plan(job(backoffLimit: 6, policy: policy, status: status(started: now)),
                                    pods: [pod("a", phase: "Failed", exitCode: 42)], now: now, backoff: JobBackoff())
        #expect(types(fatal.status) == ["FailureTarget", "Failed"])
        #expect(fatal.status.conditions?.first?.reason == "PodFailurePolicy")
        #expect(fatal.status.conditions?.first?.message == "Container main for pod default/a failed with exit code 42 matching FailJob rule at index 1")
        var disrupted = pod("d", phase: "Failed", exitCode: 1)
        disrupted.status?.conditions = [Condition(type: "DisruptionTarget", status: "True")]
        #expect(JobPodFailurePolicy.verdict(policy, pod: disrupted).action == "Ignore")
        #expect(JobPodFailurePolicy.verdict(policy, pod: pod("x", phase: "Failed", exitCode: 3)).action == "Count")
        #expect(JobPodFailurePolicy.verdict(nil, pod: pod("x", phase: "Failed", exitCode: 42)).action == "Count")
    }

    @Test func activeDeadlineFailsTheJobOnceItsPodsAreGone() {
        let past = JobPlanner.plan(job(deadline: 60, status: status(started: now.addingTimeInterval(-61))), pods: [pod("a")],
                                   now: now, backoff: JobBackoff())
        #expect(types(past.status) == ["FailureTarget"] && past.delete.map(\.name) == ["a"])
        #expect(past.status.conditions?.first?.reason == "DeadlineExceeded")
        #expect(past.status.conditions?.first?.message == "Job was active longer than specified deadline")
        var later = job(deadline: 60)
        later.status = past.status
        let gone = JobPlanner.plan(later, pods: [pod("a", phase: "Failed", exitCode: 137, tracked: false)], now: now, backoff: JobBackoff())
        #expect(types(gone.status) == ["FailureTarget", "Failed"] && gone.events.first?.reason == "DeadlineExceeded")
        let before = JobPlanner.plan(job(deadline: 60, status: status(started: now.addingTimeInterval(-20))), pods: [pod("a")],
                                     now: now, backoff: JobBackoff())
        #expect(types(before.status).isEmpty && before.requeueAfter == 40)
    }

    @Test func suspendDeletesActivePodsAndResumeRestartsTheClock() {
        let suspended = JobPlanner.plan(job(completions: 3, parallelism: 2, suspend: true, status: status(started: now)),
                                        pods: [pod("a"), pod("b")], now: now, backoff: JobBackoff())
        #expect(Set(suspended.delete.map(\.name)) == ["a", "b"] && suspended.create.isEmpty && suspended.status.active == 0)
        #expect(types(suspended.status) == ["Suspended"] && suspended.status.conditions?.first?.reason == "JobSuspended")
        #expect(suspended.events == [JobEvent(warning: false, reason: "Suspended", message: "Job suspended")])
        var resumed = job(completions: 3, parallelism: 2)
        resumed.status = suspended.status
        let later = now.addingTimeInterval(300)
        let plan = JobPlanner.plan(resumed, pods: [], now: later, backoff: JobBackoff())
        #expect(plan.create.count == 2 && plan.status.startTime == Timestamp(later))
        #expect(plan.status.conditions?.first?.status == "False" && plan.status.conditions?.first?.reason == "JobResumed")
        #expect(plan.events == [JobEvent(warning: false, reason: "Resumed", message: "Job resumed")])
    }

    @Test func finishedJobsOnlyReleaseTheirPods() {
        var done = job()
        var c = Condition(type: "Complete", status: "True")
        c.lastTransitionTime = Timestamp(now)
        var s = status(succeeded: 1)
        s.conditions = [c]
        done.status = s
        let plan = JobPlanner.plan(done, pods: [pod("a", phase: "Succeeded", exitCode: 0)], now: now, backoff: JobBackoff())
        #expect(plan.removeFinalizers.map(\.name) == ["a"] && plan.create.isEmpty && plan.status == s)
    }

    @Test func ttlAfterFinished() {
        var done = job()
        done.spec?.ttlSecondsAfterFinished = 100
        var c = Condition(type: "Failed", status: "True")
        c.lastTransitionTime = Timestamp(now)
        var s = JobStatus()
        s.conditions = [c]
        done.status = s
        #expect(TTLAfterFinished.needsCleanup(done))
        #expect(TTLAfterFinished.timeLeft(done, now: now.addingTimeInterval(30)) == 70)
        #expect(!TTLAfterFinished.needsCleanup(job()))
    }
}
