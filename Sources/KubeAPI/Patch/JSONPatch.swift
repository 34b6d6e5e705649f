/// Why a patch could not be applied.
public struct PatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// True when the patch document itself is malformed (HTTP 400); false when
    /// it is well-formed but does not apply to the object (HTTP 422).
    public var malformed: Bool
    public var message: String
    public var description: String { message }

    public init(malformed: Bool, message: String) {
        self.malformed = malformed
        self.message = message
    }

    static func bad(_ m: String) -> PatchError { PatchError(malformed: true, message: m) }
    static func fails(_ m: String) -> PatchError { PatchError(malformed: false, message: m) }
}

/// RFC 6902 JSON Patch: add, remove, replace, move, copy, test.
public enum JSONPatch {
    /// Applies a patch document (a JSON array of operations) to a value.
    public static func apply(_ patch: JSONValue, to doc: JSONValue) throws(PatchError) -> JSONValue {
        guard case .array(let ops) = patch else { throw .bad("json patch must be an array of operations") }
        var doc = doc
        for (i, opValue) in ops.enumerated() {
            guard case .object(let op) = opValue else { throw .bad("json patch operation \(i) is not an object") }
            guard let name = op["op"]?.stringValue else { throw .bad("json patch operation \(i) has no \"op\"") }
            guard let pathText = op["path"]?.stringValue else { throw .bad("json patch operation \(i) has no \"path\"") }
            let path = try pointer(pathText)
            switch name {
            case "add":
                guard let v = op["value"] else { throw .bad("json patch add operation \(i) has no \"value\"") }
                try add(&doc, path[...], v)
            case "remove":
                _ = try remove(&doc, path[...], pathText)
            case "replace":
                guard let v = op["value"] else { throw .bad("json patch replace operation \(i) has no \"value\"") }
                _ = try remove(&doc, path[...], pathText)
                try add(&doc, path[...], v)
            case "move":
                guard let fromText = op["from"]?.stringValue else { throw .bad("json patch move operation \(i) has no \"from\"") }
                let v = try remove(&doc, try pointer(fromText)[...], fromText)
                try add(&doc, path[...], v)
            case "copy":
                guard let fromText = op["from"]?.stringValue else { throw .bad("json patch copy operation \(i) has no \"from\"") }
                let v = try get(doc, try pointer(fromText)[...], fromText)
                try add(&doc, path[...], v)
            case "test":
                guard let v = op["value"] else { throw .bad("json patch test operation \(i) has no \"value\"") }
                let cur = try get(doc, path[...], pathText)
                guard equalNumbersLoose(cur, v) else { throw .fails("testing value \(pathText) failed: test failed") }
            default:
                throw .bad("Unexpected kind: \(name)")
            }
        }
        return doc
    }

    private static func equalNumbersLoose(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if a == b { return true }
        if let x = a.intValue, let y = b.intValue { return x == y }
        return false
    }

    /// Splits a JSON pointer (`/spec/containers/0/image`) into unescaped tokens.
    public static func pointer(_ text: String) throws(PatchError) -> [String] {
        if text.isEmpty { return [] }
        guard text.hasPrefix("/") else { throw .bad("JSON pointer must be empty or start with a \"/\": \(text)") }
        return text.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    private static func index(_ token: String, count: Int, allowEnd: Bool, _ path: String) throws(PatchError) -> Int {
        if allowEnd && token == "-" { return count }
        guard let i = Int(token), i >= 0, token == String(i) else { throw .fails("invalid array index \(token) in \(path)") }
        guard i < count || (allowEnd && i == count) else { throw .fails("array index \(i) out of bounds in \(path)") }
        return i
    }

    static func get(_ doc: JSONValue, _ path: ArraySlice<String>, _ text: String) throws(PatchError) -> JSONValue {
        guard let first = path.first else { return doc }
        switch doc {
        case .object(let o):
            guard let child = o[first] else { throw .fails("doc is missing path: \(text)") }
            return try get(child, path.dropFirst(), text)
        case .array(let a):
            let i = try index(first, count: a.count, allowEnd: false, text)
            return try get(a[i], path.dropFirst(), text)
        default:
            throw .fails("doc is missing path: \(text)")
        }
    }

    static func add(_ doc: inout JSONValue, _ path: ArraySlice<String>, _ value: JSONValue) throws(PatchError) {
        guard let first = path.first else {
            doc = value
            return
        }
        let text = "/" + path.joined(separator: "/")
        switch doc {
        case .object(var o):
            if path.count == 1 {
                o[first] = value
            } else {
                guard var child = o[first] else { throw .fails("doc is missing path: \(text)") }
                try add(&child, path.dropFirst(), value)
                o[first] = child
            }
            doc = .object(o)
        case .array(var a):
            if path.count == 1 {
                let i = try index(first, count: a.count, allowEnd: true, text)
                a.insert(value, at: i)
            } else {
                let i = try index(first, count: a.count, allowEnd: false, text)
                try add(&a[i], path.dropFirst(), value)
            }
            doc = .array(a)
        default:
            throw .fails("doc is missing path: \(text)")
        }
    }

    static func remove(_ doc: inout JSONValue, _ path: ArraySlice<String>, _ text: String) throws(PatchError) -> JSONValue {
        guard let first = path.first else { throw .fails("cannot remove the whole document") }
        switch doc {
        case .object(var o):
            let removed: JSONValue
            if path.count == 1 {
                guard let v = o.removeValue(forKey: first) else { throw .fails("Unable to remove nonexistent key: \(first): missing value") }
                removed = v
            } else {
                guard var child = o[first] else { throw .fails("doc is missing path: \(text)") }
                removed = try remove(&child, path.dropFirst(), text)
                o[first] = child
            }
            doc = .object(o)
            return removed
        case .array(var a):
            let i = try index(first, count: a.count, allowEnd: false, text)
            let removed: JSONValue
            if path.count == 1 {
                removed = a.remove(at: i)
            } else {
                removed = try remove(&a[i], path.dropFirst(), text)
            }
            doc = .array(a)
            return removed
        default:
            throw .fails("doc is missing path: \(text)")
        }
    }
}

/// RFC 7386 JSON Merge Patch.
public enum MergePatch {
    /// Applies a merge patch: objects merge recursively, null deletes, anything else replaces.
    public static func apply(_ patch: JSONValue, to doc: JSONValue) -> JSONValue {
        guard case .object(let p) = patch else { return patch }
        var target = doc.objectValue ?? [:]
        for (k, v) in p {
            if v.isNull {
                target.removeValue(forKey: k)
            } else {
                target[k] = apply(v, to: target[k] ?? .null)
            }
        }
        return .object(target)
    }

    /// The merge patch that turns `from` into `to`.
    public static func diff(from: JSONValue, to: JSONValue) -> JSONValue? {
        guard case .object(let a) = from, case .object(let b) = to else { return from == to ? nil : to }
        var out: [String: JSONValue] = [:]
        for (k, av) in a where b[k] == nil { _ = av; out[k] = .null }
        for (k, bv) in b {
            if let av = a[k] {
                if let d = diff(from: av, to: bv) { out[k] = d }
            } else {
                out[k] = bv
            }
        }
        return out.isEmpty ? nil : .object(out)
    }
}
