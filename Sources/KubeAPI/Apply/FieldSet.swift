/// A set of field paths, stored as a tree (structured-merge-diff's
/// `fieldpath.Set`): what one manager owns, or what a change touched.
/// `members` are the paths ending at this node; `children` continue them.
public struct FieldSet: Sendable, Hashable {
    public var members: Set<PathElement> = []
    public var children: [PathElement: FieldSet] = [:]

    public init() {}

    public var isEmpty: Bool { members.isEmpty && children.isEmpty }

    /// Adds one path.
    public mutating func insert(_ path: some Collection<PathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst())
        }
    }

    /// Whether the set holds exactly this path.
    public func contains(_ path: some Collection<PathElement>) -> Bool {
        guard let first = path.first else { return false }
        if path.count == 1 { return members.contains(first) }
        return children[first]?.contains(path.dropFirst()) ?? false
    }

    /// Whether the set holds this path or any path below it.
    public func containsPrefix(_ path: some Collection<PathElement>) -> Bool {
        guard let first = path.first else { return !isEmpty }
        if path.count == 1 { return members.contains(first) || children[first] != nil }
        return children[first]?.containsPrefix(path.dropFirst()) ?? false
    }

    public func union(_ other: FieldSet) -> FieldSet {
        var out = self
        out.members.formUnion(other.members)
        for (k, v) in other.children { out.children[k] = out.children[k].map { $0.union(v) } ?? v }
        return out
    }

    public func intersection(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.intersection(other.members)
        for (k, v) in children {
            guard let o = other.children[k] else { continue }
            let i = v.intersection(o)
            if !i.isEmpty { out.children[k] = i }
        }
        return out
    }

    public func subtracting(_ other: FieldSet) -> FieldSet {
        var out = FieldSet()
        out.members = members.subtracting(other.members)
        for (k, v) in children {
            let d = other.children[k].map { v.subtracting($0) } ?? v
            if !d.isEmpty { out.children[k] = d }
        }
        return out
    }

    /// Every path in the set, in a stable order.
    public var paths: [FieldPath] {
        var out: [FieldPath] = []
        var prefix: FieldPath = []
        collect(into: &out, prefix: &prefix)
        return out
    }

    private func collect(into out: inout [FieldPath], prefix: inout FieldPath) {
        for k in Set(members).union(children.keys).sorted() {
            prefix.append(k)
            if members.contains(k) { out.append(prefix) }
            children[k]?.collect(into: &out, prefix: &prefix)
            prefix.removeLast()
        }
    }

    // MARK: FieldsV1

    /// The set in `FieldsV1` form: `{"f:spec":{"f:replicas":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`.
    public var fieldsV1: JSONValue {
        var o: [String: JSONValue] = [:]
        for m in members where children[m] == nil { o[m.fieldsV1Key] = .emptyObject }
        for (k, child) in children {
            var c = child.fieldsV1
            if members.contains(k) { c["."] = .emptyObject }
            o[k.fieldsV1Key] = c
        }
        return .object(o)
    }

    /// Parses `FieldsV1` JSON; throws a message naming the bad key.
    public init(fieldsV1 json: JSONValue) throws(FieldSetError) {
        guard case .object(let o) = json else { throw FieldSetError(message: "FieldsV1 must be an object, not \(json.typeName)") }
        for (k, v) in o {
            if k == "." { continue }
            guard let element = PathElement(fieldsV1Key: k) else { throw FieldSetError(message: "unknown FieldsV1 key \"\(k)\"") }
            guard case .object(let sub) = v else { throw FieldSetError(message: "FieldsV1 value of \"\(k)\" must be an object") }
            if sub.isEmpty || sub["."] != nil { members.insert(element) }
            if sub.contains(where: { $0.key != "." }) { children[element] = try FieldSet(fieldsV1: v) }
        }
    }
}

/// A `FieldsV1` document that could not be read.
public struct FieldSetError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
