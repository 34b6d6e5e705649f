import KubeAPI

/// Upstream's RBAC rule semantics (`pkg/apis/rbac/v1/evaluation_helpers.go`
/// for allowing, `pkg/registry/rbac/validation/policy_compact.go`'s
/// `Covers` for escalation).
extension PolicyRule {
    /// Whether this rule allows the request.
    func allows(_ a: RequestAttributes) -> Bool {
        guard Self.has(verbs, a.verb) else { return false }
        if let path = a.path {
            return (nonResourceURLs ?? []).contains { rule in
                rule == "*" || rule == path || (rule.hasSuffix("*") && path.hasPrefix(String(rule.dropLast())))
            }
        }
        guard Self.has(apiGroups ?? [], a.group) else { return false }
        guard Self.resourceMatches(resources ?? [], resource: a.resource, subresource: a.subresource) else { return false }
        let names = resourceNames ?? []
        return names.isEmpty || names.contains(a.name ?? "\u{0}")
    }

    static func has(_ values: [String], _ value: String) -> Bool {
        values.contains { $0 == "*" || $0 == value }
    }

    static func resourceMatches(_ rules: [String], resource: String, subresource: String?) -> Bool {
        let combined = subresource.map { "\(resource)/\($0)" } ?? resource
        for r in rules {
            if r == "*" || r == combined { return true }
            guard let sub = subresource else { continue }
            if r == "*/\(sub)" { return true }
        }
        return false
    }

    /// Whether this rule grants everything `other` does (`ruleCovers`).
    func covers(_ other: PolicyRule) -> Bool {
        let verbsOK = verbs.contains("*") || other.verbs.allSatisfy { verbs.contains($0) }
        let groupsOK = (apiGroups ?? []).contains("*") || (other.apiGroups ?? []).allSatisfy { (apiGroups ?? []).contains($0) }
        let mine = resources ?? []
        let resourcesOK = (other.resources ?? []).allSatisfy { r in
            if mine.contains("*") || mine.contains(r) { return true }
            guard let slash = r.firstIndex(of: "/") else { return false }
            // "*/scale" covers "deployments/scale"; "deployments/*" covers it too.
            return mine.contains("*" + r[slash...]) || mine.contains(r[..<slash] + "/*")
        }
        let urls = nonResourceURLs ?? []
        let urlsOK = (other.nonResourceURLs ?? []).allSatisfy { u in
            urls.contains { $0 == "*" || $0 == u || ($0.hasSuffix("*") && u.hasPrefix(String($0.dropLast()))) }
        }
        let names = resourceNames ?? [], otherNames = other.resourceNames ?? []
        let namesOK = otherNames.isEmpty ? names.isEmpty : (names.isEmpty || otherNames.allSatisfy { names.contains($0) })
        return verbsOK && groupsOK && resourcesOK && urlsOK && namesOK
    }

    /// The rule split into rules of one verb, group, resource and name each
    /// (upstream's `BreakdownRule`), so each can be checked on its own.
    var atoms: [PolicyRule] {
        var out: [PolicyRule] = []
        for group in apiGroups ?? [] {
            for resource in resources ?? [] {
                for verb in verbs {
                    let names = resourceNames ?? []
                    if names.isEmpty {
                        out.append(PolicyRule(verbs: [verb], apiGroups: [group], resources: [resource]))
                    } else {
                        for n in names { out.append(PolicyRule(verbs: [verb], apiGroups: [group], resources: [resource], resourceNames: [n])) }
                    }
                }
            }
        }
        for url in nonResourceURLs ?? [] {
            for verb in verbs { out.append(PolicyRule(verbs: [verb], nonResourceURLs: [url])) }
        }
        return out
    }

    /// The rules of `requested` that `owner` does not cover, one atom each
    /// (upstream's `Covers`).
    static func uncovered(_ requested: [PolicyRule], by owner: [PolicyRule]) -> [PolicyRule] {
        var missing: [PolicyRule] = []
        for atom in requested.flatMap(\.atoms) where !owner.contains(where: { $0.covers(atom) }) {
            missing.append(atom)
        }
        return missing
    }

    /// As upstream's `CompactString`: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}`.
    var compactDescription: String {
        func list(_ v: [String]) -> String { "[" + v.map { "\"\($0)\"" }.joined(separator: " ") + "]" }
        var parts: [String] = []
        if let g = apiGroups, !g.isEmpty { parts.append("APIGroups:\(list(g))") }
        if let r = resources, !r.isEmpty { parts.append("Resources:\(list(r))") }
        if let n = resourceNames, !n.isEmpty { parts.append("ResourceNames:\(list(n))") }
        if let u = nonResourceURLs, !u.isEmpty { parts.append("NonResourceURLs:\(list(u))") }
        parts.append("Verbs:\(list(verbs))")
        return "{" + parts.joined(separator: ", ") + "}"
    }
}
