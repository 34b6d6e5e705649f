import Foundation

extension StructuralSchema {
    /// The errors of `value` against this schema, worded as kube-apiserver words
    /// them (kube-openapi's messages inside field errors):
    /// `spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"`.
    /// `path` is the value's dotted path (empty at the root). Recursion is bounded by the schema's depth.
    ///
    /// On an update, `old` is the stored object and validation *ratchets* as
    /// upstream's does (KEP-4008): a value equal to its old counterpart (a
    /// field by name, an item of a `map` list by its keys, of a `set` by
    /// value) is not validated again, so a definition made stricter does not
    /// stop updates that leave the offending values alone.
    public func validate(_ value: JSONValue, old: JSONValue? = nil, path: String) -> [FieldError] {
        var errs: [FieldError] = []
        validate(value, old, path, &errs)
        return errs
    }

    func validate(_ value: JSONValue, _ path: String, _ errs: inout [FieldError]) {
        validate(value, nil, path, &errs)
    }

    func validate(_ value: JSONValue, _ old: JSONValue?, _ path: String, _ errs: inout [FieldError]) {
        if let old, old == value {
            // Unchanged: ratcheted, except the list types' uniqueness, which upstream always checks.
            validateListTypes(value, path, &errs)
            return
        }
        let name = path.isEmpty ? "." : path
        if case .null = value {
            if !nullable, let t = type ?? (intOrString ? "integer" : nil) {
                errs.append(Self.typeError(path, "null", expected: intOrString ? "integer,string" : t))
            }
            return
        }
        guard checkType(value, path, &errs) else { return }
        if let format, case .string(let s) = value, !SchemaFormats.isValid(s, format: format) {
            errs.append(Self.typeError(path, s, expected: format))
        }
        if let enumValues, !enumValues.contains(where: { Self.equalJSON($0, value) }) {
            errs.append(FieldError(kind: .notSupported, field: path, value: Self.goValue(value),
                                   detail: "supported values: " + enumValues.map { $0.stringValue.map(FieldError.quote) ?? FieldError.quote(JSONWriter.string($0)) }.joined(separator: ", ")))
        }
        switch value {
        case .string(let s):
            let length = Int64(s.unicodeScalars.count)
            if let maxLength, length > maxLength { errs.append(.tooLong(path, Int(maxLength))) }
            if let minLength, length < minLength {
                errs.append(invalid(path, value, "\(name) in body should be at least \(minLength) chars long"))
            }
            if let pattern, !pattern.matches(s) {
                errs.append(invalid(path, value, "\(name) in body should match '\(pattern.pattern)'"))
            }
        case .int, .double:
            validateNumber(value, path, name, &errs)
        case .array(let a):
            if let maxItems, a.count > maxItems { errs.append(.tooMany(path, a.count, Int(maxItems))) }
            if let minItems, a.count < minItems {
                errs.append(invalid(path, value, "\(name) in body should have at least \(minItems) items"))
            }
            if uniqueItems || listType == "set" {
                if let dup = Self.firstDuplicate(a) {
                    errs.append(listType == "set" ? FieldError(kind: .duplicate, field: "\(path)[\(dup)]", value: Self.goValue(a[dup]), detail: "")
                                : invalid(path, value, "\(name) in body shouldn't contain duplicates"))
                }
            }
            if listType == "map" { validateMapList(a, path, &errs) }
            if let items {
                let correlate = correlation(old?.arrayValue ?? [])
                for (i, v) in a.enumerated() { items.validate(v, correlate(v), "\(path)[\(i)]", &errs) }
            }
        case .object(let o):
            if let maxProperties, o.count > maxProperties { errs.append(.tooMany(path, o.count, Int(maxProperties))) }
            if let minProperties, o.count < minProperties {
                errs.append(invalid(path, value, "\(name) in body should have at least \(minProperties) properties"))
            }
            for r in required where o[r] == nil { errs.append(.required(Self.child(path, r))) }
            for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                if embeddedResource, k == "apiVersion" || k == "kind" || k == "metadata" { continue }
                if let p = properties[k] {
                    p.validate(v, old?.objectValue?[k], Self.child(path, k), &errs)
                } else if let additionalProperties {
                    additionalProperties.validate(v, old?.objectValue?[k], Self.child(path, k), &errs)
                }
            }
            if embeddedResource { validateEmbedded(o, path, &errs) }
        default:
            break
        }
        validateJunctors(value, path, name, &errs)
    }

    /// False (with the error) when the value's JSON type is not the schema's.
    func checkType(_ value: JSONValue, _ path: String, _ errs: inout [FieldError]) -> Bool {
        let actual: String
        switch value {
        case .null: actual = "null"
        case .bool: actual = "boolean"
        case .int: actual = "integer"
        case .double: actual = value.intValue != nil ? "integer" : "number"
        case .string: actual = "string"
        case .array: actual = "array"
        case .object: actual = "object"
        }
        if intOrString {
            if actual == "integer" || actual == "string" { return true }
            errs.append(Self.typeError(path, actual, expected: "integer,string"))
            return false
        }
        guard let type else { return true }
        let ok = type == actual || (type == "number" && actual == "integer")
        if !ok { errs.append(Self.typeError(path, actual, expected: type)) }
        return ok
    }

    func validateNumber(_ value: JSONValue, _ path: String, _ name: String, _ errs: inout [FieldError]) {
        guard let n = value.numberValue else { return }
        if let maximum {
            if exclusiveMaximum ? n >= maximum : n > maximum {
                errs.append(invalid(path, value, "\(name) in body should be less than \(exclusiveMaximum ? "" : "or equal to ")\(JSONWriter.numberText(maximum))"))
            }
        }
        if let minimum {
            if exclusiveMinimum ? n <= minimum : n < minimum {
                errs.append(invalid(path, value, "\(name) in body should be greater than \(exclusiveMinimum ? "" : "or equal to ")\(JSONWriter.numberText(minimum))"))
            }
        }
        if let multipleOf, multipleOf > 0 {
            let q = n / multipleOf
            if q.rounded() != q { errs.append(invalid(path, value, "\(name) in body should be a multiple of \(JSONWriter.numberText(multipleOf))")) }
        }
    }

    /// The uniqueness of `set` items and `map` keys in `value` and below.
    func validateListTypes(_ value: JSONValue, _ path: String, _ errs: inout [FieldError]) {
        switch value {
        case .array(let a):
            if listType == "set", let dup = Self.firstDuplicate(a) {
                errs.append(FieldError(kind: .duplicate, field: "\(path)[\(dup)]", value: Self.goValue(a[dup]), detail: ""))
            }
            if listType == "map" { validateMapList(a, path, &errs) }
            if let items { for (i, v) in a.enumerated() { items.validateListTypes(v, "\(path)[\(i)]", &errs) } }
        case .object(let o):
            for (k, v) in o.sorted(by: { $0.key < $1.key }) {
                (properties[k] ?? additionalProperties)?.validateListTypes(v, Self.child(path, k), &errs)
            }
        default:
            break
        }
    }

    /// Items of a `map` list are identified by their keys: two with the same keys are duplicates.
    func validateMapList(_ a: [JSONValue], _ path: String, _ errs: inout [FieldError]) {
        var seen = Set<[JSONValue]>()
        for (i, item) in a.enumerated() {
            guard let o = item.objectValue else { continue }
            let key = listMapKeys.map { o[$0] ?? items?.properties[$0]?.defaultValue ?? .null }
            if !seen.insert(key).inserted {
                let shown = "map[string]interface {}{" + zip(listMapKeys, key).map { "\"\($0)\":\(Self.goValue($1))" }.joined(separator: ", ") + "}"
                errs.append(FieldError(kind: .duplicate, field: "\(path)[\(i)]", value: shown, detail: ""))
            }
        }
    }

    /// An embedded object must say what it is.
    func validateEmbedded(_ o: [String: JSONValue], _ path: String, _ errs: inout [FieldError]) {
        for key in ["apiVersion", "kind"] {
            switch o[key] {
            case .string(let s)? where !s.isEmpty: break
            case .string?, nil, .null?: errs.append(.required(Self.child(path, key), "must not be empty"))
            case let v?: errs.append(Self.typeError(Self.child(path, key), JSONWriter.string(v), expected: "string"))
            }
        }
        if let m = o["metadata"], m.objectValue == nil, !m.isNull {
            errs.append(Self.typeError(Self.child(path, "metadata"), JSONWriter.string(m), expected: "object"))
        }
    }

    func validateJunctors(_ value: JSONValue, _ path: String, _ name: String, _ errs: inout [FieldError]) {
        for s in junctors.allOf { s.validate(value, path, &errs) }
        if !junctors.anyOf.isEmpty {
            var first: [FieldError]?
            var passed = false
            for s in junctors.anyOf {
                let e = s.validate(value, path: path)
                if e.isEmpty { passed = true; break }
                if first == nil { first = e }
            }
            if !passed {
                errs.append(invalid(path, value, "\(name) in body must validate at least one schema (anyOf)"))
                errs += first ?? []
            }
        }
        if !junctors.oneOf.isEmpty {
            let passing = junctors.oneOf.filter { $0.validate(value, path: path).isEmpty }.count
            if passing != 1 { errs.append(invalid(path, value, "\(name) in body must validate one and only one schema (oneOf)")) }
        }
        if let not = junctors.not, not.validate(value, path: path).isEmpty {
            errs.append(invalid(path, value, "\(name) in body must not validate the schema (not)"))
        }
    }

    // MARK: wording

    func invalid(_ path: String, _ value: JSONValue, _ detail: String) -> FieldError {
        FieldError(kind: .invalid, field: path, value: Self.goValue(value), detail: detail)
    }

    /// `spec.x: Invalid value: "string": spec.x in body must be of type integer: "string"`.
    static func typeError(_ path: String, _ actual: String, expected: String) -> FieldError {
        let name = path.isEmpty ? "." : path
        return FieldError(kind: .invalid, field: path, value: FieldError.quote(actual),
                          detail: "\(name) in body must be of type \(expected): \(FieldError.quote(actual))")
    }

    /// `a.b` under `a` (or `b` at the root).
    static func child(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// A value as Go's `%#v`-like field errors print it: strings quoted, numbers plain.
    static func goValue(_ v: JSONValue) -> String {
        switch v {
        case .string(let s): return FieldError.quote(s)
        case .int(let i): return String(i)
        case .double(let d): return JSONWriter.numberText(d)
        case .bool(let b): return String(b)
        case .null: return "null"
        default: return JSONWriter.string(v)
        }
    }

    /// JSON equality with 1 == 1.0.
    static func equalJSON(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.int, .double), (.double, .int), (.double, .double): return a.numberValue == b.numberValue
        default: return a == b
        }
    }

    /// The index of the first item equal to an earlier one.
    static func firstDuplicate(_ a: [JSONValue]) -> Int? {
        var seen = Set<JSONValue>()
        for (i, v) in a.enumerated() where !seen.insert(v).inserted { return i }
        return nil
    }
}
