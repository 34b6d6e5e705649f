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
