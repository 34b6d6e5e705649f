/// Validation of horizontal pod autoscalers, with upstream's field paths and
/// messages (`pkg/apis/autoscaling/validation`), in the v2 (storage) form a
/// v1 object is converted to. One check is ours: a target whose resource
/// is served here without a `scale` subresource is refused at once,
/// instead of the controller failing on it forever.
public enum AutoscalingValidation {
    static let metricTypes = ["ContainerResource", "External", "Object", "Pods", "Resource"]
    static let selectPolicies = ["Disabled", "Max", "Min"]
    static let policyTypes = ["Percent", "Pods"]
    static let maxPeriodSeconds = 1800
    static let maxStabilizationWindowSeconds = 3600

    /// Errors of a whole autoscaler.
    public static func validate(_ h: HorizontalPodAutoscaler) -> [FieldError] {
        guard let spec = h.spec else { return [.required("spec")] }
        var errs: [FieldError] = []
        let minReplicas = spec.minReplicas ?? 1
        if minReplicas < 1 {
            errs.append(.invalid("spec.minReplicas", int: Int64(minReplicas), "must be greater than or equal to 1"))
        }
        if spec.maxReplicas < 1 {
            errs.append(.invalid("spec.maxReplicas", int: Int64(spec.maxReplicas), "must be greater than 0"))
        }
        if spec.maxReplicas < minReplicas {
            errs.append(.invalid("spec.maxReplicas", int: Int64(spec.maxReplicas), "must be greater than or equal to `minReplicas`"))
        }
        errs += validateScaleTarget(spec.scaleTargetRef, "spec.scaleTargetRef")
        for (i, m) in (spec.metrics ?? []).enumerated() { errs += validateMetric(m, "spec.metrics[\(i)]") }
        if let b = spec.behavior {
            if let up = b.scaleUp { errs += validateRules(up, "spec.behavior.scaleUp") }
            if let down = b.scaleDown { errs += validateRules(down, "spec.behavior.scaleDown") }
        }
        return errs
    }

    static func validateScaleTarget(_ ref: CrossVersionObjectReference, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if ref.kind.isEmpty {
            errs.append(.required(path + ".kind"))
        } else if ref.kind.contains("/") || ref.kind.contains("%") || [".", ".."].contains(ref.kind) {
            errs.append(.invalid(path + ".kind", ref.kind, "may not contain '/'"))
        }
        if ref.name.isEmpty {
            errs.append(.required(path + ".name"))
        } else if ref.name.contains("/") || ref.name.contains("%") || [".", ".."].contains(ref.name) {
            errs.append(.invalid(path + ".name", ref.name, "may not contain '/'"))
        }
        guard !ref.kind.isEmpty else { return errs }
        // A kind served here but never with `scale` (a custom kind is left to the controller).
        let served = ResourceCatalog.all.contains { r in r.kind == ref.kind && (ref.apiVersion.map { r.apiVersion == $0 } ?? true) }
        if served, ResourceCatalog.scalable(kind: ref.kind, apiVersion: ref.apiVersion) == nil {
            errs.append(.invalid(path + ".kind", ref.kind,
                                 "\(ref.kind) has no scale subresource; scalable kinds: \(ResourceCatalog.scalableKinds.joined(separator: ", "))"))
        }
        return errs
    }

    static func validateMetric(_ m: MetricSpec, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        let sources: [(String, Bool)] = [("object", m.object != nil), ("pods", m.pods != nil), ("resource", m.resource != nil),
                                         ("containerResource", m.containerResource != nil), ("external", m.external != nil)]
        let set = sources.filter(\.1).map(\.0)
        guard metricTypes.contains(m.type) else {
            if m.type.isEmpty { return [.required(path + ".type", "must specify a metric source type")] }
            return [.notSupported(path + ".type", m.type, metricTypes)]
        }
        let expected = m.type.prefix(1).lowercased() + m.type.dropFirst()
        if !set.contains(expected) {
            errs.append(.required(path + ".\(expected)", "must populate information for the given metric source"))
        }
        for other in set where other != expected {
            errs.append(.forbidden(path + ".\(other)", "must populate the given metric source only"))
        }
        switch m.type {
        case "Resource":
            if let r = m.resource {
                if r.name.isEmpty { errs.append(.required(path + ".resource.name", "must specify a resource name")) }
                errs += validateTarget(r.target, path + ".resource.target", resource: true)
            }
        case "ContainerResource":
            if let r = m.containerResource {
                if r.name.isEmpty { errs.append(.required(path + ".containerResource.name", "must specify a resource name")) }
                if r.container.isEmpty { errs.append(.required(path + ".containerResource.container", "must specify a container")) }
                errs += validateTarget(r.target, path + ".containerResource.target", resource: true)
            }
        case "Pods":
            if let p = m.pods {
                if p.metric.name.isEmpty { errs.append(.required(path + ".pods.metric.name", "must specify a metric name")) }
                if p.target.type != "AverageValue" {
                    errs.append(.invalid(path + ".pods.target.type", p.target.type, "must be AverageValue"))
                }
                errs += validateTarget(p.target, path + ".pods.target", resource: false)
            }
        case "Object":
            if let o = m.object {
                if o.metric.name.isEmpty { errs.append(.required(path + ".object.metric.name", "must specify a metric name")) }
                errs += validateScaleNameKind(o.describedObject, path + ".object.describedObject")
                errs += validateTarget(o.target, path + ".object.target", resource: false)
            }
        case "External":
            if let e = m.external {
                if e.metric.name.isEmpty { errs.append(.required(path + ".external.metric.name", "must specify a metric name")) }
                errs += validateTarget(e.target, path + ".external.target", resource: false)
            }
        default: break
        }
        return errs
    }

