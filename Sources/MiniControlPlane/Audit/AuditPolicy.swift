import KubeAPI

/// How much of a request the audit log records (upstream's audit levels).
enum AuditLevel: String, Sendable, Comparable {
    case none = "None"
    case metadata = "Metadata"
    case request = "Request"
    case requestResponse = "RequestResponse"

    static func < (a: AuditLevel, b: AuditLevel) -> Bool {
        let order: [AuditLevel] = [.none, .metadata, .request, .requestResponse]
        return order.firstIndex(of: a) ?? 0 < order.firstIndex(of: b) ?? 0
    }
}

/// What the audit policy matches a request on.
struct AuditAttributes: Sendable {
    var user: String
    var groups: [String]
    var verb: String
    /// Set for resource requests.
    var resource: (group: String, resource: String, subresource: String?, namespace: String?, name: String?)?
    /// The path, for non-resource requests.
    var path: String
}

/// Why an audit policy was refused.
struct AuditPolicyError: Error, CustomStringConvertible {
    var description: String
}

/// `--audit-policy-file`: upstream's `audit.k8s.io/v1` Policy. The first
/// rule matching a request decides its level (no rule: `None`); a rule
/// matches when each of its lists that is set contains the request's value
/// (`users`, `userGroups`, `verbs`, `resources` with `group`, `resources`
/// such as `pods`, `pods/log`, `*/status` or `*`, and `resourceNames`;
/// `namespaces`, `""` for cluster-scoped objects; `nonResourceURLs` with a
/// trailing `*` as a prefix). `omitStages` apply policy-wide and per rule.
struct AuditPolicy: Sendable {
    struct Rule: Sendable {
        var level: AuditLevel
        var users: [String]?
        var userGroups: [String]?
        var verbs: [String]?
        var resources: [JSONValue]?
        var namespaces: [String]?
        var nonResourceURLs: [String]?
        var omitStages: [String]
    }

    var rules: [Rule]
    var omitStages: [String]

    static func parse(_ bytes: [UInt8]) throws(AuditPolicyError) -> AuditPolicy {
        let doc: JSONValue?
        do {
            doc = try YAMLDecoding.decodeReportingDuplicates(bytes).value
        } catch {
            throw AuditPolicyError(description: error.description)
        }
        guard let doc, doc["kind"]?.stringValue == "Policy",
              ["audit.k8s.io/v1", "audit.k8s.io/v1beta1"].contains(doc["apiVersion"]?.stringValue ?? "") else {
            throw AuditPolicyError(description: "expected apiVersion audit.k8s.io/v1, kind Policy")
        }
        func strings(_ v: JSONValue?) -> [String]? { v?.arrayValue.map { $0.compactMap(\.stringValue) } }
        var rules: [Rule] = []
        for (i, r) in (doc["rules"]?.arrayValue ?? []).enumerated() {
            guard let raw = r["level"]?.stringValue, let level = AuditLevel(rawValue: raw) else {
                throw AuditPolicyError(description: "rules[\(i)].level: Unsupported value: \(FieldError.quote(r["level"]?.stringValue ?? "")): supported values: \"None\", \"Metadata\", \"Request\", \"RequestResponse\"")
            }
            if r["nonResourceURLs"] != nil && (r["resources"] != nil || r["namespaces"] != nil) {
                throw AuditPolicyError(description: "rules[\(i)].nonResourceURLs: Invalid value: rules cannot apply to both regular resources and non-resource URLs")
            }
            rules.append(Rule(level: level, users: strings(r["users"]), userGroups: strings(r["userGroups"]), verbs: strings(r["verbs"]),
                              resources: r["resources"]?.arrayValue, namespaces: strings(r["namespaces"]),
                              nonResourceURLs: strings(r["nonResourceURLs"]), omitStages: strings(r["omitStages"]) ?? []))
        }
        return AuditPolicy(rules: rules, omitStages: strings(doc["omitStages"]) ?? [])
    }

    /// The level of a request and the stages left out.
    func decide(_ a: AuditAttributes) -> (level: AuditLevel, omitStages: [String]) {
        for rule in rules where Self.matches(rule, a) {
            return (rule.level, omitStages + rule.omitStages)
        }
        return (.none, omitStages)
    }

    static func matches(_ rule: Rule, _ a: AuditAttributes) -> Bool {
        if let users = rule.users, !users.contains(a.user) { return false }
        if let groups = rule.userGroups, !groups.contains(where: a.groups.contains) { return false }
        if let verbs = rule.verbs, !verbs.contains(a.verb) { return false }
        guard let r = a.resource else {
            // A non-resource request: rules about resources do not match it.
            if rule.resources != nil || rule.namespaces != nil { return false }
            guard let urls = rule.nonResourceURLs else { return true }
            return urls.contains { $0 == a.path || ($0.hasSuffix("*") && a.path.hasPrefix(String($0.dropLast()))) }
        }
        if rule.nonResourceURLs != nil { return false }
        if let namespaces = rule.namespaces, !namespaces.contains(r.namespace ?? "") { return false }
        guard let kinds = rule.resources else { return true }
        return kinds.contains { k in
            guard (k["group"]?.stringValue ?? "") == r.group else { return false }
            let names = (k["resources"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !names.isEmpty, !names.contains(where: { Self.resourceMatches($0, resource: r.resource, subresource: r.subresource) }) {
                return false
            }
            let resourceNames = (k["resourceNames"]?.arrayValue ?? []).compactMap(\.stringValue)
            return resourceNames.isEmpty || resourceNames.contains(r.name ?? "")
        }
    }

    /// A rule's resource name against a request's: `*`, `pods`, `pods/log`, `pods/*`, `*/status`.
    static func resourceMatches(_ n: String, resource: String, subresource: String?) -> Bool {
        if n == "*" { return true }
        guard let subresource else { return n == resource }
        if n == resource + "/" + subresource || n == resource + "/*" { return true }
        return n.hasPrefix("*/") && String(n.dropFirst(2)) == subresource
    }
}
