import KubeAPI
import Synchronization

extension OpenAPI {
    /// The documents served for one set of resources: the built-ins' (built
    /// once) and, when definitions add resources, their group-versions'
    /// documents made from their schemas, with the index and the v2 document
    /// covering both (upstream's CRD OpenAPI controller merges them the same way).
    struct Documents: Sendable {
        let v3: [String: Document]
        let v3Index: Document
        let v2JSON: Document
        let v2Protobuf: Document

        static let builtins = Documents(v3: OpenAPI.v3Documents, v3Index: OpenAPI.v3Index, v2JSON: OpenAPI.v2JSON, v2Protobuf: OpenAPI.v2Protobuf)
    }

    /// The documents for a registry, rebuilt when its generation moves.
    final class Cache: Sendable {
        private let state = Mutex<(generation: UInt64, documents: Documents)?>(nil)

        func documents(_ snapshot: ResourceRegistry.Snapshot) -> Documents {
            if let cached = state.withLock({ $0 }), cached.generation == snapshot.generation { return cached.documents }
            let docs = OpenAPI.documents(snapshot.resources)
            state.withLock { $0 = (snapshot.generation, docs) }
            return docs
        }
    }

    /// The documents of `resources`.
    static func documents(_ resources: ResourceSet) -> Documents {
        let custom = resources.all.filter { $0.custom != nil }
        guard !custom.isEmpty else { return .builtins }
        var v3 = v3Documents
        var byGroupVersion: [String: [ResourceInfo]] = [:]
        for r in custom { byGroupVersion[gvPath(r.group, r.version), default: []].append(r) }
        for (path, infos) in byGroupVersion {
            v3[path] = Document(JSONWriter.bytes(customV3Document(infos)))
        }
        var paths: [String: JSONValue] = [:]
        for (path, doc) in v3 { paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(doc.etag)")] }
        let index = Document(JSONWriter.bytes(["paths": .object(paths)]))

        var v2 = v2Document
        var v2Paths = v2["paths"]?.objectValue ?? [:]
        var v2Definitions = v2["definitions"]?.objectValue ?? [:]
        for r in custom {
            v2Paths.merge(customPaths([r], dialect: .v2)) { a, _ in a }
            for (name, schema) in customDefinitions(r, dialect: .v2) { v2Definitions[name] = schema }
        }
        for (name, schema) in listMetaSchemas(dialect: .v2) where v2Definitions[name] == nil { v2Definitions[name] = schema }
        v2["paths"] = .object(v2Paths)
        v2["definitions"] = .object(v2Definitions)
        return Documents(v3: v3, v3Index: index, v2JSON: Document(JSONWriter.bytes(v2)), v2Protobuf: Document(OpenAPIProtobuf.document(v2)))
    }

    /// Upstream's definition name of a custom kind: the group reversed, the version, the kind (`com.example.stable.v1.CronTab`).
    static func definitionName(_ r: ResourceInfo, kind: String? = nil) -> String {
        (r.group.split(separator: ".").reversed().map(String.init) + [r.version, kind ?? r.kind]).joined(separator: ".")
    }

    /// The meta types every custom document refers to (ObjectMeta, ListMeta and what they use), from the core document.
    static let metaSchemas: [String: JSONValue] = {
        guard let doc = v3Documents["api/v1"], let parsed = try? JSONParser.parse(doc.bytes) else { return [:] }
        return (parsed["components"]?["schemas"]?.objectValue ?? [:]).filter { $0.key.hasPrefix("io.k8s.apimachinery.pkg.apis.meta.v1.") }
    }()

    /// `ListMeta`, which the built-in documents leave out (they publish no lists).
    static func listMetaSchemas(dialect: OpenAPISchemaBuilder.Dialect) -> [String: JSONValue] {
        ["io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta": [
            "type": "object",
            "description": "ListMeta describes metadata that synthetic resources must have, including lists and various status objects. A resource may have only one of {ObjectMeta, ListMeta}.",
            "properties": [
                "continue": ["type": "string", "description": "continue may be set if the user set a limit on the number of items returned, and indicates that the server has more data available."],
                "remainingItemCount": ["type": "integer", "format": "int64", "description": "remainingItemCount is the number of subsequent items in the list which are not included in this list response."],
                "resourceVersion": ["type": "string", "description": "String that identifies the server's internal version of this object that can be used by clients to determine when objects have changed."],
                "selfLink": ["type": "string", "description": "Deprecated: selfLink is a legacy read-only field that is no longer populated by the system."],
            ],
        ]]
    }

    static func customV3Document(_ infos: [ResourceInfo]) -> JSONValue {
        var schemas = metaSchemas
        for (name, schema) in listMetaSchemas(dialect: .v3) where schemas[name] == nil { schemas[name] = schema }
        for r in infos {
            for (name, schema) in customDefinitions(r, dialect: .v3) { schemas[name] = schema }
        }
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes CRD Swagger", "version": "v0.1.0"],
                "paths": .object(customPaths(infos, dialect: .v3)), "components": ["schemas": .object(schemas)]]
    }

