import Foundation
import Testing
@testable import KubeAPI

/// Upstream's defaults and validation of Jobs and CronJobs.
@Suite struct BatchValidationTests {
    /// Defaults and validates as the API server does on create (the selector generated from the UID first).
    func errors(_ kind: String, _ obj: JSONValue, old: JSONValue? = nil) -> [String] {
        var o = obj
        if kind == "Job" && old == nil {
            o.set(path: ["metadata", "uid"], to: "u-1")
            Defaulter.generateJobSelector(&o)
        }
        Defaulter().apply(kind: kind, to: &o)
        switch Validator.validate(kind: kind, o, old: old) {
        case .valid: return []
        case .invalid(let errs): return errs.map(\.description)
        case .undecodable(let message): return ["undecodable: \(message)"]
        }
    }

    static let template: JSONValue = ["spec": ["restartPolicy": "Never", "containers": [["name": "main", "image": "busybox:1"]]]]

    static func job(_ spec: JSONValue = .emptyObject) -> JSONValue {
        var s = spec
        if s["template"] == nil { s["template"] = template }
        return ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "pi", "namespace": "default"], "spec": s]
    }

    static func cronJob(_ schedule: String, _ extra: JSONValue = .emptyObject) -> JSONValue {
        var spec: JSONValue = ["schedule": .string(schedule), "jobTemplate": ["spec": ["template": template]]]
        for (k, v) in extra.objectValue ?? [:] { spec[k] = v }
        return ["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "hello", "namespace": "default"], "spec": spec]
    }

    @Test func jobDefaultsAndGeneratedSelector() {
        var j = Self.job()
        j.set(path: ["metadata", "uid"], to: "u-1")
        Defaulter.generateJobSelector(&j)
        Defaulter().apply(kind: "Job", to: &j)
        #expect(j[path: ["spec", "completions"]] == 1 && j[path: ["spec", "parallelism"]] == 1)
        #expect(j[path: ["spec", "backoffLimit"]] == 6)
        #expect(j[path: ["spec", "completionMode"]] == "NonIndexed")
        #expect(j[path: ["spec", "suspend"]] == false && j[path: ["spec", "manualSelector"]] == false)
        #expect(j[path: ["spec", "podReplacementPolicy"]] == "TerminatingOrFailed")
        #expect(j[path: ["spec", "selector", "matchLabels", "batch.kubernetes.io/controller-uid"]] == "u-1")
        let labels = j[path: ["spec", "template", "metadata", "labels"]]
        #expect(labels?["batch.kubernetes.io/job-name"] == "pi" && labels?["job-name"] == "pi" && labels?["controller-uid"] == "u-1")
        #expect(errors("Job", Self.job()).isEmpty)
        // completions alone keeps parallelism 1; a pod failure policy replaces only failed pods.
        var k = Self.job(["completions": 5, "podFailurePolicy": ["rules": [["action": "Ignore", "onPodConditions": [["type": "DisruptionTarget"]]]]]])
        Defaulter().apply(kind: "Job", to: &k)
        #expect(k[path: ["spec", "parallelism"]] == 1 && k[path: ["spec", "podReplacementPolicy"]] == "Failed")
        #expect(k[path: ["spec", "podFailurePolicy", "rules"]]?.arrayValue?.first?["onPodConditions"]?.arrayValue?.first?["status"] == "True")
    }

    @Test func jobFieldErrors() {
        #expect(errors("Job", Self.job(["completions": -1])).contains("spec.completions: Invalid value: -1: must be greater than or equal to 0"))
        #expect(errors("Job", Self.job(["parallelism": -2])).contains("spec.parallelism: Invalid value: -2: must be greater than or equal to 0"))
        #expect(errors("Job", Self.job(["backoffLimit": -1])).contains("spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"))
        #expect(errors("Job", Self.job(["completionMode": "Indexed", "parallelism": 2])).contains("spec.completions: Required value: when completion mode is Indexed"))
        #expect(errors("Job", Self.job(["completionMode": "Other", "completions": 1]))
            .contains("spec.completionMode: Unsupported value: \"Other\": supported values: \"NonIndexed\", \"Indexed\""))
        let always: JSONValue = ["template": ["spec": ["containers": [["name": "main", "image": "busybox:1"]]]]]
        #expect(errors("Job", Self.job(always)).contains("spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""))
        #expect(errors("Job", Self.job(["maxFailedIndexes": 1, "completionMode": "Indexed", "completions": 2]))
            .contains("spec.backoffLimitPerIndex: Required value: when maxFailedIndexes is specified"))
        let inZero: JSONValue = ["podFailurePolicy": ["rules": [["action": "FailJob", "onExitCodes": ["operator": "In", "values": [0, 2, 1]]]]]]
        let e = errors("Job", Self.job(inZero))
        #expect(e.contains("spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator"))
        #expect(e.contains("spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Invalid value: 1: must be ordered"))
    }

    @Test func jobUpdates() {
        var created = Self.job(["completions": 2])
        created.set(path: ["metadata", "uid"], to: "u-1")
        Defaulter.generateJobSelector(&created)
        Defaulter().apply(kind: "Job", to: &created)
        var changed = created
        changed.set(path: ["spec", "completions"], to: 3)
        #expect(errors("Job", changed, old: created).contains("spec.completions: Invalid value: 3: field is immutable"))
        var image = created
        image.set(path: ["spec", "template", "spec", "containers"], to: [["name": "main", "image": "busybox:2"]])
        #expect(errors("Job", image, old: created).contains { $0.hasPrefix("spec.template: Invalid value") && $0.hasSuffix("field is immutable") })
        var parallel = created
        parallel.set(path: ["spec", "parallelism"], to: 5)
        #expect(errors("Job", parallel, old: created).isEmpty)
    }

    @Test func cronJobDefaultsAndErrors() {
        var c = Self.cronJob("*/5 * * * *")
        Defaulter().apply(kind: "CronJob", to: &c)
        #expect(c[path: ["spec", "concurrencyPolicy"]] == "Allow" && c[path: ["spec", "suspend"]] == false)
        #expect(c[path: ["spec", "successfulJobsHistoryLimit"]] == 3 && c[path: ["spec", "failedJobsHistoryLimit"]] == 1)
        #expect(errors("CronJob", Self.cronJob("*/5 * * * *")).isEmpty)
        #expect(errors("CronJob", Self.cronJob("@hourly", ["timeZone": "America/New_York"])).isEmpty)
        #expect(errors("CronJob", Self.cronJob("61 * * * *")) == ["spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61"])
        #expect(errors("CronJob", Self.cronJob("* * *")) == ["spec.schedule: Invalid value: \"* * *\": expected exactly 5 fields, found 3: [* * *]"])
        #expect(errors("CronJob", Self.cronJob("TZ=UTC 0 * * * *"))
            == ["spec.schedule: Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"])
        #expect(errors("CronJob", Self.cronJob("@hourly", ["timeZone": "Mars/Olympus"]))
            == ["spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus"])
        #expect(errors("CronJob", Self.cronJob("@hourly", ["concurrencyPolicy": "Sometimes"]))
            == ["spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\", \"Replace\""])
        #expect(errors("CronJob", Self.cronJob("@hourly", ["startingDeadlineSeconds": -1]))
            == ["spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0"])
    }
}
