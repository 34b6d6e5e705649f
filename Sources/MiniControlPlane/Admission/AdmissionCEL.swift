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
        return ["object": CELValue(a.object ?? .null), "oldObject": CELValue(a.oldObject ?? .null), "request": CELValue(requestJSON)]
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
