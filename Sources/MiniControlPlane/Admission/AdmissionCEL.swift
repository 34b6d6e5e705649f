import KubeAPI

/// What webhooks' match conditions and policies' expressions share: the
/// variables every admission expression sees, and upstream's evaluation of
/// match conditions.
enum AdmissionCEL {
    /// `object`, `oldObject` (null when absent) and `request` (the AdmissionRequest
    /// without its objects, which are bound apart).
    static func bindings(_ a: AdmissionAttributes, request: AdmissionRequest) -> [String: CELValue] {
        var requestJSON = KubeCodec.encode(request)
        requestJSON["object"] = nil
        requestJSON["oldObject"] = nil
        let authorizer = CELAuthzCheck(requestGroup: a.info.group, resource: a.info.plural, subresource: a.subresource ?? "",
                                       namespace: a.namespace ?? "", name: a.name)
        return ["object": CELValue(a.object ?? .null), "oldObject": CELValue(a.oldObject ?? .null), "request": CELValue(requestJSON),
                "authorizer": .object(.authz(authorizer))]
    }

    /// An evaluator of admission expressions over `bindings`, whose
    /// `authorizer` asks the server's authorizer about the requester (or the
    /// service account a check names), as upstream's authz library does.
    static func evaluator(_ bindings: [String: CELValue], _ a: AdmissionAttributes,
                          costLimit: Int64 = CELEvaluator.perCallLimit) -> CELEvaluator {
        var e = CELEvaluator(bindings: bindings, costLimit: costLimit)
        guard let authorizer = a.authorizer else { return e }
        let requester = a.requester
        e.authorize = { check, verb in
            var user = requester
            if let sa = check.serviceAccount, let slash = sa.firstIndex(of: "/") {
                let ns = String(sa[..<slash]), name = String(sa[sa.index(after: slash)...])
                user = UserInfo(name: "system:serviceaccount:\(ns):\(name)",
                                groups: ["system:serviceaccounts", "system:serviceaccounts:\(ns)"])
            }
            var attributes = RequestAttributes(verb: verb, group: check.group, resource: check.resource,
                                               subresource: check.subresource.isEmpty ? nil : check.subresource,
                                               namespace: check.namespace.isEmpty ? nil : check.namespace,
                                               name: check.name.isEmpty ? nil : check.name)
            if check.stage == .path { attributes.path = check.path }
            let allowed = authorizer.allows(user, attributes)
            return CELAuthzDecision(allowed: allowed, reason: authorizer.reason(user, attributes))
        }
        return e
    }

    /// Whether every match condition holds (false at the first that does not), or, when
    /// some could not be evaluated and none was false, their errors in upstream's words.
    static func matchConditions(_ conditions: [(name: String, expression: CELExpr)],
                                run: (CELExpr) -> Result<CELValue, CELEvaluator.Failure>) -> Result<Bool, ConditionErrors> {
        var errors: [String] = []
        for (name, expression) in conditions {
            switch run(expression) {
            case .success(.bool(false)): return .success(false)
            case .success(.bool(true)): continue
            case .success(let v): errors.append("expression '\(name)' resulted in error: no such overload: expected bool, got \(v.typeName)")
            case .failure(let f): errors.append("expression '\(name)' resulted in error: \(f)")
            }
        }
        return errors.isEmpty ? .success(true) : .failure(ConditionErrors(message: errors.joined(separator: ", ")))
    }

    /// Match conditions that could not be evaluated.
    struct ConditionErrors: Error {
        var message: String
    }
}
