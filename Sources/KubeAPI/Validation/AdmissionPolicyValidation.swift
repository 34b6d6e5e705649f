import Foundation

/// ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding validated as
/// upstream's `ValidateValidatingAdmissionPolicy` and
/// `ValidateValidatingAdmissionPolicyBinding` (after the v1 defaults), with
/// its paths and wording; expressions are compiled by our CEL parser.
public enum AdmissionPolicyValidation {
    static let reasons = ["Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"]
    static let actions = ["Audit", "Deny", "Warn"]
    /// CEL's reserved words, which a variable may not be named.
    static let reservedIdentifiers: Set<String> = ["true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function",
                                                   "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"]

    /// The variables a policy's expressions see (`params` only with a `paramKind`).
    public static func variables(hasParams: Bool) -> Set<String> {
        var v: Set<String> = ["object", "oldObject", "request", "namespaceObject", "variables", "authorizer"]
        if hasParams { v.insert("params") }
        return v
    }

    public static func validate(_ p: ValidatingAdmissionPolicy) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = p.spec
        let vars = variables(hasParams: spec.paramKind != nil)
        switch spec.failurePolicy {
        case nil, ""?: errs.append(.required("spec.failurePolicy"))
        case let f? where f != "Fail" && f != "Ignore": errs.append(.notSupported("spec.failurePolicy", f, ["Fail", "Ignore"]))
        default: break
        }
        if let kind = spec.paramKind {
            if (kind.apiVersion ?? "").isEmpty { errs.append(.required("spec.paramKind.apiVersion")) }
            if (kind.kind ?? "").isEmpty { errs.append(.required("spec.paramKind.kind")) }
        }
        if let mc = spec.matchConstraints {
            errs += validateMatchResources(mc, path: "spec.matchConstraints")
            if (mc.resourceRules ?? []).isEmpty { errs.append(.required("spec.matchConstraints.resourceRules")) }
        } else {
            errs.append(.required("spec.matchConstraints"))
        }
        errs += AdmissionRegistrationValidation.validateMatchConditions(spec.matchConditions ?? [], path: "spec.matchConditions", variables: vars)
        for (i, v) in (spec.variables ?? []).enumerated() {
            let path = "spec.variables[\(i)]"
            if v.name.trimmingCharacters(in: .whitespaces).isEmpty {
                errs.append(.required(path + ".name", "name is not specified"))
            } else if !isCELIdentifier(v.name) {
                errs.append(.invalid(path + ".name", v.name, "must be a valid CEL identifier"))
            }
            if v.expression.trimmingCharacters(in: .whitespaces).isEmpty {
                errs.append(.required(path + ".expression", "expression is not specified"))
            } else {
                errs += AdmissionRegistrationValidation.compileErrors(v.expression, path: path + ".expression", variables: vars)
            }
        }
        let validations = spec.validations ?? []
        let annotations = spec.auditAnnotations ?? []
        if validations.isEmpty && annotations.isEmpty {
            errs.append(.required("spec.validations", "validations or auditAnnotations must contain at least one item"))
            errs.append(.required("spec.auditAnnotations", "validations or auditAnnotations must contain at least one item"))
            return errs
        }
        for (i, v) in validations.enumerated() {
            let path = "spec.validations[\(i)]"
            if v.expression.trimmingCharacters(in: .whitespaces).isEmpty {
                errs.append(.required(path + ".expression", "expression is not specified"))
            } else {
                errs += AdmissionRegistrationValidation.compileErrors(v.expression, path: path + ".expression", variables: vars)
            }
            if let m = v.messageExpression, !m.isEmpty {
                if m.trimmingCharacters(in: .whitespaces).isEmpty {
                    errs.append(.invalid(path + ".messageExpression", m, "must be non-empty if specified"))
                } else {
                    errs += AdmissionRegistrationValidation.compileErrors(m, path: path + ".messageExpression", variables: vars)
                }
            }
            if let m = v.message, !m.isEmpty {
                let trimmed = m.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty {
                    errs.append(.invalid(path + ".message", m, "must be non-empty if specified"))
                } else if trimmed.contains(where: { $0 == "\n" || $0 == "\r" }) {
                    errs.append(.invalid(path + ".message", m, "must not contain line breaks"))
                }
            }
            if let r = v.reason, !reasons.contains(r) { errs.append(.notSupported(path + ".reason", r, reasons)) }
        }
        var keys = Set<String>()
        for (i, a) in annotations.enumerated() {
            let path = "spec.auditAnnotations[\(i)]"
            let name = p.metadata.name ?? ""
            if name.isEmpty {
                errs.append(.invalid(path + ".key", a.key, "requires metadata.name be non-empty"))
            } else {
                let e = LabelValidation.qualifiedNameErrors(name + "/" + a.key)
                if !e.isEmpty { errs.append(.invalid(path + ".key", name + "/" + a.key, e.joined(separator: ","))) }
            }
            if !keys.insert(a.key).inserted { errs.append(.duplicate(path + ".key", a.key)) }
            if a.valueExpression.trimmingCharacters(in: .whitespaces).isEmpty {
                errs.append(.required(path + ".valueExpression", "valueExpression is not specified"))
            } else {
                errs += AdmissionRegistrationValidation.compileErrors(a.valueExpression, path: path + ".valueExpression", variables: vars)
            }
        }
        return errs
    }

    public static func validate(_ b: ValidatingAdmissionPolicyBinding) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = b.spec
        if spec.policyName.isEmpty {
            errs.append(.required("spec.policyName"))
        } else {
            let e = LabelValidation.dns1123SubdomainErrors(spec.policyName)
            if !e.isEmpty { errs.append(.invalid("spec.policyName", spec.policyName, e.joined(separator: ","))) }
        }
        if let ref = spec.paramRef {
            let path = "spec.paramRef"
            let name = ref.name ?? ""
            if !name.isEmpty && ref.selector != nil {
                errs.append(.forbidden(path + ".name", "name and selector are mutually exclusive"))
                errs.append(.forbidden(path + ".selector", "name and selector are mutually exclusive"))
            }
            if let s = ref.selector { errs += NetworkingValidation.selectorErrors(s, path + ".selector") }
            if name.isEmpty && ref.selector == nil { errs.append(.required(path, "one of name or selector must be specified")) }
            switch ref.parameterNotFoundAction {
            case nil, ""?: errs.append(.required(path + ".parameterNotFoundAction"))
            case let a? where a != "Deny" && a != "Allow": errs.append(.notSupported(path + ".parameterNotFoundAction", a, ["Deny", "Allow"]))
            default: break
            }
        }
        if let mr = spec.matchResources { errs += validateMatchResources(mr, path: "spec.matchResources") }
        let acts = spec.validationActions ?? []
        var seen = Set<String>()
        for (i, a) in acts.enumerated() {
            if !actions.contains(a) { errs.append(.notSupported("spec.validationActions[\(i)]", a, actions)) }
            if !seen.insert(a).inserted { errs.append(.duplicate("spec.validationActions[\(i)]", a)) }
        }
        if seen.contains("Deny") && seen.contains("Warn") {
            errs.append(FieldError(kind: .invalid, field: "spec.validationActions", value: AdmissionRegistrationValidation.goStrings(acts),
                                   detail: "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)"))
        }
        if seen.isEmpty { errs.append(.required("spec.validationActions", "at least one validation action is required")) }
        return errs
    }

    static func validateMatchResources(_ m: MatchResources, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        switch m.matchPolicy {
        case nil, ""?: errs.append(.required(path + ".matchPolicy"))
        case let p? where p != "Equivalent" && p != "Exact": errs.append(.notSupported(path + ".matchPolicy", p, ["Equivalent", "Exact"]))
        default: break
        }
        if let s = m.namespaceSelector { errs += NetworkingValidation.selectorErrors(s, path + ".namespaceSelector") } else {
            errs.append(.required(path + ".namespaceSelector"))
        }
        if let s = m.objectSelector { errs += NetworkingValidation.selectorErrors(s, path + ".objectSelector") } else {
            errs.append(.required(path + ".objectSelector"))
        }
        for (field, rules) in [("resourceRules", m.resourceRules ?? []), ("excludeResourceRules", m.excludeResourceRules ?? [])] {
            for (i, r) in rules.enumerated() {
                var names = Set<String>()
                for (j, n) in (r.resourceNames ?? []).enumerated() {
                    if n.isEmpty || n == "." || n == ".." || n.contains("/") || n.contains("%") {
                        errs.append(.invalid("\(path).\(field)[\(i)].resourceNames[\(j)]", n, "may not be '.', '..', or contain '/' or '%'"))
                    }
                    if !names.insert(n).inserted { errs.append(.duplicate("\(path).\(field)[\(i)].resourceNames[\(j)]", n)) }
                }
            }
            // The rules' own checks are the webhooks', paths and all.
            errs += AdmissionRegistrationValidation.validateRules(rules.map(\.rule), path: "\(path).\(field)")
        }
        return errs
    }

    static func isCELIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic),
              s.unicodeScalars.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil)) })
        else { return false }
        return !reservedIdentifiers.contains(s)
    }
}
