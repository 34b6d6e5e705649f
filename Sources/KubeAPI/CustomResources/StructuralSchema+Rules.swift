import Foundation

extension StructuralSchema {
    /// Upstream's cost budget for all the rules of one object (`celconfig.RuntimeCELCostBudget`).
    public static let ruleBudgetPerObject: Int64 = 10_000_000
    /// The longest message a `messageExpression` may produce (`celconfig.MaxEvaluatedMessageExpressionSizeBytes`).
    public static let maxMessageExpressionBytes = 5 * 1024

    /// The failures of the `x-kubernetes-validations` rules on `value` and
    /// everything below it, with `oldSelf` bound where `old` has a value at
    /// the same place (fields by name, items of `map` lists by their keys).
    /// Rules without `oldSelf` do not run on a value equal to its old one
    /// (ratcheting).
    /// Every rule evaluation is charged to one budget per object; running out
    /// stops the rules with upstream's message.
    public func validateRules(_ value: JSONValue, old: JSONValue?, path: String = "") -> [FieldError] {
        var budget = Self.ruleBudgetPerObject
        var errs: [FieldError] = []
        rules(value, old, path, &budget, &errs)
        return errs
    }

    func rules(_ value: JSONValue, _ old: JSONValue?, _ path: String, _ budget: inout Int64, _ errs: inout [FieldError]) {
        guard budget >= 0, !value.isNull else { return }
        if !validations.isEmpty { evaluateRules(value, old, path, &budget, &errs, unchanged: old == value) }
        switch value {
        case .object(let o):
            for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                guard let sub = properties[k] ?? additionalProperties else { continue }
                sub.rules(v, old?.objectValue?[k], Self.child(path, k), &budget, &errs)
                if budget < 0 { return }
            }
        case .array(let a):
            guard let items else { return }
            let correlate = correlation(old?.arrayValue ?? [])
            for (i, v) in a.enumerated() {
                items.rules(v, correlate(v), "\(path)[\(i)]", &budget, &errs)
                if budget < 0 { return }
            }
        default:
            break
        }
    }

    /// Finds the old item that is "the same" as a new one: by keys in a `map` list, by value in
    /// a `set`; none in atomic lists. The old items are indexed once, so a long list costs linear time.
    func correlation(_ old: [JSONValue]) -> (JSONValue) -> JSONValue? {
        Self.correlation(old, listType: listType, keys: listMapKeys)
    }

    static func correlation(_ old: [JSONValue], listType: String?, keys listMapKeys: [String]) -> (JSONValue) -> JSONValue? {
        guard !old.isEmpty else { return { _ in nil } }
        switch listType {
        case "map"?:
            var byKey: [[JSONValue?]: JSONValue] = [:]
            for o in old { byKey[listMapKeys.map { o[$0] }] = byKey[listMapKeys.map { o[$0] }] ?? o }
            return { item in byKey[listMapKeys.map { item[$0] }] }
        case "set"?:
            let values = Set(old)
            return { values.contains($0) ? $0 : nil }
        default:
            return { _ in nil }
        }
    }

    /// `unchanged`: the value equals its old counterpart, so only transition
    /// rules run (the others ratchet, as upstream's do).
    func evaluateRules(_ value: JSONValue, _ old: JSONValue?, _ path: String, _ budget: inout Int64, _ errs: inout [FieldError],
                       unchanged: Bool = false) {
        let me = CELValue(value, schema: self)
        let oldValue = old.flatMap { $0.isNull ? nil : CELValue($0, schema: self) }
        let shownType = type ?? (intOrString ? "integer" : "object")
        func failure(_ detail: String, at p: String? = nil) -> FieldError {
            FieldError(kind: .invalid, field: p ?? path, value: FieldError.quote(shownType), detail: detail)
        }
        for rule in validations {
            guard let program = rule.program, !unchanged || rule.usesOldSelf else { continue }
            var bindings: [String: CELValue] = ["self": me]
            if rule.usesOldSelf {
                if let oldValue {
                    bindings["oldSelf"] = rule.optionalOldSelf ? .optional(oldValue) : oldValue
                } else if rule.optionalOldSelf {
                    bindings["oldSelf"] = .optional(nil)
                } else {
                    continue  // a transition rule runs only where there is an old value
                }
            }
            let described = Self.describe(rule)
            var ev = CELEvaluator(bindings: bindings, costLimit: min(CELEvaluator.perCallLimit, budget))
            let result: CELValue
            do {
                result = try ev.evaluate(program)
                budget -= ev.cost
            } catch .costExceeded {
                if ev.costLimit < CELEvaluator.perCallLimit {
                    errs.append(failure("validation failed due to running out of cost budget, no further validation rules will be run"))
                } else {
                    errs.append(failure("'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: \(described)"))
                }
                budget = -1
                return
            } catch {
                budget -= ev.cost
                let m = error.description
                if m.hasPrefix("no such overload") {
                    errs.append(failure("'\(m)': call arguments did not match a supported operator, function or macro signature for rule: \(described)"))
                } else {
                    errs.append(failure("\(m) evaluating rule: \(described)"))
                }
                continue
            }
            if result == .bool(true) { continue }
            guard result == .bool(false) else {
                errs.append(failure("rule did not evaluate to a bool (got \(result.typeName)) for rule: \(described)"))
                continue
            }
            var detail = rule.message.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
                ?? "failed rule: \(described)"
            if let messageProgram = rule.messageProgram {
                var mev = CELEvaluator(bindings: bindings, costLimit: min(CELEvaluator.perCallLimit, budget))
                do {
                    if case .string(let s) = try mev.evaluate(messageProgram) {
                        let trimmed = s.trimmingCharacters(in: .whitespaces)
                        if !trimmed.isEmpty, !trimmed.contains("\n"), trimmed.utf8.count <= Self.maxMessageExpressionBytes { detail = trimmed }
                    }
                    budget -= mev.cost
                } catch .costExceeded {
                    errs.append(failure("messageExpression evaluation failed due to running out of cost budget, no further validation rules will be run"))
                    budget = -1
                    return
                } catch {
                    budget -= mev.cost
                }
            }
            let at = rule.fieldPath.map { Self.child(path, String($0.drop { $0 == "." })) } ?? path
            switch rule.reason {
            case "FieldValueForbidden"?: errs.append(.forbidden(at, detail))
            case "FieldValueRequired"?: errs.append(.required(at, detail))
            case "FieldValueDuplicate"?: errs.append(FieldError(kind: .duplicate, field: at, value: Self.goValue(value), detail: ""))
            default:
                var e = FieldError(kind: .invalid, field: at, value: Self.goValue(value), detail: detail)
                e.omitsValue = type == "object" || type == "array"
                errs.append(e)
            }
        }
    }

    /// How a rule is named in messages: its message, or its text.
    static func describe(_ rule: ValidationRule) -> String {
        let m = (rule.message ?? "").trimmingCharacters(in: .whitespaces)
        return m.isEmpty ? rule.rule.trimmingCharacters(in: .whitespaces) : m
    }
}
