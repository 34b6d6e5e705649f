/// Kubernetes strategic merge patch for the built-in types.
///
/// Maps merge recursively and `null` deletes a key. Lists with a merge key
/// (containers by `name`, ports by `containerPort`, env by `name`, volumes by
/// `name`, conditions by `type`, ...) merge element-wise; other lists replace.
/// Directives: `$patch: replace|delete|merge` in maps and list elements,
/// `$retainKeys`, `$setElementOrder/FIELD`, `$deleteFromPrimitiveList/FIELD`.
/// Unknown `$` directives are ignored.
public enum StrategicMergePatch {
    /// Applies `patch` to `doc` using the patch metadata of `kind`.
    public static func apply(_ patch: JSONValue, to doc: JSONValue, kind: String) throws(PatchError) -> JSONValue {
        guard case .object = patch else { throw .bad("strategic merge patch must be a JSON object") }
        return try mergeMap(patch, into: doc, schema: PatchSchema.forKind(kind))
    }

    static func mergeMap(_ patch: JSONValue, into doc: JSONValue, schema: PatchSchema) throws(PatchError) -> JSONValue {
        guard case .object(var p) = patch else { return patch }
        if let directive = p["$patch"] {
            switch directive.stringValue {
            case "replace":
                p.removeValue(forKey: "$patch")
                return .object(stripDirectives(p))
            case "delete":
                return .null
            case "merge":
                p.removeValue(forKey: "$patch")
            default:
                throw .bad("Unknown patch type: \(directive)")
            }
        }
        var target = doc.objectValue ?? [:]
        if let retain = p.removeValue(forKey: "$retainKeys") {
            guard case .array(let keys) = retain else { throw .bad("$retainKeys must be a list of strings") }
            let keep = Set(keys.compactMap(\.stringValue))
            target = target.filter { keep.contains($0.key) }
        }
        var orders: [String: [JSONValue]] = [:]
        var deletions: [String: [JSONValue]] = [:]
        for (k, v) in p where k.hasPrefix("$") {
            if k.hasPrefix("$setElementOrder/") {
                guard case .array(let a) = v else { throw .bad("\(k) must be a list") }
                orders[String(k.dropFirst("$setElementOrder/".count))] = a
            } else if k.hasPrefix("$deleteFromPrimitiveList/") {
                guard case .array(let a) = v else { throw .bad("\(k) must be a list") }
                deletions[String(k.dropFirst("$deleteFromPrimitiveList/".count))] = a
            }
        }
        for (k, v) in p where !k.hasPrefix("$") {
            let fieldSchema = schema.field(k)
            if v.isNull {
                target.removeValue(forKey: k)
                continue
            }
            let merged: JSONValue
            switch (v, fieldSchema) {
            case (.object, _):
                if let cur = target[k], cur.objectValue == nil {
                    merged = try mergeMap(v, into: .emptyObject, schema: fieldSchema)
                } else {
                    merged = try mergeMap(v, into: target[k] ?? .emptyObject, schema: fieldSchema)
                }
            case (.array(let items), .keyedList(let key, let element)):
                merged = try mergeKeyedList(items, into: target[k]?.arrayValue ?? [], key: key, element: element)
            case (.array(let items), .primitiveSet):
                var out = target[k]?.arrayValue ?? []
                for item in items where !out.contains(item) { out.append(item) }
                merged = .array(out)
            default:
                merged = v
            }
            if merged.isNull { target.removeValue(forKey: k) } else { target[k] = merged }
        }
        for (field, values) in deletions {
            if case .array(let cur) = target[field] ?? .null {
                target[field] = .array(cur.filter { !values.contains($0) })
            }
        }
        for (field, order) in orders {
            guard case .array(let cur) = target[field] ?? .null else { continue }
            target[field] = .array(reorder(cur, by: order, key: schema.field(field)))
        }
        return .object(target)
    }

    private static func stripDirectives(_ o: [String: JSONValue]) -> [String: JSONValue] {
        o.filter { !$0.key.hasPrefix("$") }
    }

    private static func mergeKeyedList(_ patch: [JSONValue], into cur: [JSONValue], key: String,
                                       element: PatchSchema) throws(PatchError) -> JSONValue {
        if patch.contains(where: { $0["$patch"]?.stringValue == "replace" }) {
            return .array(patch.filter { $0["$patch"] == nil }.map { item in
                if case .object(let o) = item { return .object(stripDirectives(o)) }
                return item
            })
        }
        var out = cur
        for item in patch {
            guard case .object(let o) = item else {
                // A scalar in a keyed list: treat as a set member.
                if !out.contains(item) { out.append(item) }
                continue
            }
            guard let keyValue = o[key] else {
                if o["$patch"]?.stringValue == "delete" { continue }
                throw .fails("map: \(JSONWriter.string(item)) does not contain declared merge key: \(key)")
            }
            let idx = out.firstIndex { $0[key] == keyValue }
            if o["$patch"]?.stringValue == "delete" {
                out.removeAll { $0[key] == keyValue }
                continue
            }
            if let idx {
                out[idx] = try mergeMap(item, into: out[idx], schema: element)
            } else {
                out.append(try mergeMap(item, into: .emptyObject, schema: element))
            }
        }
        return .array(out)
    }

    private static func reorder(_ items: [JSONValue], by order: [JSONValue], key: PatchSchema) -> [JSONValue] {
        func identity(_ v: JSONValue) -> JSONValue {
            if case .keyedList(let k, _) = key, let kv = v[k] { return kv }
            return v
        }
        let position = Dictionary(order.enumerated().map { (identity($0.element), $0.offset) }, uniquingKeysWith: { a, _ in a })
        let indexed = items.enumerated().map { (pos: position[identity($0.element)], idx: $0.offset, v: $0.element) }
        return indexed.sorted { a, b in
            switch (a.pos, b.pos) {
            case (let x?, let y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.idx < b.idx
            }
        }.map(\.v)
    }
}