    /// The kind's schema and its list's, as upstream's builder publishes them: the definition's
    /// schema with `apiVersion`, `kind` and `metadata` filled in and the group-version-kind named.
    static func customDefinitions(_ r: ResourceInfo, dialect: OpenAPISchemaBuilder.Dialect) -> [String: JSONValue] {
        let ref = dialect == .v3 ? "#/components/schemas/" : "#/definitions/"
        let metaRef = ref + "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
        var schema = r.custom?.schema ?? ["type": "object", "x-kubernetes-preserve-unknown-fields": true]
        if dialect == .v2 { schema = v2Compatible(schema) }
        var properties = schema["properties"]?.objectValue ?? [:]
        properties["apiVersion"] = ["type": "string", "description": .string(apiVersionDescription)]
        properties["kind"] = ["type": "string", "description": .string(kindDescription)]
        properties["metadata"] = dialect == .v3 ? ["allOf": [["$ref": .string(metaRef)]], "description": .string(metadataDescription)]
            : ["$ref": .string(metaRef), "description": .string(metadataDescription)]
        schema["properties"] = .object(properties)
        schema["type"] = "object"
        let gvk: JSONValue = [["group": .string(r.group), "kind": .string(r.kind), "version": .string(r.version)]]
        schema["x-kubernetes-group-version-kind"] = gvk
        let listKind = r.custom?.listKind ?? r.kind + "List"
        let list: JSONValue = [
            "type": "object", "required": ["items"],
            "description": .string("\(listKind) is a list of \(r.kind)"),
            "properties": [
                "apiVersion": ["type": "string", "description": .string(apiVersionDescription)],
                "items": ["type": "array", "description": .string("List of \(r.plural). More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"),
                          "items": ["$ref": .string(ref + definitionName(r))]],
                "kind": ["type": "string", "description": .string(kindDescription)],
                "metadata": dialect == .v3 ? ["allOf": [["$ref": .string(ref + "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta")]]]
                    : ["$ref": .string(ref + "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta")],
            ],
            "x-kubernetes-group-version-kind": [["group": .string(r.group), "kind": .string(listKind), "version": .string(r.version)]],
        ]
        return [definitionName(r): schema, definitionName(r, kind: listKind): list]
    }

    /// What Swagger 2.0 cannot say is left out, as upstream's v2 conversion does: `nullable`,
    /// the junctors, CEL rules; an int-or-string loses its type.
    static func v2Compatible(_ s: JSONValue) -> JSONValue {
        guard case .object(var o) = s else { return s }
        for k in ["nullable", "anyOf", "oneOf", "allOf", "not", "x-kubernetes-validations"] { o[k] = nil }
        if o["x-kubernetes-int-or-string"]?.boolValue == true { o["type"] = nil }
        if case .object(let props)? = o["properties"] { o["properties"] = .object(props.mapValues(v2Compatible)) }
        if let items = o["items"] { o["items"] = v2Compatible(items) }
        if case .object? = o["additionalProperties"], let a = o["additionalProperties"] { o["additionalProperties"] = v2Compatible(a) }
        return .object(o)
    }

    /// The operations of custom resources, with their kinds' schemas.
    static func customPaths(_ infos: [ResourceInfo], dialect: OpenAPISchemaBuilder.Dialect) -> [String: JSONValue] {
        let ref = dialect == .v3 ? "#/components/schemas/" : "#/definitions/"
        var out: [String: JSONValue] = [:]
        for r in infos {
            let schemaRef: JSONValue = ["$ref": .string(ref + definitionName(r))]
            for (path, item) in operations(r, schemaRef: schemaRef, dialect: dialect) { out[path] = item }
        }
        return out
    }

    static let apiVersionDescription = "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources"
    static let kindDescription = "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds"
    static let metadataDescription = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata"
}
