import Foundation

/// `admissionregistration.k8s.io/v1` webhook configurations, validated as
/// upstream's `ValidateValidatingWebhookConfiguration` and
/// `ValidateMutatingWebhookConfiguration` (after the v1 defaults), with its
/// field paths and wording.
public enum AdmissionRegistrationValidation {
    /// The AdmissionReview versions this API server sends.
    public static let reviewVersions = ["v1", "v1beta1"]
    static let operations = ["*", "CREATE", "UPDATE", "DELETE", "CONNECT"]
    static let scopes = ["*", "Cluster", "Namespaced"]
    /// Upstream's limit on match conditions per webhook.
    static let maxMatchConditions = 64
    /// The variables a match condition may use (upstream also has `authorizer`, not served here).
    public static let matchConditionVariables: Set<String> = ["object", "oldObject", "request", "authorizer"]

    public static func validate(_ c: ValidatingWebhookConfiguration) -> [FieldError] {
        validateWebhooks(c.webhooks ?? [], mutating: false)
    }

    public static func validate(_ c: MutatingWebhookConfiguration) -> [FieldError] {
        var errs = validateWebhooks(c.webhooks ?? [], mutating: true)
        for (i, w) in (c.webhooks ?? []).enumerated() {
            if let p = w.reinvocationPolicy, !["Never", "IfNeeded"].contains(p) {
                errs.append(.notSupported("webhooks[\(i)].reinvocationPolicy", p, ["IfNeeded", "Never"]))
            }
        }
        return errs
    }

    static func validateWebhooks(_ hooks: [any AdmissionWebhook], mutating: Bool) -> [FieldError] {
        var errs: [FieldError] = []
        var names = Set<String>()
        for (i, w) in hooks.enumerated() {
            let path = "webhooks[\(i)]"
            errs += validateName(w.name, path: path + ".name")
            if !w.name.isEmpty, !names.insert(w.name).inserted { errs.append(.duplicate(path + ".name", w.name)) }
            errs += validateRules(w.rules ?? [], path: path + ".rules")
            if let p = w.failurePolicy, !["Fail", "Ignore"].contains(p) { errs.append(.notSupported(path + ".failurePolicy", p, ["Fail", "Ignore"])) }
            if let p = w.matchPolicy, !["Equivalent", "Exact"].contains(p) { errs.append(.notSupported(path + ".matchPolicy", p, ["Equivalent", "Exact"])) }
            switch w.sideEffects {
            case nil, ""?: errs.append(.required(path + ".sideEffects", "must specify one of None, NoneOnDryRun"))
            case let s? where s != "None" && s != "NoneOnDryRun": errs.append(.notSupported(path + ".sideEffects", s, ["None", "NoneOnDryRun"]))
            default: break
            }
            if let t = w.timeoutSeconds, !(1...30).contains(t) {
                errs.append(.invalid(path + ".timeoutSeconds", int: Int64(t), "the timeout value must be between 1 and 30 seconds"))
            }
            errs += validateReviewVersions(w.admissionReviewVersions, path: path + ".admissionReviewVersions")
            if let s = w.namespaceSelector { errs += NetworkingValidation.selectorErrors(s, path + ".namespaceSelector") }
            if let s = w.objectSelector { errs += NetworkingValidation.selectorErrors(s, path + ".objectSelector") }
            errs += WebhookClientValidation.validate(w.clientConfig, path: path + ".clientConfig")
            if let ca = w.clientConfig.caBundle, !ca.isEmpty, Data(base64Encoded: ca) == nil {
                errs.append(.invalid(path + ".clientConfig.caBundle", "", "must be base64-encoded PEM certificates"))
            }
            errs += validateMatchConditions(w.matchConditions ?? [], path: path + ".matchConditions", variables: matchConditionVariables)
        }
        return errs
    }

    /// A webhook's name: a DNS subdomain of at least three segments.
    static func validateName(_ name: String, path: String) -> [FieldError] {
        if name.isEmpty { return [.required(path)] }
        let e = LabelValidation.dns1123SubdomainErrors(name)
        if !e.isEmpty { return [.invalid(path, name, e.joined(separator: ","))] }
        if name.split(separator: ".").count < 3 { return [.invalid(path, name, "should be a domain with at least three segments separated by dots")] }
        return []
    }

    static func validateRules(_ rules: [RuleWithOperations], path: String) -> [FieldError] {
        var errs: [FieldError] = []
        for (i, r) in rules.enumerated() {
            let p = "\(path)[\(i)]"
            let ops = r.operations ?? []
            if ops.isEmpty { errs.append(.required(p + ".operations")) }
            if ops.count > 1 && ops.contains("*") {
                errs.append(FieldError(kind: .invalid, field: p + ".operations", value: goStrings(ops), detail: "if '*' is present, must not specify other operations"))
            }
            for (j, op) in ops.enumerated() where !operations.contains(op) {
                errs.append(.notSupported("\(p).operations[\(j)]", op, operations))
            }
            let groups = r.apiGroups ?? []
            if groups.isEmpty { errs.append(.required(p + ".apiGroups")) }
            if groups.count > 1 && groups.contains("*") {
                errs.append(FieldError(kind: .invalid, field: p + ".apiGroups", value: goStrings(groups), detail: "if '*' is present, must not specify other API groups"))
            }
            let versions = r.apiVersions ?? []
            if versions.isEmpty { errs.append(.required(p + ".apiVersions")) }
            if versions.count > 1 && versions.contains("*") {
                errs.append(FieldError(kind: .invalid, field: p + ".apiVersions", value: goStrings(versions), detail: "if '*' is present, must not specify other API versions"))
            }
            for (j, v) in versions.enumerated() where v.isEmpty { errs.append(.required("\(p).apiVersions[\(j)]")) }
            errs += validateResources(r.resources ?? [], path: p + ".resources")
            if let s = r.scope, !scopes.contains(s) { errs.append(.notSupported(p + ".scope", s, scopes)) }
        }
        return errs
    }

