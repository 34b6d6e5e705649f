/// `batch/v1` Jobs and CronJobs validated as upstream's `ValidateJob`,
/// `ValidateJobUpdate` and `ValidateCronJob` (field paths and wording).
public enum BatchValidation {
    static let maxParallelismForIndexedJob = 100_000
    static let maxFailedIndexesForIndexedJob = 100_000
    static let maxPodFailurePolicyRules = 20
    static let maxExitCodes = 255

    static func nonNegative(_ v: Int64?, _ field: String) -> [FieldError] {
        if let v, v < 0 { return [.invalid(field, int: v, "must be greater than or equal to 0")] }
        return []
    }

    /// Validates a Job; `old` for an update.
    public static func validateJob(_ job: Job, old: Job?) -> [FieldError] {
        guard let spec = job.spec else { return [.required("spec")] }
        var errs: [FieldError] = []
        if spec.manualSelector != true, let selector = spec.selector {
            let uid = job.metadata.uid ?? ""
            let labels = spec.template?.metadata?.labels ?? [:]
            if uid.isEmpty { errs.append(.required("metadata.uid")) }
            for (k, v) in [(Job.legacyControllerUIDLabel, uid), (Job.legacyJobNameLabel, job.metadata.name ?? "")] {
                if labels[k] == nil {
                    errs.append(.required("spec.template.metadata.labels[\(k)]", v))
                } else if labels[k] != v {
                    errs.append(.invalid("spec.template.metadata.labels[\(k)]", labels[k] ?? "", "must be '\(v)'"))
                }
            }
            let expected = [Job.controllerUIDLabel: uid, Job.jobNameLabel: job.metadata.name ?? "",
                            Job.legacyControllerUIDLabel: uid, Job.legacyJobNameLabel: job.metadata.name ?? ""]
            if !selector.matches(expected) {
                errs.append(FieldError(kind: .invalid, field: "spec.selector", value: WorkloadValidation.describeSelector(selector),
                                       detail: "`selector` not auto-generated"))
            }
        }
        errs += validateJobSpec(spec, path: "spec", isTemplate: false)
        if let selector = spec.selector {
            errs += LabelValidation.validateLabels(selector.matchLabels, field: "spec.selector.matchLabels")
            if (try? LabelRequirements(selector)) == nil {
                errs.append(.invalid("spec.selector", WorkloadValidation.describeSelector(selector), "invalid label selector"))
            } else if !selector.matches(spec.template?.metadata?.labels ?? [:]) {
                errs.append(FieldError(kind: .invalid, field: "spec.template.metadata.labels",
                                       value: WorkloadValidation.describeLabels(spec.template?.metadata?.labels ?? [:]),
                                       detail: "`selector` does not match template `labels`"))
            }
        } else {
            errs.append(.required("spec.selector"))
        }
        if let old, let oldSpec = old.spec { errs += validateJobSpecUpdate(spec, old: oldSpec, oldStatus: old.status) }
        return errs
    }

    static func validateJobSpecUpdate(_ spec: JobSpec, old: JobSpec, oldStatus: JobStatus?) -> [FieldError] {
        var errs: [FieldError] = []
        let indexed = spec.completionMode == "Indexed"
        // Elastic Indexed Jobs: completions may change together with parallelism.
        if spec.completions != old.completions && !(indexed && spec.completions != nil && spec.completions == spec.parallelism) {
            errs.append(.invalid("spec.completions", int: Int64(spec.completions ?? 0), "field is immutable"))
        }
        if spec.selector != old.selector {
            errs.append(FieldError(kind: .invalid, field: "spec.selector", value: WorkloadValidation.describeSelector(spec.selector),
                                   detail: "field is immutable"))
        }
        if spec.template != old.template {
            // A suspended Job that never started may change its scheduling directives.
            var a = spec.template, b = old.template
            let mutable = spec.suspend == true && oldStatus?.startTime == nil
            if mutable {
                a?.metadata = nil; b?.metadata = nil
                a?.spec?.nodeSelector = nil; b?.spec?.nodeSelector = nil
                a?.spec?.affinity = nil; b?.spec?.affinity = nil
                a?.spec?.tolerations = nil; b?.spec?.tolerations = nil
                a?.spec?.schedulingGates = nil; b?.spec?.schedulingGates = nil
            }
            if a != b { errs.append(.invalid("spec.template", "", "field is immutable")) }
        }
        if (spec.completionMode ?? "NonIndexed") != (old.completionMode ?? "NonIndexed") {
            errs.append(.invalid("spec.completionMode", spec.completionMode ?? "", "field is immutable"))
        }
        if spec.podFailurePolicy != old.podFailurePolicy {
            errs.append(FieldError(kind: .invalid, field: "spec.podFailurePolicy", value: "{}", detail: "field is immutable"))
        }
        if spec.backoffLimitPerIndex != old.backoffLimitPerIndex {
            errs.append(.invalid("spec.backoffLimitPerIndex", int: Int64(spec.backoffLimitPerIndex ?? 0), "field is immutable"))
        }
        if spec.successPolicy != old.successPolicy {
            errs.append(FieldError(kind: .invalid, field: "spec.successPolicy", value: "{}", detail: "field is immutable"))
        }
        if spec.managedBy != old.managedBy {
            errs.append(.invalid("spec.managedBy", spec.managedBy ?? "", "field is immutable"))
        }
        return errs
    }

