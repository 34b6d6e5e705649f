/// Validation of Deployments, ReplicaSets and DaemonSets.
public enum WorkloadValidation {
    static func describeLabels(_ l: [String: String]) -> String {
        "map[string]string{" + l.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\"\($0.value)\"" }.joined(separator: ", ") + "}"
    }

    static func describeSelector(_ s: LabelSelector?) -> String {
        guard let s else { return "nil" }
        let ml = s.matchLabels.map(describeLabels) ?? "map[string]string(nil)"
        return "v1.LabelSelector{MatchLabels:\(ml), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}"
    }

    /// Selector, template labels and pod template checks shared by all workloads.
    static func validateSelectorAndTemplate(selector: LabelSelector?, template: PodTemplateSpec?,
                                            oldSelector: LabelSelector??) -> [FieldError] {
        var errs: [FieldError] = []
        if let selector {
            if (selector.matchLabels ?? [:]).isEmpty && (selector.matchExpressions ?? []).isEmpty {
                errs.append(.invalid("spec.selector", describeSelector(selector), "empty selector is invalid for deployment"))
            }
            errs += LabelValidation.validateLabels(selector.matchLabels, field: "spec.selector.matchLabels")
            do {
                _ = try LabelRequirements(selector)
            } catch {
                errs.append(.invalid("spec.selector", describeSelector(selector), error.message))
            }
        } else {
            errs.append(.required("spec.selector"))
        }
        if let template {
            let labels = template.metadata?.labels ?? [:]
            errs += LabelValidation.validateLabels(labels, field: "spec.template.metadata.labels")
            if let selector, !selector.matches(labels) {
                errs.append(FieldError(kind: .invalid, field: "spec.template.metadata.labels", value: describeLabels(labels),
                                       detail: "`selector` does not match template `labels`"))
            }
            if let spec = template.spec {
                errs += PodValidation.validatePodSpec(spec, path: "spec.template.spec", requireRestartAlways: true)
                if !(spec.ephemeralContainers ?? []).isEmpty {
                    errs.append(.forbidden("spec.template.spec.ephemeralContainers", "ephemeral containers not allowed in pod template"))
                }
            } else {
                errs.append(.required("spec.template.spec.containers"))
            }
        } else {
            errs.append(.required("spec.template"))
        }
        if case .some(let old) = oldSelector, old != selector {
            errs.append(FieldError(kind: .invalid, field: "spec.selector", value: describeSelector(selector),
                                   detail: "field is immutable"))
        }
        return errs
    }

    static func validateReplicas(_ r: Int?) -> [FieldError] {
        if let r, r < 0 { return [.invalid("spec.replicas", int: Int64(r), "must be greater than or equal to 0")] }
        return []
    }

    static func validateIntOrPercent(_ v: IntOrString?, _ field: String) -> [FieldError] {
        switch v {
        case .int(let i)?:
            return i < 0 ? [.invalid(field, int: Int64(i), "must be greater than or equal to 0")] : []
        case .string(let s)?:
            guard s.hasSuffix("%"), let p = Int(s.dropLast()) else {
                return [.invalid(field, s, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")]
            }
            if p > 100 { return [.invalid(field, s, "must not be greater than 100%")] }
            return p < 0 ? [.invalid(field, s, "must be greater than or equal to 0")] : []
        case nil:
            return []
        }
    }

    static func isZero(_ v: IntOrString?) -> Bool {
        switch v {
        case .int(0)?, .string("0%")?, .string("0")?: return true
        default: return false
        }
    }

    /// Validates a Deployment.
    public static func validateDeployment(_ d: Deployment, old: Deployment?) -> [FieldError] {
        guard let spec = d.spec else { return [.required("spec")] }
        var errs = validateReplicas(spec.replicas)
        errs += validateSelectorAndTemplate(selector: spec.selector, template: spec.template,
                                            oldSelector: old.map { $0.spec?.selector })
        if let s = spec.strategy {
            let t = s.type ?? "RollingUpdate"
            if !["RollingUpdate", "Recreate"].contains(t) {
                errs.append(.notSupported("spec.strategy.type", t, ["Recreate", "RollingUpdate"]))
            }
            if t == "Recreate", s.rollingUpdate != nil {
                errs.append(.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"))
            }
            if let ru = s.rollingUpdate, t == "RollingUpdate" {
                errs += validateIntOrPercent(ru.maxSurge, "spec.strategy.rollingUpdate.maxSurge")
                errs += validateIntOrPercent(ru.maxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable")
                if isZero(ru.maxSurge) && isZero(ru.maxUnavailable) {
                    errs.append(.invalid("spec.strategy.rollingUpdate.maxUnavailable", ru.maxUnavailable?.description ?? "0",
                                         "may not be 0 when `maxSurge` is 0"))
                }
            }
        }
        for (f, v) in [("minReadySeconds", spec.minReadySeconds), ("revisionHistoryLimit", spec.revisionHistoryLimit)] {
            if let v, v < 0 { errs.append(.invalid("spec.\(f)", int: Int64(v), "must be greater than or equal to 0")) }
        }
        if let p = spec.progressDeadlineSeconds, p <= (spec.minReadySeconds ?? 0) {
            errs.append(.invalid("spec.progressDeadlineSeconds", int: Int64(p), "must be greater than minReadySeconds"))
        }
        return errs
    }

    /// Validates a ReplicaSet.
    public static func validateReplicaSet(_ r: ReplicaSet, old: ReplicaSet?) -> [FieldError] {
        guard let spec = r.spec else { return [.required("spec")] }
        var errs = validateReplicas(spec.replicas)
        errs += validateSelectorAndTemplate(selector: spec.selector, template: spec.template,
                                            oldSelector: old.map { $0.spec?.selector })
        return errs
    }

    /// Validates a ReplicationController as upstream's
    /// `ValidateReplicationControllerSpec`: a non-empty selector that the
    /// template's labels match, restart policy Always. Unlike a ReplicaSet's,
    /// its selector may change.
    public static func validateReplicationController(_ rc: ReplicationController) -> [FieldError] {
        guard let spec = rc.spec else { return [.required("spec")] }
        var errs = validateReplicas(spec.replicas)
        if let m = spec.minReadySeconds, m < 0 {
            errs.append(.invalid("spec.minReadySeconds", int: Int64(m), "must be greater than or equal to 0"))
        }
        let selector = spec.selector ?? [:]
        if selector.isEmpty {
            errs.append(.required("spec.selector"))
        } else {
            errs += LabelValidation.validateLabels(selector, field: "spec.selector")
        }
        var labelSelector = LabelSelector()
        labelSelector.matchLabels = selector
        errs += validateSelectorAndTemplate(selector: selector.isEmpty ? nil : labelSelector, template: spec.template, oldSelector: nil)
            .filter { $0.field != "spec.selector" && !$0.field.hasPrefix("spec.selector.") }
        return errs
    }

    /// Validates a DaemonSet.
    public static func validateDaemonSet(_ d: DaemonSet, old: DaemonSet?) -> [FieldError] {
        guard let spec = d.spec else { return [.required("spec")] }
        var errs = validateSelectorAndTemplate(selector: spec.selector, template: spec.template,
                                               oldSelector: old.map { $0.spec?.selector })
        if let s = spec.updateStrategy {
            let t = s.type ?? "RollingUpdate"
            if !["RollingUpdate", "OnDelete"].contains(t) {
                errs.append(.notSupported("spec.updateStrategy.type", t, ["OnDelete", "RollingUpdate"]))
            }
            if let ru = s.rollingUpdate {
                errs += validateIntOrPercent(ru.maxSurge, "spec.updateStrategy.rollingUpdate.maxSurge")
                errs += validateIntOrPercent(ru.maxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable")
            }
        }
        return errs
    }
}
