extension StructuralSchema {
    /// The fields an object's `metadata` may have (ObjectMeta's); others are pruned.
    public static let objectMetaFields: Set<String> = [
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
        "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers", "managedFields",
    ]

    /// Drops the fields the schema does not name (unless it preserves unknown
    /// fields there), as upstream's pruning does, and returns their dotted paths
    /// sorted: the `unknown field "…"` warnings, or errors under strict field validation.
    /// At a resource's root, `apiVersion`, `kind` and `metadata` are kept and
    /// `metadata` is cut to ObjectMeta's fields.
    public func prune(_ value: inout JSONValue, path: String = "", isResourceRoot: Bool) -> [String] {
        var unknown: [String] = []
        if isResourceRoot {
            prune(&value, path, &unknown, embedded: true)
            if case .object(var o) = value, case .object(var meta)? = o["metadata"] {
                for k in meta.keys.sorted() where !Self.objectMetaFields.contains(k) {
                    meta[k] = nil
                    unknown.append(Self.child(Self.child(path, "metadata"), k))
                }
                o["metadata"] = .object(meta)
                value = .object(o)
            }
        } else {
            prune(&value, path, &unknown, embedded: embeddedResource)
        }
        return unknown.sorted()
    }

    func prune(_ value: inout JSONValue, _ path: String, _ unknown: inout [String], embedded: Bool) {
        switch value {
        case .object(var o):
            for k in Array(o.keys) {
                if embedded, k == "apiVersion" || k == "kind" || k == "metadata" { continue }
                let sub: StructuralSchema? = properties[k] ?? additionalProperties
                if let sub {
                    guard var v = o[k] else { continue }
                    o[k] = nil  // keep the child uniquely referenced while it is rewritten
                    sub.prune(&v, Self.child(path, k), &unknown, embedded: sub.embeddedResource)
                    o[k] = v
                } else if !preserveUnknownFields {
                    o[k] = nil
                    unknown.append(Self.child(path, k))
                }
            }
            value = .object(o)
        case .array(var a):
            guard let items else { return }
            for i in a.indices {
                var v = a[i]
                a[i] = .null
                items.prune(&v, "\(path)[\(i)]", &unknown, embedded: items.embeddedResource)
                a[i] = v
            }
            value = .array(a)
        default:
            break
        }
    }

    /// Fills in `default`s of missing fields, and of `null`s where the field is
    /// not nullable; drops other `null`s of fields that are not nullable (upstream's
    /// `PruneNonNullableNullsWithoutDefaults` and `Default`). Runs after pruning.
    public func applyDefaults(_ value: inout JSONValue) {
        switch value {
        case .object(var o):
            for (k, p) in properties {
                if let d = p.defaultValue {
                    if o[k] == nil || (o[k] == .null && !p.nullable) { o[k] = d }
                } else if o[k] == .null, !p.nullable {
                    o[k] = nil
                }
            }
            for k in Array(o.keys) {
                guard let sub = properties[k] ?? additionalProperties, var v = o[k] else { continue }
                if v == .null, additionalProperties != nil, properties[k] == nil, !sub.nullable {
                    if let d = sub.defaultValue { o[k] = d } else { o[k] = nil }
                    continue
                }
                o[k] = nil
                sub.applyDefaults(&v)
                o[k] = v
            }
            value = .object(o)
        case .array(var a):
            guard let items else { return }
            for i in a.indices {
                if a[i] == .null, !items.nullable, let d = items.defaultValue {
                    a[i] = d
                    continue
                }
                var v = a[i]
                a[i] = .null
                items.applyDefaults(&v)
                a[i] = v
            }
            value = .array(a)
        default:
            break
        }
    }

    /// How server-side apply merges objects of this schema: `map` lists by their
    /// (first) key, `set` lists as sets, other lists whole (atomic, as upstream
    /// treats a list without a list type), maps by key; `metadata` as ObjectMeta's.
    public func patchSchema(isResourceRoot: Bool = false) -> PatchSchema {
        var fields: [String: PatchSchema] = [:]
        for (k, p) in properties { fields[k] = p.patchSchema() }
        if isResourceRoot { fields["metadata"] = PatchSchema.forKind("").field("metadata") }
        switch type {
        case "array":
            switch listType {
            case "map"?:
                guard let key = listMapKeys.first else { return .plain }
                return .keyedList(key: key, element: items?.patchSchema() ?? .plain)
            case "set"?: return .primitiveSet
            default: return .plain
            }
        case "object":
            if let additionalProperties, mapType != "atomic" { return .map(additionalProperties.patchSchema()) }
            return fields.isEmpty ? .plain : .object(fields)
        default:
            return isResourceRoot ? .object(fields) : .plain
        }
    }
}
