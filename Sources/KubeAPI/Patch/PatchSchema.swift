/// Patch metadata of a field for strategic merge patch: the Go struct tags
/// `patchStrategy` and `patchMergeKey` of the core types, as a tree.
///
/// The tree is derived from the model (``ModelSchemas``): the shapes the Swift
/// types decode and the `x-kubernetes-patch-strategy` and
/// `x-kubernetes-patch-merge-key` metadata of their fields, the same data the
/// OpenAPI documents publish, so strategic merge patch and OpenAPI agree.
public indirect enum PatchSchema: Sendable {
    /// An object whose listed fields have their own metadata; other fields are plain.
    case object([String: PatchSchema])
    /// A list merged by `key`, each element described by `element`.
    case keyedList(key: String, element: PatchSchema)
    /// A list of scalars merged as a set (e.g. finalizers).
    case primitiveSet
    /// A map whose values all share one schema (not used for plain maps).
    case map(PatchSchema)
    /// Anything else: lists replace, maps merge.
    case plain

    /// The schema of a field of an object schema.
    public func field(_ name: String) -> PatchSchema {
        switch self {
        case .object(let f): return f[name] ?? .plain
        case .map(let s): return s
        default: return .plain
        }
    }

    /// The schema of a whole object of a kind (kinds without a model get
    /// only their metadata's).
    public static func forKind(_ kind: String) -> PatchSchema {
        if let s = byKind[kind] { return s }
        return .object(["metadata": byType["ObjectMeta"] ?? .plain])
    }

    /// The schema of a model struct by Swift type name (`PodSpec`), `.plain` if unknown.
    public static func forType(_ name: String) -> PatchSchema { byType[name] ?? .plain }

    private static let derived = PatchSchemaDerivation(ModelSchemas.served)
    private static var byType: [String: PatchSchema] { derived.byType }
    private static var byKind: [String: PatchSchema] { derived.byKind }

    var isPlain: Bool {
        if case .plain = self { return true }
        return false
    }
}

/// Builds ``PatchSchema`` trees for every struct of a ``ModelSchemaSet``.
struct PatchSchemaDerivation: Sendable {
    /// Schema of every struct by Swift type name (plain ones left out).
    private(set) var byType: [String: PatchSchema] = [:]
    /// Schema of every root kind.
    private(set) var byKind: [String: PatchSchema] = [:]

    init(_ set: ModelSchemaSet) {
        var done: [String: PatchSchema] = [:]
        func type(_ name: String) -> PatchSchema {
            if let s = done[name] { return s }
            done[name] = .plain  // a cycle reads as plain
            guard let shape = set.shapes[name] else { return .plain }
            let meta = set.metadata(name)
            var fields: [String: PatchSchema] = [:]
            for f in shape.fields {
                let s = node(f.node, meta.fields[f.name])
                if !s.isPlain { fields[f.name] = s }
            }
            let s: PatchSchema = fields.isEmpty ? .plain : .object(fields)
            done[name] = s
            return s
        }
        func node(_ n: SchemaNode, _ field: FieldMetadata?) -> PatchSchema {
            switch n {
            case .array(let element):
                guard let field, field.mergesList else { return .plain }
                if let key = field.patchMergeKey { return .keyedList(key: key, element: node(element, nil)) }
                if case .scalar = element { return .primitiveSet }
                return .plain
            case .map(let value):
                let s = node(value, nil)
                return s.isPlain ? .plain : .map(s)
            case .object(let name):
                return type(name)
            case .scalar, .custom:
                return .plain
            }
        }
        for name in set.shapes.keys.sorted() { _ = type(name) }
        byType = done.filter { !$0.value.isPlain }
        for (key, root) in set.roots {
            let kind = String(key.split(separator: "/").last ?? "")
            byKind[kind] = done[root] ?? .plain
        }
    }
}
