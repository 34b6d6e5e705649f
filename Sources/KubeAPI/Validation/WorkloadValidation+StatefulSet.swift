extension WorkloadValidation {
    /// Validates a StatefulSet as upstream's `ValidateStatefulSet` and, for
    /// an update, `ValidateStatefulSetUpdate`: only replicas, ordinals,
    /// template, updateStrategy, the claim retention policy, minReadySeconds
    /// and revisionHistoryLimit may change.
    public static func validateStatefulSet(_ s: StatefulSet, old: StatefulSet?) -> [FieldError] {
        guard let spec = s.spec else { return [.required("spec")] }
        var errs = validateStatefulSetSpec(spec)
        if let old, let oldSpec = old.spec {
            var clone = spec
            clone.replicas = oldSpec.replicas
            clone.template = oldSpec.template
            clone.updateStrategy = oldSpec.updateStrategy
            clone.minReadySeconds = oldSpec.minReadySeconds
            clone.ordinals = oldSpec.ordinals
            clone.revisionHistoryLimit = oldSpec.revisionHistoryLimit
            clone.persistentVolumeClaimRetentionPolicy = oldSpec.persistentVolumeClaimRetentionPolicy
            if clone != oldSpec {
                errs.append(.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', "
                    + "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"))
            }
        }
        return errs
    }

    /// Upstream's `ValidateStatefulSetSpec`. As upstream's, the template's
    /// pod spec is not validated here (its claim volumes come from the claim
    /// templates); each pod is validated when the controller creates it.
    static func validateStatefulSetSpec(_ spec: StatefulSetSpec) -> [FieldError] {
        var errs: [FieldError] = []
        switch spec.podManagementPolicy ?? "" {
        case "": errs.append(.required("spec.podManagementPolicy"))
        case "OrderedReady", "Parallel": break
        case let p: errs.append(.invalid("spec.podManagementPolicy", p, "must be 'OrderedReady' or 'Parallel'"))
        }
        let strategy = spec.updateStrategy
        switch strategy?.type ?? "" {
        case "": errs.append(.required("spec.updateStrategy"))
        case "OnDelete":
            if strategy?.rollingUpdate != nil {
                errs.append(FieldError(kind: .invalid, field: "spec.updateStrategy.rollingUpdate", value: "{}",
                                       detail: "only allowed for updateStrategy 'RollingUpdate'"))
            }
        case "RollingUpdate":
            if let ru = strategy?.rollingUpdate {
                let path = "spec.updateStrategy.rollingUpdate"
                if let p = ru.partition, p < 0 {
                    errs.append(.invalid("\(path).partition", int: Int64(p), "must be greater than or equal to 0"))
                }
                if let mu = ru.maxUnavailable {
                    errs += validateIntOrPercent(mu, "\(path).maxUnavailable")
                    if isZero(mu) {
                        switch mu {
                        case .int(let i): errs.append(.invalid("\(path).maxUnavailable", int: Int64(i), "cannot be 0"))
                        case .string(let str): errs.append(.invalid("\(path).maxUnavailable", str, "cannot be 0"))
                        }
                    }
                }
            }
        case let t:
            errs.append(.invalid("spec.updateStrategy", t, "must be 'RollingUpdate' or 'OnDelete'"))
        }
        let retention = spec.persistentVolumeClaimRetentionPolicy
        for (field, value) in [("whenDeleted", retention?.whenDeleted), ("whenScaled", retention?.whenScaled)] {
            let v = value ?? ""
            if v != "Retain" && v != "Delete" {
                errs.append(.notSupported("spec.persistentVolumeClaimRetentionPolicy.\(field)", v, ["Retain", "Delete"]))
            }
        }
        errs += validateReplicas(spec.replicas)
        if let start = spec.ordinals?.start, start < 0 {
            errs.append(.invalid("spec.ordinals.start", int: Int64(start), "must be greater than or equal to 0"))
        }
        if let m = spec.minReadySeconds, m < 0 {
            errs.append(.invalid("spec.minReadySeconds", int: Int64(m), "must be greater than or equal to 0"))
        }
        if let r = spec.revisionHistoryLimit, r < 0 {
            errs.append(.invalid("spec.revisionHistoryLimit", int: Int64(r), "must be greater than or equal to 0"))
        }
        var selectorValid = false
        if let selector = spec.selector {
            errs += LabelValidation.validateLabels(selector.matchLabels, field: "spec.selector.matchLabels")
            if (selector.matchLabels ?? [:]).isEmpty && (selector.matchExpressions ?? []).isEmpty {
                errs.append(.invalid("spec.selector", describeSelector(selector), "empty selector is invalid for statefulset"))
            }
            do {
                _ = try LabelRequirements(selector)
                selectorValid = true
            } catch {
                errs.append(.invalid("spec.selector", describeSelector(selector), error.message))
            }
        } else {
            errs.append(.required("spec.selector"))
        }
        guard let template = spec.template else {
            errs.append(.required("spec.template"))
            return errs
        }
        let labels = template.metadata?.labels ?? [:]
        if selectorValid, let selector = spec.selector, !selector.matches(labels) {
            errs.append(FieldError(kind: .invalid, field: "spec.template.metadata.labels", value: describeLabels(labels),
                                   detail: "`selector` does not match template `labels`"))
        }
        errs += LabelValidation.validateLabels(labels, field: "spec.template.labels")
        errs += LabelValidation.validateAnnotations(template.metadata?.annotations, field: "spec.template.annotations")
        let restart = template.spec?.restartPolicy ?? "Always"
        if restart != "Always" {
            errs.append(.notSupported("spec.template.spec.restartPolicy", restart, ["Always"]))
        }
        if template.spec?.activeDeadlineSeconds != nil {
            errs.append(.forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported"))
        }
        return errs
    }
}

extension WorkloadValidation {
    /// Upstream's `ValidateControllerRevision(Update)`: a non-negative
    /// revision and data that never changes.
    public static func validateControllerRevision(_ r: ControllerRevision, old: ControllerRevision?) -> [FieldError] {
        var errs: [FieldError] = []
        if r.revision < 0 { errs.append(.invalid("revision", int: r.revision, "must be greater than or equal to 0")) }
        if let old, old.data != r.data {
            errs.append(FieldError(kind: .invalid, field: "data", value: "runtime.RawExtension{...}", detail: "field is immutable"))
        }
        return errs
    }
}
