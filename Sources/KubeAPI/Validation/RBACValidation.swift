/// `rbac.authorization.k8s.io` objects validated as upstream's
/// `pkg/apis/rbac/validation`: rules need verbs and either resources with
/// API groups or (cluster roles only) non-resource URLs; bindings name a
/// Role or ClusterRole that never changes, and well-formed subjects.
enum RBACValidation {
    static let group = "rbac.authorization.k8s.io"

    /// Names are path segments (`system:node` is valid), as upstream's `ValidateRBACName`.
    static func pathSegmentNameErrors(_ name: String) -> [String] {
        if name == "." || name == ".." { return ["may not be '\(name)'"] }
        for bad in ["/", "%"] where name.contains(bad) { return ["may not contain '\(bad)'"] }
        return []
    }

    static func validateRule(_ r: PolicyRule, namespaced: Bool, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if r.verbs.isEmpty { errs.append(.required("\(path).verbs", "verbs must contain at least one value")) }
        let urls = r.nonResourceURLs ?? []
        if !urls.isEmpty {
            if namespaced {
                errs.append(.invalid("\(path).nonResourceURLs", urls.joined(separator: ","), "namespaced rules cannot apply to non-resource URLs"))
            }
            if !(r.apiGroups ?? []).isEmpty || !(r.resources ?? []).isEmpty {
                errs.append(.invalid("\(path).nonResourceURLs", urls.joined(separator: ","), "rules cannot apply to both regular resources and non-resource URLs"))
            }
            return errs
        }
        if (r.apiGroups ?? []).isEmpty { errs.append(.required("\(path).apiGroups", "resource rules must supply at least one api group")) }
        if (r.resources ?? []).isEmpty { errs.append(.required("\(path).resources", "resource rules must supply at least one resource")) }
        return errs
    }

    static func validateRules(_ rules: [PolicyRule]?, namespaced: Bool) -> [FieldError] {
        (rules ?? []).enumerated().flatMap { validateRule($0.element, namespaced: namespaced, path: "rules[\($0.offset)]") }
    }

    static func validateClusterRole(_ r: ClusterRole) -> [FieldError] {
        var errs = validateRules(r.rules, namespaced: false)
        if let agg = r.aggregationRule, (agg.clusterRoleSelectors ?? []).isEmpty {
            errs.append(.required("aggregationRule.clusterRoleSelectors", "at least one clusterRoleSelector required if aggregationRule is non-nil"))
        }
        return errs
    }

    static func validateBinding(roleRef: RoleRef, subjects: [RBACSubject]?, namespaced: Bool, oldRoleRef: RoleRef?) -> [FieldError] {
        var errs: [FieldError] = []
        if roleRef.apiGroup != group { errs.append(.notSupported("roleRef.apiGroup", roleRef.apiGroup, [group])) }
        let kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"]
        if !kinds.contains(roleRef.kind) { errs.append(.notSupported("roleRef.kind", roleRef.kind, kinds)) }
        if roleRef.name.isEmpty {
            errs.append(.required("roleRef.name"))
        } else {
            for e in pathSegmentNameErrors(roleRef.name) { errs.append(.invalid("roleRef.name", roleRef.name, e)) }
        }
        for (i, s) in (subjects ?? []).enumerated() {
            errs += validateSubject(s, namespaced: namespaced, path: "subjects[\(i)]")
        }
        if let oldRoleRef, oldRoleRef != roleRef {
            errs.append(.invalid("roleRef", "{\(roleRef.apiGroup) \(roleRef.kind) \(roleRef.name)}", "cannot change roleRef"))
        }
        return errs
    }

    static func validateSubject(_ s: RBACSubject, namespaced: Bool, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        if s.name.isEmpty { errs.append(.required("\(path).name")) }
        switch s.kind {
        case "ServiceAccount":
            if let g = s.apiGroup, !g.isEmpty { errs.append(.notSupported("\(path).apiGroup", g, [""])) }
            if !s.name.isEmpty {
                for e in LabelValidation.dns1123SubdomainErrors(s.name) { errs.append(.invalid("\(path).name", s.name, e)) }
            }
            if !namespaced && (s.namespace ?? "").isEmpty { errs.append(.required("\(path).namespace")) }
        case "User", "Group":
            if s.apiGroup != group { errs.append(.notSupported("\(path).apiGroup", s.apiGroup ?? "", [group])) }
        default:
            errs.append(.notSupported("\(path).kind", s.kind, ["ServiceAccount", "User", "Group"]))
        }
        return errs
    }
}