    static func validateScaleNameKind(_ ref: CrossVersionObjectReference, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if ref.kind.isEmpty { errs.append(.required(path + ".kind")) }
        if ref.name.isEmpty { errs.append(.required(path + ".name")) }
        return errs
    }

    static func validateTarget(_ t: MetricTarget, _ path: String, resource: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        switch t.type {
        case "Utilization", "Value", "AverageValue": break
        case "": errs.append(.required(path + ".type", "must specify a metric target type"))
        default: errs.append(.invalid(path + ".type", t.type, "must be either Utilization, Value, or AverageValue"))
        }
        if let v = t.value, v.doubleValue <= 0 { errs.append(.invalid(path + ".value", v.text, "must be positive")) }
        if let v = t.averageValue, v.doubleValue <= 0 { errs.append(.invalid(path + ".averageValue", v.text, "must be positive")) }
        if let u = t.averageUtilization, u < 1 {
            errs.append(.invalid(path + ".averageUtilization", int: Int64(u), "must be greater than 0"))
        }
        switch t.type {
        case "Utilization" where t.averageUtilization == nil:
            errs.append(.required(path + ".averageUtilization", "must set either a target raw value or a target utilization"))
        case "Utilization" where !resource:
            errs.append(.invalid(path + ".type", t.type, "must be either Value or AverageValue"))
        case "AverageValue" where t.averageValue == nil:
            errs.append(.required(path + ".averageValue", "must set either a target value for metric or a per-pod target"))
        case "Value" where t.value == nil:
            errs.append(.required(path + ".value", "must set either a target value for metric or a per-pod target"))
        case "Value" where resource:
            errs.append(.invalid(path + ".type", t.type, "must be either Utilization or AverageValue"))
        default: break
        }
        return errs
    }

    static func validateRules(_ r: HPAScalingRules, _ path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if let w = r.stabilizationWindowSeconds {
            if w < 0 { errs.append(.invalid(path + ".stabilizationWindowSeconds", int: Int64(w), "must be greater than or equal to zero")) }
            if w > maxStabilizationWindowSeconds {
                errs.append(.invalid(path + ".stabilizationWindowSeconds", int: Int64(w),
                                     "must be less than or equal to \(maxStabilizationWindowSeconds)"))
            }
        }
        if let p = r.selectPolicy, !selectPolicies.contains(p) {
            errs.append(.notSupported(path + ".selectPolicy", p, selectPolicies))
        }
        let policies = r.policies ?? []
        if policies.isEmpty && r.selectPolicy != "Disabled" {
            errs.append(.required(path + ".policies", "must specify at least one Policy"))
        }
        for (i, p) in policies.enumerated() {
            let pp = path + ".policies[\(i)]"
            if !policyTypes.contains(p.type) { errs.append(.notSupported(pp + ".type", p.type, policyTypes)) }
            if p.value <= 0 { errs.append(.invalid(pp + ".value", int: Int64(p.value), "must be greater than zero")) }
            if p.periodSeconds <= 0 {
                errs.append(.invalid(pp + ".periodSeconds", int: Int64(p.periodSeconds), "must be greater than zero"))
            } else if p.periodSeconds > maxPeriodSeconds {
                errs.append(.invalid(pp + ".periodSeconds", int: Int64(p.periodSeconds), "must be less than or equal to \(maxPeriodSeconds)"))
            }
        }
        return errs
    }
}
