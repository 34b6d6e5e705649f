import KubeAPI

/// One webhook of a configuration, ready to match requests: its selectors
/// parsed and its match conditions compiled once per change of the configurations.
struct CompiledWebhook: Sendable {
    let hook: any AdmissionWebhook
    /// The configuration's name.
    let configuration: String
    let namespaceSelector: LabelRequirements
    let objectSelector: LabelRequirements
    let conditions: [(name: String, expression: CELExpr)]
    /// Whether a mutating webhook is called again when a later one changed the object.
    let reinvoke: Bool

    var name: String { hook.name }
    var failOpen: Bool { hook.failurePolicy == "Ignore" }
    var timeout: Duration { .seconds(Int64(hook.timeoutSeconds ?? 10)) }

    init(_ hook: any AdmissionWebhook, configuration: String, reinvoke: Bool = false) {
        self.hook = hook
        self.configuration = configuration
        self.reinvoke = reinvoke
        // Validation refused what does not parse; a stored leftover that does not parse matches nothing.
        namespaceSelector = WebhookMatching.requirements(hook.namespaceSelector)
        objectSelector = WebhookMatching.requirements(hook.objectSelector)
        conditions = (hook.matchConditions ?? []).compactMap { c in
            (try? CELParser.parse(c.expression, variables: AdmissionRegistrationValidation.matchConditionVariables)).map { (c.name, $0) }
        }
    }
}

/// Which requests a webhook sees, as upstream's `rules.Matcher` and the
/// webhook `Matcher` decide it: rules (operation, group, version, resource and
/// subresource, scope; other versions of the resource too under `matchPolicy:
/// Equivalent`), then the namespace and object selectors. Writes of the
/// admission configurations themselves are never sent to webhooks, so a
/// broken webhook cannot lock its own configuration.
enum WebhookMatching {
    /// The resources no webhook sees (upstream's `IsExemptAdmissionConfigurationResource`).
    static let exemptResources: Set<String> = [
        "validatingwebhookconfigurations", "mutatingwebhookconfigurations",
        "validatingadmissionpolicies", "validatingadmissionpolicybindings",
        "mutatingadmissionpolicies", "mutatingadmissionpolicybindings",
    ]

    static func isExempt(_ info: ResourceInfo) -> Bool {
        info.group == "admissionregistration.k8s.io" && exemptResources.contains(info.plural)
    }

    /// The version a rule of `hook` matched the request in (the request's own, or under
    /// `Equivalent` another served version of the resource), or nil when no rule matches.
    static func matchedVersion(_ hook: any AdmissionWebhook, _ a: AdmissionAttributes, served: ResourceSet) -> String? {
        matchedVersion(hook.rules ?? [], matchPolicy: hook.matchPolicy, a, served: served)
    }

    /// The version one of `rules` matched the request in, or nil.
    static func matchedVersion(_ rules: [RuleWithOperations], matchPolicy: String?, _ a: AdmissionAttributes, served: ResourceSet) -> String? {
        if rules.contains(where: { matches($0, a, version: a.info.version) }) { return a.info.version }
        guard matchPolicy != "Exact" else { return nil }
        for v in served.versions(group: a.info.group) where v != a.info.version {
            guard served.find(group: a.info.group, version: v, plural: a.info.plural) != nil else { continue }
            if rules.contains(where: { matches($0, a, version: v) }) { return v }
        }
        return nil
    }

    static func matches(_ rule: RuleWithOperations, _ a: AdmissionAttributes, version: String) -> Bool {
        let ops = rule.operations ?? []
        guard ops.contains("*") || ops.contains(a.operation.rawValue) else { return false }
        let groups = rule.apiGroups ?? []
        guard groups.contains("*") || groups.contains(a.info.group) else { return false }
        let versions = rule.apiVersions ?? []
        guard versions.contains("*") || versions.contains(version) else { return false }
        guard matchesResource(rule.resources ?? [], resource: a.info.plural, subresource: a.subresource ?? "") else { return false }
        switch rule.scope ?? "*" {
        case "Namespaced": return a.info.plural != "namespaces" && a.info.namespaced
        case "Cluster": return a.info.plural == "namespaces" || !a.info.namespaced
        default: return true
        }
    }

    /// `res`, `res/sub`, `*` (every resource, no subresource), `res/*`, `*/sub`, `*/*`.
    static func matchesResource(_ items: [String], resource: String, subresource: String) -> Bool {
        items.contains { item in
            let parts = item.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            let res = String(parts[0])
            let sub = parts.count > 1 ? String(parts[1]) : ""
            return (res == "*" || res == resource) && (sub == "*" || sub == subresource)
        }
    }

    /// Upstream's `MatchNamespaceSelector`: cluster-scoped objects other than namespaces are
    /// always matched; a namespace being created or updated is matched on its own labels;
    /// other objects on their namespace's.
    static func matchesNamespace(_ w: CompiledWebhook, _ a: AdmissionAttributes, registry: ResourceStorage) async throws(Status) -> Bool {
        try await matchesNamespace(w.namespaceSelector, a, registry: registry)
    }

    static func matchesNamespace(_ selector: LabelRequirements, _ a: AdmissionAttributes, registry: ResourceStorage) async throws(Status) -> Bool {
        if selector.isEmpty { return true }
        let isNamespace = a.info.isBuiltin && a.info.group.isEmpty && a.info.plural == "namespaces"
        if !isNamespace && (a.namespace ?? "").isEmpty { return true }
        if isNamespace, a.isMainResource, a.operation == .create || a.operation == .update {
            return selector.matches(labels(a.object))
        }
        let name = isNamespace ? a.name : a.namespace ?? ""
        guard let ns = try await registry.admissionNamespace(name) else {
            throw APIErrors.internalError("namespace \"\(name)\" not found")
        }
        return selector.matches(labels(ns))
    }

    /// Upstream's `MatchObjectSelector`: the new object's labels or the old one's.
    static func matchesObject(_ w: CompiledWebhook, _ a: AdmissionAttributes) -> Bool { matchesObject(w.objectSelector, a) }

    static func matchesObject(_ selector: LabelRequirements, _ a: AdmissionAttributes) -> Bool {
        if selector.isEmpty { return true }
        return [a.object, a.oldObject].contains { o in o != nil && selector.matches(labels(o)) }
    }

    /// A selector as matching needs it: nil selects everything, one that does not parse nothing.
    static func requirements(_ s: LabelSelector?) -> LabelRequirements {
        s.map { (try? LabelRequirements($0)) ?? LabelRequirements.nothing } ?? .everything
    }

    static func labels(_ o: JSONValue?) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in o?[path: ["metadata", "labels"]]?.objectValue ?? [:] { if let s = v.stringValue { out[k] = s } }
        return out
    }
}
