/// `scheduling.k8s.io` objects validated as upstream's `ValidatePriorityClass`
/// and `ValidatePriorityClassUpdate`.
enum SchedulingValidation {
    static func validatePriorityClass(_ pc: PriorityClass, old: PriorityClass?) -> [FieldError] {
        var errs: [FieldError] = []
        let name = pc.metadata.name ?? ""
        if name.hasPrefix("system-") {
            // Only the system classes themselves, as they are.
            if let system = PriorityClass.systemClasses.first(where: { $0.name == name }) {
                if pc.value != system.value {
                    errs.append(.forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for system use only. error: value of \(name) PriorityClass must be \(system.value)"))
                }
            } else {
                errs.append(.forbidden("metadata.name", "priority class names with 'system-' prefix are reserved for system use only. error: \(name) is not a known system priority class"))
            }
        } else if pc.value > PriorityClass.highestUserDefinablePriority {
            errs.append(.forbidden("value", "maximum allowed value of a user defined priority is \(PriorityClass.highestUserDefinablePriority)"))
        }
        if let p = pc.preemptionPolicy, !["PreemptLowerPriority", "Never"].contains(p) {
            errs.append(.notSupported("preemptionPolicy", p, ["Never", "PreemptLowerPriority"]))
        }
        if let old {
            if pc.value != old.value { errs.append(.forbidden("value", "may not be changed in an update.")) }
            if pc.preemptionPolicy != old.preemptionPolicy { errs.append(.invalid("preemptionPolicy", pc.preemptionPolicy ?? "", "field is immutable")) }
        }
        return errs
    }
}
