/// `policy/v1` objects validated as upstream's `ValidatePodDisruptionBudget`
/// and `ValidatePodDisruptionBudgetStatusUpdate`, with their paths and messages.
public enum PolicyValidation {
    /// Validates a budget's spec (creates and updates alike: v1 lets the spec change) and its status counts.
    public static func validatePodDisruptionBudget(_ pdb: PodDisruptionBudget) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = pdb.spec ?? PodDisruptionBudgetSpec()
        if spec.minAvailable != nil && spec.maxUnavailable != nil {
            errs.append(FieldError(kind: .invalid, field: "spec", value: describe(spec), detail: "minAvailable and maxUnavailable cannot be both set"))
        }
        errs += WorkloadValidation.validateIntOrPercent(spec.minAvailable, "spec.minAvailable")
        errs += WorkloadValidation.validateIntOrPercent(spec.maxUnavailable, "spec.maxUnavailable")
        if let selector = spec.selector {
            errs += LabelValidation.validateLabels(selector.matchLabels, field: "spec.selector.matchLabels")
            do {
                _ = try LabelRequirements(selector)
            } catch {
                errs.append(.invalid("spec.selector", WorkloadValidation.describeSelector(selector), error.message))
            }
        }
        if let p = spec.unhealthyPodEvictionPolicy, !PodDisruptionBudgetSpec.unhealthyPodEvictionPolicies.contains(p) {
            errs.append(.notSupported("spec.unhealthyPodEvictionPolicy", p, PodDisruptionBudgetSpec.unhealthyPodEvictionPolicies))
        }
        if let status = pdb.status {
            for (field, value) in [("disruptionsAllowed", status.disruptionsAllowed), ("currentHealthy", status.currentHealthy),
                                   ("desiredHealthy", status.desiredHealthy), ("expectedPods", status.expectedPods)] where value < 0 {
                errs.append(.invalid("status.\(field)", int: Int64(value), "must be greater than or equal to 0"))
            }
        }
        return errs
    }

    /// The spec as upstream's error prints it (Go's `%#v` of the internal type, abridged).
    static func describe(_ spec: PodDisruptionBudgetSpec) -> String {
        func ios(_ v: IntOrString?) -> String {
            switch v {
            case .int(let i)?: return "&intstr.IntOrString{Type:0, IntVal:\(i), StrVal:\"\"}"
            case .string(let s)?: return "&intstr.IntOrString{Type:1, IntVal:0, StrVal:\"\(s)\"}"
            case nil: return "(*intstr.IntOrString)(nil)"
            }
        }
        let policy = spec.unhealthyPodEvictionPolicy.map { "\"\($0)\"" } ?? "nil"
        return "policy.PodDisruptionBudgetSpec{MinAvailable:\(ios(spec.minAvailable)), Selector:\(WorkloadValidation.describeSelector(spec.selector)), "
            + "MaxUnavailable:\(ios(spec.maxUnavailable)), UnhealthyPodEvictionPolicy:\(policy)}"
    }
}
