/// Walks objects with their patch metadata to find the fields they set
/// (structured-merge-diff's `ToFieldSet`) and the fields a change touched
/// (its `Compare`). Lists with a merge key are associative (items are
/// owned by key), sets of scalars are owned by value, other lists are
/// atomic (owned as a whole).
enum FieldSetWalker {
    /// The key element of an associative-list item, or nil when the item
    /// lacks the key (the list is then treated as atomic).
    static func itemKey(_ item: JSONValue, key: String) -> PathElement? {
        guard let k = item[key], !k.isNull else { return nil }
        return .key(ListItemKey([key: k]))
    }

    /// Item keys of an associative list, or nil when an item lacks its key
    /// or two items share one.
    static func keys(_ items: [JSONValue], key: String) -> [PathElement]? {
        var out: [PathElement] = []
        var seen: Set<PathElement> = []
        for item in items {
            guard let k = itemKey(item, key: key), seen.insert(k).inserted else { return nil }
            out.append(k)
        }
        return out
    }

    /// Paths at least this long are owned whole, as leaves: `managedFields`
    /// nests a few levels around the paths it records, and must stay within
    /// ``JSONParser/maxDepth`` for the object to be read back.
    static let deepestPath = JSONParser.maxDepth - 16

    /// Every field `value` sets, below `path`.
    static func fieldSet(_ value: JSONValue, schema: PatchSchema, path: inout FieldPath, into set: inout FieldSet) {
        if path.count >= deepestPath {
            set.insert(path)
            return
        }
        switch value {
        case .object(let o):
            if o.isEmpty {
                if !path.isEmpty { set.insert(path) }
                return
            }
            for (k, v) in o {
                path.append(.field(k))
                fieldSet(v, schema: schema.field(k), path: &path, into: &set)
                path.removeLast()
            }
        case .array(let items):
            switch schema {
            case .keyedList(let key, let element):
                guard let keys = keys(items, key: key) else {
                    set.insert(path)
                    return
                }
                for (item, k) in zip(items, keys) {
                    path.append(k)
                    set.insert(path)
                    if case .object(let o) = item {
                        for (f, v) in o {
                            path.append(.field(f))
                            fieldSet(v, schema: element.field(f), path: &path, into: &set)
                            path.removeLast()
                        }
                    }
                    path.removeLast()
                }
            case .primitiveSet:
                for item in items {
                    path.append(.value(item))
                    set.insert(path)
                    path.removeLast()
                }
            default:
                set.insert(path)
            }
        default:
            set.insert(path)
        }
    }

    /// The fields of a whole object.
    static func fieldSet(_ value: JSONValue, schema: PatchSchema) -> FieldSet {
        var set = FieldSet()
        var path: FieldPath = []
        fieldSet(value, schema: schema, path: &path, into: &set)
        return set
    }

    /// What changed from `old` to `new`: fields added or modified, and fields removed.
    struct Comparison {
        var changed = FieldSet()
        var removed = FieldSet()
    }

    static func compare(_ old: JSONValue?, _ new: JSONValue?, schema: PatchSchema, path: inout FieldPath, into c: inout Comparison) {
        switch (old, new) {
        case (nil, nil):
            return
        case (nil, _?) where path.count >= deepestPath:
            c.changed.insert(path)
        case (_?, nil) where path.count >= deepestPath:
            c.removed.insert(path)
        case (let o?, let n?) where path.count >= deepestPath:
            if o != n { c.changed.insert(path) }
        case (nil, let n?):
            fieldSet(n, schema: schema, path: &path, into: &c.changed)
        case (let o?, nil):
            fieldSet(o, schema: schema, path: &path, into: &c.removed)
            if !path.isEmpty { c.removed.insert(path) }
        case (.object(let o)?, .object(let n)?):
            if o.isEmpty != n.isEmpty, !path.isEmpty {
                // `{}` is owned as a value of its own.
                if n.isEmpty { c.changed.insert(path) } else { c.removed.insert(path) }
            }
            for k in Set(o.keys).union(n.keys) {
                path.append(.field(k))
                compare(o[k], n[k], schema: schema.field(k), path: &path, into: &c)
                path.removeLast()
            }
        case (.array(let o)?, .array(let n)?):
            switch schema {
            case .keyedList(let key, let element):
                if let ok = keys(o, key: key), let nk = keys(n, key: key) {
                    let oldItems = Dictionary(uniqueKeysWithValues: zip(ok, o))
                    let newItems = Dictionary(uniqueKeysWithValues: zip(nk, n))
                    for k in Set(ok).union(nk) {
                        path.append(k)
                        switch (oldItems[k], newItems[k]) {
                        case (nil, _?): c.changed.insert(path)
                        case (_?, nil): c.removed.insert(path)
                        default: break
                        }
                        compare(oldItems[k], newItems[k], schema: element, path: &path, into: &c)
                        path.removeLast()
                    }
                    return
                }
            case .primitiveSet:
                let os = Set(o), ns = Set(n)
                for v in ns.subtracting(os) {
                    path.append(.value(v))
                    c.changed.insert(path)
                    path.removeLast()
                }
                for v in os.subtracting(ns) {
                    path.append(.value(v))
                    c.removed.insert(path)
                    path.removeLast()
                }
                return
            default:
                break
            }
            if o != n { c.changed.insert(path) }
        case (let o?, let n?):
            guard o != n else { return }
            if case .object = o { fieldSet(o, schema: schema, path: &path, into: &c.removed) }
            fieldSet(n, schema: schema, path: &path, into: &c.changed)
        }
    }

    static func compare(_ old: JSONValue?, _ new: JSONValue?, schema: PatchSchema) -> Comparison {
        var c = Comparison()
        var path: FieldPath = []
        compare(old, new, schema: schema, path: &path, into: &c)
        return c
    }
}
