/// Merging an applied configuration into a live object, and removing the
/// fields a manager stopped applying (structured-merge-diff's `Merge` and
/// `RemoveItems`), guided by patch metadata.
enum ApplyMerge {
    /// `config` over `live`: maps merge, associative lists merge by key
    /// (live order, new items appended), sets of scalars union, the rest
    /// is replaced. A `null` in the configuration removes the field.
    static func merge(_ live: JSONValue?, _ config: JSONValue, schema: PatchSchema) -> JSONValue {
        switch (live, config) {
        case (.object(var out)?, .object(let c)):
            for (k, v) in c {
                if v.isNull { out[k] = nil } else { out[k] = merge(out[k], v, schema: schema.field(k)) }
            }
            return .object(out)
        case (nil, .object(let c)):
            return .object(c.filter { !$0.value.isNull }.mapValues { merge(nil, $0, schema: .plain) })
        case (.array(let l)?, .array(let c)):
            switch schema {
            case .keyedList(let key, let element):
                guard let lk = FieldSetWalker.keys(l, key: key), let ck = FieldSetWalker.keys(c, key: key) else { return config }
                var out = l
                var index = Dictionary(uniqueKeysWithValues: lk.enumerated().map { ($0.element, $0.offset) })
                for (item, k) in zip(c, ck) {
                    if let i = index[k] {
                        out[i] = merge(out[i], item, schema: element)
                    } else {
                        index[k] = out.count
                        out.append(item)
                    }
                }
                return .array(out)
            case .primitiveSet:
                var out = l
                for v in c where !out.contains(v) { out.append(v) }
                return .array(out)
            default:
                return config
            }
        default:
            return config
        }
    }

    /// `value` without the fields of `remove`, except those `keep` holds or
    /// holds something below. Maps and list items a removal empties go too
    /// unless kept.
    static func removing(_ remove: FieldSet, from value: JSONValue, keep: FieldSet, schema: PatchSchema) -> JSONValue {
        switch value {
        case .object(var o):
            for (k, v) in o {
                let e = PathElement.field(k)
                let kept = keep.containsPrefix([e])
                if remove.members.contains(e), !kept {
                    o[k] = nil
                } else if let sub = remove.children[e] {
                    let r = removing(sub, from: v, keep: keep.children[e] ?? FieldSet(), schema: schema.field(k))
                    if Self.isEmptyContainer(r), !Self.isEmptyContainer(v), !kept { o[k] = nil } else { o[k] = r }
                }
            }
            return .object(o)
        case .array(let items):
            switch schema {
            case .keyedList(let key, let element):
                guard let keys = FieldSetWalker.keys(items, key: key) else { return value }
                var out: [JSONValue] = []
                for (item, k) in zip(items, keys) {
                    let kept = keep.containsPrefix([k])
                    if remove.members.contains(k), !kept { continue }
                    if let sub = remove.children[k] {
                        out.append(removing(sub, from: item, keep: keep.children[k] ?? FieldSet(), schema: element))
                    } else {
                        out.append(item)
                    }
                }
                return .array(out)
            case .primitiveSet:
                return .array(items.filter { v in !(remove.members.contains(.value(v)) && !keep.members.contains(.value(v))) })
            default:
                return value
            }
        default:
            return value
        }
    }

    static func isEmptyContainer(_ v: JSONValue) -> Bool {
        switch v {
        case .object(let o): return o.isEmpty
        case .array(let a): return a.isEmpty
        default: return false
        }
    }
}
