import Crypto
import KubeAPI

/// The OpenAPI documents of the served resources, built once from the Swift
/// model (``ModelSchemas``): `/openapi/v3` (an index and one document per
/// group-version, with `components.schemas`) and `/openapi/v2` (one Swagger
/// document, as JSON or as the gnostic protobuf kubectl asks for).
///
/// Each document has an ETag (the SHA-512 of its bytes, as kube-openapi
/// computes it); the v3 index links every document with `?hash=ETAG`.
enum OpenAPI {
    /// One served document.
    struct Document: Sendable {
        let bytes: [UInt8]
        let etag: String

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            let digits = Array("0123456789ABCDEF".utf8)
            var hex: [UInt8] = []
            for b in SHA512.hash(data: bytes) {
                hex.append(digits[Int(b >> 4)])
                hex.append(digits[Int(b & 15)])
            }
            etag = String(decoding: hex, as: UTF8.self)
        }
    }

    static func gvPath(_ group: String, _ version: String = "v1") -> String { group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)" }

    /// Every served group-version with its document's path.
    static var groupPaths: [(group: String, version: String, path: String)] {
        ([""] + ResourceCatalog.groups).flatMap { g in ResourceCatalog.versions(group: g).map { (g, $0, gvPath(g, $0)) } }
    }

    /// The v3 documents by path (`api/v1`, `apis/apps/v1`).
    static let v3Documents: [String: Document] = {
        var out: [String: Document] = [:]
        for (group, version, path) in groupPaths { out[path] = Document(JSONWriter.bytes(v3Document(group: group, version: version))) }
        return out
    }()

    /// The v3 index: every group-version with a link that carries its document's hash.
    static let v3Index: Document = {
        var paths: [String: JSONValue] = [:]
        for (_, _, path) in groupPaths {
            paths[path] = ["serverRelativeURL": .string("/openapi/v3/\(path)?hash=\(v3Documents[path]?.etag ?? "")")]
        }
        return Document(JSONWriter.bytes(["paths": .object(paths)]))
    }()

    /// The v2 document as JSON.
    static let v2JSON = Document(JSONWriter.bytes(v2Document))

    /// The v2 document as gnostic's `openapi.v2.Document` protobuf.
    static let v2Protobuf = Document(OpenAPIProtobuf.document(v2Document))

    // MARK: - Building

    static func kindKeys(group: String, version: String) -> [String] {
        ResourceCatalog.resources(group: group, version: version).map { "\($0.apiVersion)/\($0.kind)" }
    }

    static func parameter(_ name: String, _ type: String = "string") -> JSONValue {
        ["name": .string(name), "in": "query", "description": .string(name), "schema": ["type": .string(type), "uniqueItems": true]]
    }

    /// The v3 document of one group-version.
    static func v3Document(group: String, version: String) -> JSONValue {
        var keys = kindKeys(group: group, version: version)
        if group == "" { keys.append("policy/v1/Eviction") }
        if group == "apps" { keys.append("autoscaling/v1/Scale") }
        let builder = OpenAPISchemaBuilder(ModelSchemas.served, dialect: .v3)
        var schemas = builder.definitions(roots: keys)
        schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Patch"] = [
            "type": "object",
            "description": "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
        ]
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.0"],
                "paths": .object(paths(group: group, version: version, dialect: .v3)), "components": ["schemas": .object(schemas)]]
    }

    /// The v2 (Swagger) document of every group-version.
    static let v2Document: JSONValue = {
        var keys = groupPaths.flatMap { kindKeys(group: $0.group, version: $0.version) }
        keys += ["policy/v1/Eviction", "autoscaling/v1/Scale"]
        let builder = OpenAPISchemaBuilder(ModelSchemas.served, dialect: .v2)
        var paths: [String: JSONValue] = [:]
        for (group, version, _) in groupPaths { paths.merge(Self.paths(group: group, version: version, dialect: .v2)) { a, _ in a } }
        return ["swagger": "2.0", "info": ["title": "Kubernetes", "version": "v1.32.0"], "paths": .object(paths),
                "definitions": .object(builder.definitions(roots: keys))]
    }()

    /// The operations of every resource of a group-version.
    static func paths(group: String, version: String, dialect: OpenAPISchemaBuilder.Dialect) -> [String: JSONValue] {
        let builder = OpenAPISchemaBuilder(ModelSchemas.served, dialect: dialect)
        let refPrefix = dialect == .v3 ? "#/components/schemas/" : "#/definitions/"
        var paths: [String: JSONValue] = [:]
        for r in ResourceCatalog.resources(group: group, version: version) where r.kind != "Binding" {
            let typeName = r.model.map { String(describing: $0.type) }
            let schemaRef: JSONValue = typeName.flatMap { builder.definitionName($0) }.map { ["$ref": .string(refPrefix + $0)] } ?? ["type": "object"]
            for (path, item) in operations(r, schemaRef: schemaRef, dialect: dialect) { paths[path] = item }
        }
        return paths
    }

    /// The path items of one resource: get, replace, patch and delete by name; list and create.
    static func operations(_ r: ResourceInfo, schemaRef: JSONValue, dialect: OpenAPISchemaBuilder.Dialect) -> [String: JSONValue] {
        let refPrefix = dialect == .v3 ? "#/components/schemas/" : "#/definitions/"
        let gvk: JSONValue = ["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)]
        let base = "/\(gvPath(r.group, r.version))" + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.plural
        var params: [JSONValue] = [parameter("dryRun"), parameter("fieldManager"), parameter("fieldValidation"), parameter("force", "boolean")]
        if dialect == .v2 {
            params = params.map { p in
                var q = p
                q["type"] = q["schema"]?["type"]
                q["schema"] = nil
                return q
            }
        }
        func op(_ action: String, _ id: String, body: [String] = []) -> JSONValue {
            var o: JSONValue = ["operationId": .string(id), "parameters": .array(params),
                                "x-kubernetes-action": .string(action), "x-kubernetes-group-version-kind": gvk]
            if dialect == .v3 {
                o["responses"] = ["200": ["description": "OK", "content": ["application/json": ["schema": schemaRef]]]]
                if !body.isEmpty {
                    let schema: JSONValue = action == "patch"
                        ? ["$ref": .string(refPrefix + "io.k8s.apimachinery.pkg.apis.meta.v1.Patch")] : schemaRef
                    o["requestBody"] = ["required": true, "content": .object(Dictionary(uniqueKeysWithValues: body.map { ($0, ["schema": schema]) }))]
                }
            } else {
                o["responses"] = ["200": ["description": "OK", "schema": schemaRef]]
                if !body.isEmpty { o["consumes"] = .array(body.map { .string($0) }) }
            }
            return o
        }
        let id = r.kind + (r.namespaced ? "Namespaced" : "")
        let patchTypes = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
                          "application/strategic-merge-patch+json"]
        return ["\(base)/{name}": ["get": op("get", "read\(id)"), "put": op("put", "replace\(id)", body: ["*/*"]),
                                    "patch": op("patch", "patch\(id)", body: patchTypes), "delete": op("delete", "delete\(id)")],
                base: ["get": op("list", "list\(id)"), "post": op("post", "create\(id)", body: ["*/*"])]]
    }
}
