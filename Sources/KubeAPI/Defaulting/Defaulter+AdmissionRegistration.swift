extension Defaulter {
    /// Upstream's v1 defaults for a webhook configuration: `failurePolicy: Fail`,
    /// `matchPolicy: Equivalent`, empty (match-all) namespace and object selectors,
    /// `timeoutSeconds: 10`, a rule's `scope: "*"`, a Service's port 443, and for
    /// mutating webhooks `reinvocationPolicy: Never`.
    func defaultWebhookConfiguration(_ obj: inout JSONValue, mutating: Bool) {
        guard var hooks = obj["webhooks"]?.arrayValue else { return }
        for i in hooks.indices {
            var w = hooks[i]
            guard w.objectValue != nil else { continue }
            setIfMissing(&w, "failurePolicy", "Fail")
            setIfMissing(&w, "matchPolicy", "Equivalent")
            setIfMissing(&w, "namespaceSelector", .emptyObject)
            setIfMissing(&w, "objectSelector", .emptyObject)
            setIfMissing(&w, "timeoutSeconds", 10)
            if mutating { setIfMissing(&w, "reinvocationPolicy", "Never") }
            if var rules = w["rules"]?.arrayValue {
                for j in rules.indices where rules[j].objectValue != nil { setIfMissing(&rules[j], "scope", "*") }
                w["rules"] = .array(rules)
            }
            if w[path: ["clientConfig", "service"]]?.objectValue != nil, w[path: ["clientConfig", "service", "port"]] == nil {
                w.set(path: ["clientConfig", "service", "port"], to: 443)
            }
            hooks[i] = w
        }
        obj["webhooks"] = .array(hooks)
    }
}

extension Defaulter {
    /// Upstream's v1 defaults for a ValidatingAdmissionPolicy (`failurePolicy: Fail`) and
    /// the match resources of a policy or binding (`matchPolicy: Equivalent`, empty
    /// selectors, rules of `scope: "*"`); a binding's `paramRef` gets
    /// `parameterNotFoundAction: Deny`.
    func defaultAdmissionPolicy(_ obj: inout JSONValue, binding: Bool) {
        var spec = obj["spec"] ?? .emptyObject
        guard spec.objectValue != nil else { return }
        if !binding { setIfMissing(&spec, "failurePolicy", "Fail") }
        let field = binding ? "matchResources" : "matchConstraints"
        if var m = spec[field], m.objectValue != nil {
            setIfMissing(&m, "matchPolicy", "Equivalent")
            setIfMissing(&m, "namespaceSelector", .emptyObject)
            setIfMissing(&m, "objectSelector", .emptyObject)
            for key in ["resourceRules", "excludeResourceRules"] {
                guard var rules = m[key]?.arrayValue else { continue }
                for j in rules.indices where rules[j].objectValue != nil { setIfMissing(&rules[j], "scope", "*") }
                m[key] = .array(rules)
            }
            spec[field] = m
        }
        if binding, var ref = spec["paramRef"], ref.objectValue != nil {
            setIfMissing(&ref, "parameterNotFoundAction", "Deny")
            spec["paramRef"] = ref
        }
        obj["spec"] = spec
    }
}
