/// ResourceQuota and LimitRange validated as upstream's `ValidateResourceQuota`
/// and `ValidateLimitRange`.
enum QuotaValidation {
    static let scopes = ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"]
    static let limitTypes = ["Pod", "Container", "PersistentVolumeClaim"]

    static func validateResourceList(_ list: ResourceList?, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (k, q) in (list ?? [:]).sorted(by: { $0.key < $1.key }) {
            if !q.isValid {
                errs.append(.invalid("\(path)[\(k)]", q.text, "quantities must match the regular expression '\(Quantity.pattern)'"))
            } else if (q.decimal ?? 0) < 0 {
                errs.append(.invalid("\(path)[\(k)]", q.text, "must be greater than or equal to 0"))
            }
        }
        return errs
    }

    /// Quota names without a domain that quotas understand (upstream's standard quota resources).
    static let standardQuotaNames: Set<String> = [
        "pods", "services", "replicationcontrollers", "resourcequotas", "secrets", "configmaps", "persistentvolumeclaims",
        "services.nodeports", "services.loadbalancers", "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory",
        "requests.storage", "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage",
    ]

    static func isStandardQuotaName(_ name: String) -> Bool {
        if name.contains("/") || standardQuotaNames.contains(name) { return true }
        let base = name.hasPrefix("requests.") ? String(name.dropFirst(9)) : name.hasPrefix("limits.") ? String(name.dropFirst(7)) : name
        return base.hasPrefix("hugepages-")
    }

    static func validateResourceQuota(_ q: ResourceQuota) -> [FieldError] {
        var errs: [FieldError] = []
        for k in (q.spec?.hard ?? [:]).keys.sorted() where !isStandardQuotaName(k) {
            errs.append(.invalid("spec.hard[\(k)]", k, "must be a standard resource for quota"))
        }
        errs += validateResourceList(q.spec?.hard, path: "spec.hard")
        errs += validateResourceList(q.status?.hard, path: "status.hard")
        errs += validateResourceList(q.status?.used, path: "status.used")
        for (i, s) in (q.spec?.scopes ?? []).enumerated() where !scopes.contains(s) {
            errs.append(.notSupported("spec.scopes[\(i)]", s, scopes))
        }
        for (i, e) in (q.spec?.scopeSelector?.matchExpressions ?? []).enumerated() {
            if !scopes.contains(e.scopeName) {
                errs.append(.notSupported("spec.scopeSelector.matchExpressions[\(i)].scopeName", e.scopeName, scopes))
            }
            if !["In", "NotIn", "Exists", "DoesNotExist"].contains(e.operator) {
                errs.append(.notSupported("spec.scopeSelector.matchExpressions[\(i)].operator", e.operator, ["DoesNotExist", "Exists", "In", "NotIn"]))
            }
        }
        return errs
    }

    static func validateLimitRange(_ lr: LimitRange) -> [FieldError] {
        var errs: [FieldError] = []
        var seen = Set<String>()
        for (i, item) in (lr.spec?.limits ?? []).enumerated() {
            let path = "spec.limits[\(i)]"
            if !limitTypes.contains(item.type) {
                errs.append(.notSupported("\(path).type", item.type, limitTypes))
            }
            if !seen.insert(item.type).inserted {
                errs.append(.duplicate("\(path).type", item.type))
            }
            for (name, list) in [("max", item.max), ("min", item.min), ("default", item.default), ("defaultRequest", item.defaultRequest),
                                 ("maxLimitRequestRatio", item.maxLimitRequestRatio)] {
                errs += validateResourceList(list, path: "\(path).\(name)")
            }
            if item.type == "Pod" {
                if item.default != nil { errs.append(.forbidden("\(path).default", "may not be specified when `type` is 'Pod'")) }
                if item.defaultRequest != nil { errs.append(.forbidden("\(path).defaultRequest", "may not be specified when `type` is 'Pod'")) }
            }
            if item.type == "PersistentVolumeClaim", item.min?["storage"] == nil, item.max?["storage"] == nil {
                errs.append(.required("\(path).limits", "either minimum or maximum storage value is required, but neither was provided"))
            }
            let keys = Set([item.max, item.min, item.default, item.defaultRequest].flatMap { ($0 ?? [:]).keys })
            for k in keys.sorted() {
                let mn = item.min?[k]?.decimal, mx = item.max?[k]?.decimal
                let dl = item.default?[k]?.decimal, dr = item.defaultRequest?[k]?.decimal
                let text = { (l: ResourceList?) in l?[k]?.text ?? "" }
                if let mn, let mx, mn > mx {
                    errs.append(.invalid("\(path).min[\(k)]", text(item.min), "min value \(text(item.min)) is greater than max value \(text(item.max))"))
                }
                if let dr, let mx, dr > mx {
                    errs.append(.invalid("\(path).defaultRequest[\(k)]", text(item.defaultRequest), "default request value \(text(item.defaultRequest)) is greater than max value \(text(item.max))"))
                }
                if let dr, let dl, dr > dl {
                    errs.append(.invalid("\(path).defaultRequest[\(k)]", text(item.defaultRequest), "default request value \(text(item.defaultRequest)) is greater than default limit value \(text(item.default))"))
                }
                if let mn, let dr, mn > dr {
                    errs.append(.invalid("\(path).defaultRequest[\(k)]", text(item.defaultRequest), "min value \(text(item.min)) is greater than default request value \(text(item.defaultRequest))"))
                }
                if let dl, let mx, dl > mx {
                    errs.append(.invalid("\(path).default[\(k)]", text(item.default), "default value \(text(item.default)) is greater than max value \(text(item.max))"))
                }
                if let mn, let dl, mn > dl {
                    errs.append(.invalid("\(path).default[\(k)]", text(item.default), "min value \(text(item.min)) is greater than default value \(text(item.default))"))
                }
            }
            for (k, r) in (item.maxLimitRequestRatio ?? [:]).sorted(by: { $0.key < $1.key }) where (r.decimal ?? 1) < 1 {
                errs.append(.invalid("\(path).maxLimitRequestRatio[\(k)]", r.text, "ratio \(r.text) is less than 1"))
            }
        }
        return errs
    }
}
