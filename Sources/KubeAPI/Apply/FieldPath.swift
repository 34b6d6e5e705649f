/// One step of a path into an object, as server-side apply names fields
/// (structured-merge-diff's `PathElement`): a field of a map or struct, an
/// item of an associative list by its key fields, an item of a set by its
/// value, or an item of an atomic list by its index.
public enum PathElement: Sendable, Hashable, Comparable {
    /// `f:NAME`
    case field(String)
    /// `k:{"name":"web"}`: the item's key fields and values.
    case key(ListItemKey)
    /// `v:"value"`
    case value(JSONValue)
    /// `i:3`
    case index(Int)

    /// The key in `FieldsV1` JSON (`f:spec`, `k:{"name":"web"}`, `v:"a"`, `i:0`).
    public var fieldsV1Key: String {
        switch self {
        case .field(let n): return "f:" + n
        case .key(let k): return "k:" + k.json
        case .value(let v): return "v:" + JSONWriter.string(v)
        case .index(let i): return "i:\(i)"
        }
    }

    /// Parses a `FieldsV1` key; nil when it is not one.
    public init?(fieldsV1Key s: String) {
        guard s.count >= 2, s.dropFirst().first == ":" else { return nil }
        let rest = String(s.dropFirst(2))
        switch s.first {
        case "f": self = .field(rest)
        case "i":
            guard let i = Int(rest) else { return nil }
            self = .index(i)
        case "v":
            guard let v = try? JSONParser.parse(Array(rest.utf8)) else { return nil }
            self = .value(v)
        case "k":
            guard case .object(let o)? = try? JSONParser.parse(Array(rest.utf8)) else { return nil }
            self = .key(ListItemKey(o))
        default: return nil
        }
    }

    /// The element as structured-merge-diff prints it in paths: `.name`,
    /// `[name="web"]`, `[="value"]`, `[3]`.
    public var description: String {
        switch self {
        case .field(let n): return "." + n
        case .key(let k): return "[" + k.fields.map { "\($0.name)=\(JSONWriter.string($0.value))" }.joined(separator: ",") + "]"
        case .value(let v): return "[=\(JSONWriter.string(v))]"
        case .index(let i): return "[\(i)]"
        }
    }

    public static func < (a: PathElement, b: PathElement) -> Bool { a.fieldsV1Key < b.fieldsV1Key }
}

/// The key fields of an associative-list item, sorted by name.
public struct ListItemKey: Sendable, Hashable {
    public let fields: [Field]

    /// One key field.
    public struct Field: Sendable, Hashable {
        public let name: String
        public let value: JSONValue
    }

    public init(_ fields: [String: JSONValue]) {
        self.fields = fields.sorted { $0.key < $1.key }.map { Field(name: $0.key, value: $0.value) }
    }

    /// `{"name":"web"}` with sorted keys, as in `FieldsV1`.
    public var json: String {
        "{" + fields.map { "\(JSONWriter.string(.string($0.name))):\(JSONWriter.string($0.value))" }.joined(separator: ",") + "}"
    }
}

/// A path from the root of an object, e.g. `.spec.containers[name="web"].image`.
public typealias FieldPath = [PathElement]

extension Array where Element == PathElement {
    /// The path as structured-merge-diff prints it in conflicts.
    public var pathDescription: String { map(\.description).joined() }
}
