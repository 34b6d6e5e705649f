/// Defaults of `batch/v1` Jobs and CronJobs (upstream's `SetDefaults_Job`,
/// `SetDefaults_CronJob`) and the Job selector the API server generates.
extension Defaulter {
    private static func fill(_ obj: inout JSONValue, _ key: String, _ value: JSONValue) {
        if obj[key] == nil || obj[key]?.isNull == true { obj[key] = value }
    }

    /// A Job's labels default to its template's.
    private static func copyTemplateLabels(_ obj: inout JSONValue) {
        let labels = obj[path: ["metadata", "labels"]]?.objectValue ?? [:]
        if labels.isEmpty, let t = obj[path: ["spec", "template", "metadata", "labels"]], !(t.objectValue ?? [:]).isEmpty {
            obj.set(path: ["metadata", "labels"], to: t)
        }
    }

    /// Upstream's `generateSelector` (the Job strategy's PrepareForCreate):
    /// unless `manualSelector` is true, the template gets the
    /// `batch.kubernetes.io/controller-uid` and `batch.kubernetes.io/job-name`
    /// labels (and their legacy unprefixed forms), and an absent selector
    /// becomes one on the controller UID. Needs `metadata.uid`.
    public static func generateJobSelector(_ obj: inout JSONValue) {
        copyTemplateLabels(&obj)
        if obj[path: ["spec", "manualSelector"]]?.boolValue == true { return }
        let uid = obj[path: ["metadata", "uid"]]?.stringValue ?? ""
        let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
        var labels = obj[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? [:]
        for (k, v) in [(Job.controllerUIDLabel, uid), (Job.legacyControllerUIDLabel, uid),
                       (Job.jobNameLabel, name), (Job.legacyJobNameLabel, name)] where labels[k] == nil {
            labels[k] = .string(v)
        }
        obj.set(path: ["spec", "template", "metadata", "labels"], to: .object(labels))
        if obj[path: ["spec", "selector"]] == nil || obj[path: ["spec", "selector"]]?.isNull == true {
            obj.set(path: ["spec", "selector"], to: ["matchLabels": [Job.controllerUIDLabel: .string(uid)]])
        }
    }

    func defaultJob(_ obj: inout JSONValue) {
        Self.copyTemplateLabels(&obj)
        var spec = obj["spec"] ?? .emptyObject
        Self.defaultJobSpec(&spec, isTemplate: false)
        if var template = spec["template"] {
            var podSpec = template["spec"] ?? .emptyObject
            defaultPodSpec(&podSpec, admission: false)
            template["spec"] = podSpec
            spec["template"] = template
        }
        obj["spec"] = spec
    }

    static func defaultJobSpec(_ spec: inout JSONValue, isTemplate: Bool) {
        if spec["completions"] == nil && spec["parallelism"] == nil {
            spec["completions"] = 1
            spec["parallelism"] = 1
        }
        fill(&spec, "parallelism", 1)
        fill(&spec, "backoffLimit", spec["backoffLimitPerIndex"] != nil ? .int(Int64(Int32.max)) : 6)
        fill(&spec, "completionMode", "NonIndexed")
        fill(&spec, "suspend", false)
        if case .array(var rules) = spec[path: ["podFailurePolicy", "rules"]] ?? .null {
            for i in rules.indices {
                guard case .array(var patterns) = rules[i]["onPodConditions"] ?? .null else { continue }
                for j in patterns.indices { fill(&patterns[j], "status", "True") }
                rules[i]["onPodConditions"] = .array(patterns)
            }
            spec.set(path: ["podFailurePolicy", "rules"], to: .array(rules))
        }
        fill(&spec, "podReplacementPolicy", spec["podFailurePolicy"] != nil ? "Failed" : "TerminatingOrFailed")
        if !isTemplate { fill(&spec, "manualSelector", false) }
    }

    func defaultCronJob(_ obj: inout JSONValue) {
        var spec = obj["spec"] ?? .emptyObject
        Self.fill(&spec, "concurrencyPolicy", "Allow")
        Self.fill(&spec, "suspend", false)
        Self.fill(&spec, "successfulJobsHistoryLimit", 3)
        Self.fill(&spec, "failedJobsHistoryLimit", 1)
        if var podSpec = spec[path: ["jobTemplate", "spec", "template", "spec"]] {
            defaultPodSpec(&podSpec, admission: false)
            spec.set(path: ["jobTemplate", "spec", "template", "spec"], to: podSpec)
        }
        obj["spec"] = spec
    }
}