    /// The checks of a Job's spec shared with a CronJob's job template.
    static func validateJobSpec(_ spec: JobSpec, path: String, isTemplate: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        errs += nonNegative(spec.parallelism.map(Int64.init), "\(path).parallelism")
        errs += nonNegative(spec.completions.map(Int64.init), "\(path).completions")
        errs += nonNegative(spec.activeDeadlineSeconds, "\(path).activeDeadlineSeconds")
        errs += nonNegative(spec.backoffLimit.map(Int64.init), "\(path).backoffLimit")
        errs += nonNegative(spec.ttlSecondsAfterFinished.map(Int64.init), "\(path).ttlSecondsAfterFinished")
        let indexed = spec.completionMode == "Indexed"
        if let b = spec.backoffLimitPerIndex {
            errs += nonNegative(Int64(b), "\(path).backoffLimitPerIndex")
            if !indexed { errs.append(.forbidden("\(path).backoffLimitPerIndex", "requires indexed completion mode")) }
        }
        if let m = spec.maxFailedIndexes {
            errs += nonNegative(Int64(m), "\(path).maxFailedIndexes")
            if spec.backoffLimitPerIndex == nil {
                errs.append(.required("\(path).backoffLimitPerIndex", "when maxFailedIndexes is specified"))
            }
        }
        if let mode = spec.completionMode {
            if mode != "NonIndexed" && mode != "Indexed" {
                errs.append(.notSupported("\(path).completionMode", mode, ["NonIndexed", "Indexed"]))
            }
            if indexed {
                if spec.completions == nil {
                    errs.append(.required("\(path).completions", "when completion mode is Indexed"))
                }
                if let p = spec.parallelism, p > maxParallelismForIndexedJob {
                    errs.append(.invalid("\(path).parallelism", int: Int64(p), "must be less than or equal to \(maxParallelismForIndexedJob) when completion mode is Indexed"))
                }
                if let c = spec.completions, let m = spec.maxFailedIndexes, m > c {
                    errs.append(.invalid("\(path).maxFailedIndexes", int: Int64(m), "must be less than or equal to completions"))
                }
                if let m = spec.maxFailedIndexes, m > maxFailedIndexesForIndexedJob {
                    errs.append(.invalid("\(path).maxFailedIndexes", int: Int64(m), "must be less than or equal to \(maxFailedIndexesForIndexedJob)"))
                }
            }
        }
        if let sp = spec.successPolicy {
            if !indexed {
                errs.append(FieldError(kind: .invalid, field: "\(path).successPolicy", value: "{}", detail: "requires indexed completion mode"))
            } else {
                errs += validateSuccessPolicy(sp, completions: spec.completions ?? 0, path: "\(path).successPolicy")
            }
        }
        let restart = spec.template?.spec?.restartPolicy ?? ""
        if let pfp = spec.podFailurePolicy {
            errs += validatePodFailurePolicy(pfp, spec: spec, path: "\(path).podFailurePolicy")
        }
        if let p = spec.podReplacementPolicy {
            let allowed = spec.podFailurePolicy != nil ? ["Failed"] : ["Failed", "TerminatingOrFailed"]
            if !allowed.contains(p) { errs.append(.notSupported("\(path).podReplacementPolicy", p, allowed)) }
        }
        if let template = spec.template {
            errs += LabelValidation.validateLabels(template.metadata?.labels, field: "\(path).template.metadata.labels")
            errs += LabelValidation.validateAnnotations(template.metadata?.annotations, field: "\(path).template.metadata.annotations")
            if let podSpec = template.spec {
                errs += PodValidation.validatePodSpec(podSpec, path: "\(path).template.spec")
            } else {
                errs.append(.required("\(path).template.spec.containers"))
            }
        } else {
            errs.append(.required("\(path).template.spec.containers"))
        }
        if (spec.podFailurePolicy != nil || spec.backoffLimitPerIndex != nil) && restart != "Never" {
            errs.append(.notSupported("\(path).template.spec.restartPolicy", restart, ["Never"]))
        } else if restart != "OnFailure" && restart != "Never" {
            errs.append(.notSupported("\(path).template.spec.restartPolicy", restart, ["OnFailure", "Never"]))
        }
        return errs
    }

