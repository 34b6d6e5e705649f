/// Writes OpenAPI schemas (v2 `definitions` or v3 `components.schemas`) for
/// the structs of a ``ModelSchemaSet``, named as upstream names them
/// (`io.k8s.api.core.v1.Pod`).
public struct OpenAPISchemaBuilder: Sendable {
    /// Which OpenAPI dialect to write.
    public enum Dialect: Sendable { case v2, v3 }

    let set: ModelSchemaSet
    let dialect: Dialect

    /// A builder over `set` for `dialect`.
    public init(_ set: ModelSchemaSet, dialect: Dialect) {
        self.set = set
        self.dialect = dialect
    }

    private var refPrefix: String { dialect == .v3 ? "#/components/schemas/" : "#/definitions/" }

    /// The definition name of a model struct or self-describing type.
    public func definitionName(_ typeName: String) -> String? {
        if set.shapes[typeName] != nil { return set.metadata(typeName).definitionName }
        return set.customTypes[typeName]?.definitionName
    }

    /// The definitions of the roots `apiVersionKinds` (keys of ``ModelSchemaSet/roots``)
    /// and of everything they reach, by definition name.
    public func definitions(roots apiVersionKinds: [String]) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        var gvks: [String: [JSONValue]] = [:]
        var queue: [String] = []
        for key in apiVersionKinds {
            guard let root = set.roots[key] else { continue }
            let parts = key.split(separator: "/").map(String.init)
            let group = parts.count == 3 ? parts[0] : ""
            gvks[root, default: []].append(["group": .string(group), "version": .string(parts[parts.count - 2]),
                                            "kind": .string(parts[parts.count - 1])])
            queue.append(root)
        }
        var seen = Set<String>()
        while let name = queue.popLast() {
            guard seen.insert(name).inserted else { continue }
            if let custom = set.customTypes[name] {
                if let def = custom.definitionName { out[def] = dialect == .v3 ? custom.v3 : custom.v2 }
                continue
            }
            guard let shape = set.shapes[name] else { continue }
            var schema = typeSchema(shape, reached: &queue)
            if let g = gvks[name] { schema["x-kubernetes-group-version-kind"] = .array(g) }
            out[set.metadata(name).definitionName] = schema
        }
        return out
    }

    func typeSchema(_ shape: TypeShape, reached: inout [String]) -> JSONValue {
        let meta = set.metadata(shape.name)
        var props: [String: JSONValue] = [:]
        for f in shape.fields {
            props[f.name] = fieldSchema(f.node, meta.fields[f.name], reached: &reached)
        }
        var schema: JSONValue = ["type": "object", "properties": .object(props)]
        if !meta.description.isEmpty { schema["description"] = .string(meta.description) }
        let names = Set(shape.fields.map(\.name))
        let required = !set.hasMetadata(shape.name)
            ? shape.fields.filter { !$0.optional }.map(\.name)
            : meta.required.filter { names.contains($0) }
        if !required.isEmpty { schema["required"] = .array(required.map { .string($0) }) }
        return schema
    }

    func fieldSchema(_ node: SchemaNode, _ field: FieldMetadata?, reached: inout [String]) -> JSONValue {
        var s = nodeSchema(node, reached: &reached, described: field?.description.isEmpty == false)
        if case .scalar("integer", nil) = node { s["format"] = .string(field?.format ?? "int64") }
        if case .array(.scalar("integer", nil)) = node { s["items"]?["format"] = .string(field?.format ?? "int64") }
        guard let field else { return s }
        if !field.description.isEmpty { s["description"] = .string(field.description) }
        if let v = field.patchStrategy { s["x-kubernetes-patch-strategy"] = .string(v) }
        if let v = field.patchMergeKey { s["x-kubernetes-patch-merge-key"] = .string(v) }
        if let v = field.listType { s["x-kubernetes-list-type"] = .string(v) }
        if let v = field.listMapKeys { s["x-kubernetes-list-map-keys"] = .array(v.map { .string($0) }) }
        if let v = field.mapType { s["x-kubernetes-map-type"] = .string(v) }
        if let v = field.enumValues, !v.isEmpty {
            if case .array = node {
                s["items"]?["enum"] = .array(v.map { .string($0) })
            } else {
                s["enum"] = .array(v.map { .string($0) })
            }
        }
        return s
    }

    /// The schema of one value; a reference is wrapped in `allOf` in v3 when
    /// a description sits beside it, as upstream writes it.
    func nodeSchema(_ node: SchemaNode, reached: inout [String], described: Bool = false) -> JSONValue {
        switch node {
        case .scalar(let type, let format):
            var s: JSONValue = ["type": .string(type)]
            s["format"] = format.map { .string($0) } ?? (type == "integer" ? "int64" : nil)
            return s
        case .array(let element):
            return ["type": "array", "items": nodeSchema(element, reached: &reached)]
        case .map(let value):
            return ["type": "object", "additionalProperties": nodeSchema(value, reached: &reached)]
        case .object(let name):
            reached.append(name)
            return ref(set.metadata(name).definitionName, described: described)
        case .custom(let name):
            guard let custom = set.customTypes[name] else { return ["type": "object"] }
            guard let def = custom.definitionName else {
                var inline = dialect == .v3 ? custom.v3 : custom.v2
                inline["description"] = nil
                return inline
            }
            reached.append(name)
            return ref(def, described: described)
        }
    }

    func ref(_ definition: String, described: Bool) -> JSONValue {
        let r: JSONValue = ["$ref": .string(refPrefix + definition)]
        if dialect == .v3, described { return ["allOf": [r]] }
        return r
    }
}