    /// Upstream's `validateResources`: `*`, `*/*`, `res`, `res/sub`, `*/sub`, `res/*`, with no overlaps.
    static func validateResources(_ resources: [String], path: String) -> [FieldError] {
        if resources.isEmpty { return [.required(path)] }
        var errs: [FieldError] = []
        var resourcesWithWildcardSubresources = Set<String>()   // x/*
        var subresourcesWithWildcardResource = Set<String>()    // */x
        var hasDoubleWildcard = false
        var hasSingleWildcard = false
        var hasResourceWithoutSubresource = false
        for (i, r) in resources.enumerated() {
            if r.isEmpty {
                errs.append(.required("\(path)[\(i)]"))
                continue
            }
            if r == "*/*" { hasDoubleWildcard = true }
            if r == "*" { hasSingleWildcard = true }
            let parts = r.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if parts.count == 1 {
                hasResourceWithoutSubresource = r != "*"
                continue
            }
            let (res, sub) = (parts[0], parts[1])
            if resourcesWithWildcardSubresources.contains(res) {
                errs.append(.invalid("\(path)[\(i)]", r, "if '\(res)/*' is present, must not specify \(r)"))
            }
            if subresourcesWithWildcardResource.contains(sub) {
                errs.append(.invalid("\(path)[\(i)]", r, "if '*/\(sub)' is present, must not specify \(r)"))
            }
            if sub == "*" { resourcesWithWildcardSubresources.insert(res) }
            if res == "*" { subresourcesWithWildcardResource.insert(sub) }
        }
        if resources.count > 1 && hasDoubleWildcard {
            errs.append(FieldError(kind: .invalid, field: path, value: goStrings(resources), detail: "if '*/*' is present, must not specify other resources"))
        }
        if hasSingleWildcard && hasResourceWithoutSubresource {
            errs.append(FieldError(kind: .invalid, field: path, value: goStrings(resources),
                                   detail: "if '*' is present, must not specify other resources without subresources"))
        }
        return errs
    }

    /// Go's `%#v` of a string slice, as field errors show one: `[]string{"a", "b"}`.
    static func goStrings(_ values: [String]) -> String {
        "[]string{" + values.map { FieldError.quote($0) }.joined(separator: ", ") + "}"
    }

    static func validateReviewVersions(_ versions: [String], path: String) -> [FieldError] {
        if versions.isEmpty { return [.required(path, "must specify one of \(reviewVersions.joined(separator: ", "))")] }
        var errs: [FieldError] = []
        var seen = Set<String>()
        for (i, v) in versions.enumerated() {
            if !seen.insert(v).inserted { errs.append(.invalid("\(path)[\(i)]", v, "duplicate version")) }
            let e = Validator.dns1035LabelErrors(v)
            if !e.isEmpty { errs.append(.invalid("\(path)[\(i)]", v, e.joined(separator: ","))) }
        }
        if !versions.contains(where: reviewVersions.contains) {
            errs.append(FieldError(kind: .invalid, field: path, value: goStrings(versions),
                                   detail: "must include at least one of \(reviewVersions.joined(separator: ", "))"))
        }
        return errs
    }

    static func validateMatchConditions(_ conditions: [MatchCondition], path: String, variables: Set<String>) -> [FieldError] {
        var errs: [FieldError] = []
        if conditions.count > maxMatchConditions { errs.append(.tooMany(path, conditions.count, maxMatchConditions)) }
        var names = Set<String>()
        for (i, c) in conditions.enumerated() {
            let p = "\(path)[\(i)]"
            if c.name.isEmpty {
                errs.append(.required(p + ".name"))
            } else {
                let e = LabelValidation.qualifiedNameErrors(c.name)
                if !e.isEmpty { errs.append(.invalid(p + ".name", c.name, e.joined(separator: ","))) }
                if !names.insert(c.name).inserted { errs.append(.duplicate(p + ".name", c.name)) }
            }
            if c.expression.trimmingCharacters(in: .whitespaces).isEmpty {
                errs.append(.required(p + ".expression"))
            } else {
                errs += compileErrors(c.expression, path: p + ".expression", variables: variables)
            }
        }
        return errs
    }

    /// A CEL expression's compile error, as a field error (none when it compiles).
    static func compileErrors(_ expression: String, path: String, variables: Set<String>) -> [FieldError] {
        do {
            _ = try CELParser.parse(expression, variables: variables)
            return []
        } catch {
            return [.invalid(path, expression, "compilation failed: \(error)")]
        }
    }
}