    static func validatePodFailurePolicy(_ p: PodFailurePolicy, spec: JobSpec, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let rulesPath = "\(path).rules"
        if p.rules.count > maxPodFailurePolicyRules {
            errs.append(FieldError(kind: .invalid, field: rulesPath, value: nil,
                                   detail: "must have at most \(maxPodFailurePolicyRules) items"))
        }
        let containers = Set((spec.template?.spec?.containers ?? []).compactMap(\.name)
                             + (spec.template?.spec?.initContainers ?? []).compactMap(\.name))
        var actions = ["Count", "FailJob", "Ignore"]
        if spec.backoffLimitPerIndex != nil { actions.insert("FailIndex", at: 1) }
        for (i, rule) in p.rules.prefix(maxPodFailurePolicyRules).enumerated() {
            let rp = "\(rulesPath)[\(i)]"
            if rule.action == "FailIndex" && spec.backoffLimitPerIndex == nil {
                errs.append(.invalid("\(rp).action", rule.action, "requires the backoffLimitPerIndex to be set"))
            } else if !["Count", "FailIndex", "FailJob", "Ignore"].contains(rule.action) {
                errs.append(.notSupported("\(rp).action", rule.action, actions))
            }
            let hasCodes = rule.onExitCodes != nil, hasConditions = !(rule.onPodConditions ?? []).isEmpty
            if hasCodes && hasConditions {
                errs.append(FieldError(kind: .invalid, field: rp, value: nil, detail: "specifying both OnExitCodes and OnPodConditions is not supported"))
            } else if !hasCodes && !hasConditions {
                errs.append(FieldError(kind: .invalid, field: rp, value: nil, detail: "specifying one of OnExitCodes and OnPodConditions is required"))
            }
            if let req = rule.onExitCodes {
                let ep = "\(rp).onExitCodes"
                if let name = req.containerName, !containers.contains(name) {
                    errs.append(.invalid("\(ep).containerName", name, "must be one of the container or initContainer names in the pod template"))
                }
                if !["In", "NotIn"].contains(req.operator) {
                    errs.append(.notSupported("\(ep).operator", req.operator, ["In", "NotIn"]))
                }
                if req.values.isEmpty {
                    errs.append(FieldError(kind: .invalid, field: "\(ep).values", value: "[]int32{}", detail: "at least one value is required"))
                } else if req.values.count > maxExitCodes {
                    errs.append(FieldError(kind: .invalid, field: "\(ep).values", value: nil, detail: "must have at most \(maxExitCodes) items"))
                } else {
                    var seen = Set<Int32>()
                    var previous: Int32?
                    for (j, v) in req.values.enumerated() {
                        let vp = "\(ep).values[\(j)]"
                        if req.operator == "In" && v == 0 {
                            errs.append(.invalid(vp, int: Int64(v), "must not be 0 for the In operator"))
                        }
                        if !seen.insert(v).inserted {
                            errs.append(FieldError(kind: .duplicate, field: vp, value: String(v), detail: ""))
                        } else if let previous, previous > v {
                            errs.append(.invalid(vp, int: Int64(v), "must be ordered"))
                        }
                        previous = v
                    }
                }
            }
            for (j, c) in (rule.onPodConditions ?? []).enumerated() {
                let cp = "\(rp).onPodConditions[\(j)]"
                for m in LabelValidation.qualifiedNameErrors(c.type) { errs.append(.invalid("\(cp).type", c.type, m)) }
                if let s = c.status, !["True", "False", "Unknown"].contains(s) {
                    errs.append(.notSupported("\(cp).status", s, ["True", "False", "Unknown"]))
                }
            }
        }
        return errs
    }

