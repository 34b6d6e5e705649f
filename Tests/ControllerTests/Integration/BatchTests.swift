import Foundation
import KubeAPI
import Testing
import TestSupport
@testable import Controllers

/// Jobs, the TTL-after-finished controller and CronJobs against a real
/// control plane through kubectl; the fake kubelet runs the pods and ends
/// them with the exit code their template's annotation names.
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct BatchTests {
    static let nodes = [FakeKubelet.NodeSpec("node-a"), FakeKubelet.NodeSpec("node-b")]

    static func job(_ name: String, exitCode: Int, spec: String) -> String {
        """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: \(name)}
        spec:
          \(spec.replacingOccurrences(of: "\n", with: "\n  "))
          template:
            metadata: {annotations: {\(FakeKubelet.exitCodeAnnotation): "\(exitCode)"}}
            spec:
              restartPolicy: Never
              containers: [{name: main, image: "busybox:1"}]
        """
    }

    static func must(_ cp: TestControlPlane, _ args: String...) async throws -> String {
        let r = try await cp.kubectl(args)
        guard r.status == 0 else { throw TestError("kubectl \(args.joined(separator: " ")) failed: \(r.output)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func events(_ cp: TestControlPlane, _ object: String) async throws -> String {
        try await must(cp, "get", "events", "--field-selector", "involvedObject.name=\(object)", "-o",
                       "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}")
    }

    @Test func aJobOfFiveCompletionsTwoAtATimeCompletes() async throws {
        try await withCluster(nodes: Self.nodes) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.job("pi", exitCode: 0, spec: "completions: 5\nparallelism: 2"))
            try await cp.must("wait", "--for=condition=complete", "job/pi", "--timeout=90s")
            #expect(try await Self.must(cp, "get", "job", "pi", "-o", "jsonpath={.status.succeeded} {.status.active} {.status.failed}") == "5 0 0")
            let conditions = try await Self.must(cp, "get", "job", "pi", "-o", "jsonpath={range .status.conditions[*]}{.type}={.reason};{end}")
            #expect(conditions == "SuccessCriteriaMet=CompletionsReached;Complete=CompletionsReached;")
            #expect(!(try await Self.must(cp, "get", "job", "pi", "-o", "jsonpath={.status.completionTime}")).isEmpty)
            let table = try await Self.must(cp, "get", "job", "pi")
            #expect(table.contains("STATUS") && table.contains("COMPLETIONS") && table.contains("Complete") && table.contains("5/5"), "\(table)")
            // Five pods, labelled for their Job, their tracking finalizers gone once counted.
            let pods = try await Self.must(cp, "get", "pods", "-l", "batch.kubernetes.io/job-name=pi", "-o",
                                           "jsonpath={range .items[*]}{.status.phase}:{.metadata.finalizers}{\"\\n\"}{end}")
            #expect(pods.split(separator: "\n").count == 5 && pods.split(separator: "\n").allSatisfy { $0 == "Succeeded:" }, "\(pods)")
            let events = try await Self.events(cp, "pi")
            #expect(events.contains("SuccessfulCreate: Created pod: pi-") && events.contains("Completed: Job completed"), "\(events)")
        }
    }

    @Test func anIndexedJobsPodsCarryTheirIndex() async throws {
        try await withCluster(nodes: Self.nodes) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.job("idx", exitCode: 0, spec: "completions: 3\nparallelism: 3\ncompletionMode: Indexed"))
            try await cp.must("wait", "--for=condition=complete", "job/idx", "--timeout=90s")
            #expect(try await Self.must(cp, "get", "job", "idx", "-o", "jsonpath={.status.completedIndexes} {.status.succeeded}") == "0-2 3")
            let pods = try await Self.must(cp, "get", "pods", "-l", "job-name=idx", "-o",
                                           "jsonpath={range .items[*]}{.metadata.labels.batch\\.kubernetes\\.io/job-completion-index}|{.metadata.annotations.batch\\.kubernetes\\.io/job-completion-index}|{.spec.hostname}|{.spec.containers[0].env[0].name}{\"\\n\"}{end}")
            let lines = Set(pods.split(separator: "\n").map(String.init))
            #expect(lines == ["0|0|idx-0|JOB_COMPLETION_INDEX", "1|1|idx-1|JOB_COMPLETION_INDEX", "2|2|idx-2|JOB_COMPLETION_INDEX"], "\(pods)")
        }
    }

    @Test func aFailingJobHitsItsBackoffLimit() async throws {
        try await withCluster(nodes: Self.nodes) { cp, _ in
            // backoffLimit 1: the first failure is replaced after the 10s back-off, the second fails the Job.
            try await cp.must("apply", "-f", "-", stdin: Self.job("bad", exitCode: 3, spec: "backoffLimit: 1"))
            try await cp.must("wait", "--for=condition=failed", "job/bad", "--timeout=120s")
            #expect(try await Self.must(cp, "get", "job", "bad", "-o", "jsonpath={.status.failed} {.status.succeeded}") == "2 0")
            let reason = try await Self.must(cp, "get", "job", "bad", "-o", "jsonpath={.status.conditions[?(@.type==\"Failed\")].reason}")
            #expect(reason == "BackoffLimitExceeded")
            #expect(try await Self.must(cp, "get", "job", "bad").contains("Failed"))
            let events = try await Self.events(cp, "bad")
            #expect(events.contains("BackoffLimitExceeded: Job has reached the specified backoff limit"), "\(events)")
            // Bad input is refused with upstream's field error.
            let r = try await cp.kubectl(["apply", "-f", "-"], stdin: Self.job("neg", exitCode: 0, spec: "completions: -1"))
            #expect(r.status != 0 && r.output.contains("spec.completions: Invalid value: -1: must be greater than or equal to 0"), "\(r.output)")
        }
    }

    @Test func ttlAfterFinishedDeletesTheJobAndItsPods() async throws {
        try await withCluster(nodes: Self.nodes) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.job("brief", exitCode: 0, spec: "ttlSecondsAfterFinished: 2"))
            try await cp.must("wait", "--for=condition=complete", "job/brief", "--timeout=90s")
            let gone = await TestEnv.eventually(seconds: 60) {
                let r = try? await cp.kubectl(["get", "job", "brief"])
                return r.map { $0.status != 0 && $0.output.contains("NotFound") } ?? false
            }
            #expect(gone)
            let podsGone = await TestEnv.eventually(seconds: 60) {
                (try? await Self.must(cp, "get", "pods", "-l", "job-name=brief", "-o", "name"))?.isEmpty ?? false
            }
            #expect(podsGone)
        }
    }

    @Test func cronJobsRunOnScheduleAndOnDemand() async throws {
        try await withCluster(nodes: Self.nodes) { cp, _ in
            // Bad schedules are refused with robfig's message.
            let bad = """
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: wrong}
            spec:
              schedule: "61 * * * *"
              jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: main, image: "busybox:1"}]}}}}
            """
            let r = try await cp.kubectl(["apply", "-f", "-"], stdin: bad)
            #expect(r.output.contains("spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"), "\(r.output)")

            // kubectl create cronjob, then a Job from it by hand.
            try await cp.must("create", "cronjob", "hello", "--image=busybox:1", "--schedule=*/1 * * * *")
            let table = try await Self.must(cp, "get", "cronjob", "hello")
            #expect(table.contains("SCHEDULE") && table.contains("TIMEZONE") && table.contains("*/1 * * * *") && table.contains("False"), "\(table)")
            try await cp.must("create", "job", "manual", "--from=cronjob/hello")
            #expect(try await Self.must(cp, "get", "job", "manual", "-o",
                                        "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate}") == "CronJob/hello manual")
            try await cp.must("create", "job", "plain", "--image=busybox:1")
            #expect(try await Self.must(cp, "get", "job", "plain", "-o", "jsonpath={.spec.template.spec.restartPolicy}") == "Never")

            // Every minute: a Job named for its scheduled minute, recorded in the status.
            let ranJob = """
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: tick}
            spec:
              schedule: "* * * * *"
              jobTemplate:
                spec:
                  template:
                    metadata: {annotations: {\(FakeKubelet.exitCodeAnnotation): "0"}}
                    spec: {restartPolicy: Never, containers: [{name: main, image: "busybox:1"}]}
            """
            try await cp.must("apply", "-f", "-", stdin: ranJob)
            var last = ""
            let scheduled = await TestEnv.eventually(seconds: 80) {
                last = (try? await Self.must(cp, "get", "cronjob", "tick", "-o", "jsonpath={.status.lastSuccessfulTime}")) ?? ""
                return !last.isEmpty
            }
            #expect(scheduled)
            let names = try await Self.must(cp, "get", "jobs", "-o",
                                            "jsonpath={range .items[?(@.metadata.ownerReferences[0].name==\"tick\")]}{.metadata.name} {.metadata.annotations.batch\\.kubernetes\\.io/cronjob-scheduled-timestamp}{\"\\n\"}{end}")
            let first = try #require(names.split(separator: "\n").first.map(String.init))
            let parts = first.split(separator: " ").map(String.init)
            let stamp = try #require(parts.count == 2 ? Timestamp(rfc3339: parts[1]) : nil)
            #expect(parts[0] == "tick-\(Int(stamp.date.timeIntervalSince1970 / 60))", "\(names)")
            let events = try await Self.events(cp, "tick")
            #expect(events.contains("SuccessfulCreate: Created job tick-"), "\(events)")
        }
    }
}