    static func validateSuccessPolicy(_ p: SuccessPolicy, completions: Int, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let rp = "\(path).rules"
        if p.rules.isEmpty { errs.append(.required(rp, "at least one rules must be specified when the successPolicy is specified")) }
        for (i, r) in p.rules.enumerated() {
            let pp = "\(rp)[\(i)]"
            if r.succeededIndexes == nil && r.succeededCount == nil {
                errs.append(.required(pp, "at least one of succeededCount or succeededIndexes must be specified"))
            }
            var total = completions
            if let s = r.succeededIndexes {
                if let set = CompletionIndexes(parsing: s, completions: completions) {
                    total = set.count
                } else {
                    errs.append(.invalid("\(pp).succeededIndexes", s, "error parsing succeededIndexes"))
                }
            }
            if let c = r.succeededCount {
                if c < 0 { errs.append(.invalid("\(pp).succeededCount", int: Int64(c), "must be greater than or equal to 0")) }
                if c > completions {
                    errs.append(.invalid("\(pp).succeededCount", int: Int64(c), "must be less than or equal to \(completions) (the number of specified completions)"))
                } else if c > total {
                    errs.append(.invalid("\(pp).succeededCount", int: Int64(c), "must be less than or equal to \(total) (the number of indexes in the specified succeededIndexes field)"))
                }
            }
        }
        return errs
    }

    // MARK: CronJob

    /// Validates a CronJob; `old` for an update.
    public static func validateCronJob(_ cj: CronJob, old: CronJob?) -> [FieldError] {
        var errs: [FieldError] = []
        if old == nil, let name = cj.metadata.name, name.count > 52 {
            errs.append(.invalid("metadata.name", name, "must be no more than 52 characters"))
        }
        guard let spec = cj.spec else { return errs + [.required("spec")] }
        let allowTZ = old?.spec?.schedule.contains("TZ") == true
        if spec.schedule.isEmpty {
            errs.append(.required("spec.schedule"))
        } else {
            do {
                _ = try CronSchedule(parsing: spec.schedule)
            } catch {
                errs.append(.invalid("spec.schedule", spec.schedule, error.message))
            }
            if allowTZ && spec.schedule.contains("TZ") && spec.timeZone != nil {
                errs.append(.invalid("spec.schedule", spec.schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
            } else if !allowTZ && spec.schedule.contains("TZ") {
                errs.append(.invalid("spec.schedule", spec.schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
            }
        }
        errs += nonNegative(spec.startingDeadlineSeconds, "spec.startingDeadlineSeconds")
        errs += nonNegative(spec.successfulJobsHistoryLimit.map(Int64.init), "spec.successfulJobsHistoryLimit")
        errs += nonNegative(spec.failedJobsHistoryLimit.map(Int64.init), "spec.failedJobsHistoryLimit")
        switch spec.concurrencyPolicy ?? "" {
        case "Allow", "Forbid", "Replace": break
        case "": errs.append(.required("spec.concurrencyPolicy"))
        case let p: errs.append(.notSupported("spec.concurrencyPolicy", p, ["Allow", "Forbid", "Replace"]))
        }
        if let tz = spec.timeZone { errs += validateTimeZone(tz) }
        let jt = spec.jobTemplate
        errs += LabelValidation.validateLabels(jt.metadata?.labels, field: "spec.jobTemplate.metadata.labels")
        errs += LabelValidation.validateAnnotations(jt.metadata?.annotations, field: "spec.jobTemplate.metadata.annotations")
        if let js = jt.spec {
            errs += validateJobSpec(js, path: "spec.jobTemplate.spec", isTemplate: true)
            if let s = js.selector {
                errs.append(FieldError(kind: .invalid, field: "spec.jobTemplate.spec.selector", value: WorkloadValidation.describeSelector(s),
                                       detail: "`selector` will be auto-generated"))
            }
            if js.manualSelector == true {
                errs.append(FieldError(kind: .notSupported, field: "spec.jobTemplate.spec.manualSelector", value: "true",
                                       detail: "supported values: \"nil\", \"false\""))
            }
        } else {
            errs.append(.required("spec.jobTemplate.spec.template.spec.containers"))
        }
        return errs
    }

    /// Upstream's `validateTimeZone`: an explicit IANA name found in the tz database.
    static func validateTimeZone(_ tz: String) -> [FieldError] {
        if tz.isEmpty { return [.invalid("spec.timeZone", tz, "timeZone must be nil or non-empty string")] }
        if tz.lowercased() == "local" {
            return [.invalid("spec.timeZone", tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")]
        }
        if !CronTimeZones.isKnown(tz) { return [.invalid("spec.timeZone", tz, "unknown time zone \(tz)")] }
        return []
    }
}
