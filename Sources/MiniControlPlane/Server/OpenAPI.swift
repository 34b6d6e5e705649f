import KubeAPI

/// A small OpenAPI v3 description: per group-version documents whose PATCH
/// operations carry `x-kubernetes-group-version-kind` and the
/// `fieldValidation` parameter. kubectl reads these to learn that the server
/// validates fields itself (so `kubectl apply` needs no client-side schema);
/// PATCH operations declare no strategic-merge request body, so kubectl
/// computes apply patches from its built-in types.
enum OpenAPI {
    static func gvPath(_ group: String) -> String { group.isEmpty ? "api/v1" : "apis/\(group)/v1" }

    static var index: JSONValue {
        var paths: [String: JSONValue] = [:]
        for g in [""] + ResourceCatalog.groups {
            let p = gvPath(g)
            paths[p] = ["serverRelativeURL": .string("/openapi/v3/\(p)?hash=\(hash)")]
        }
        return ["paths": .object(paths)]
    }

    static let hash = "swiftkube-v1"

    static func parameter(_ name: String, _ type: String = "string") -> JSONValue {
        ["name": .string(name), "in": "query", "description": .string(name), "schema": ["type": .string(type), "uniqueItems": true]]
    }

    /// The document for one group-version (path like `api/v1`), or nil.
    static func document(path: String) -> JSONValue? {
        guard let group = ([""] + ResourceCatalog.groups).first(where: { gvPath($0) == path }) else { return nil }
        var paths: [String: JSONValue] = [:]
        for r in ResourceCatalog.resources(group: group) where r.kind != "Binding" {
            let gvk: JSONValue = ["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)]
            let base = "/\(gvPath(group))" + (r.namespaced ? "/namespaces/{namespace}/" : "/") + r.plural
            let params: JSONValue = [parameter("dryRun"), parameter("fieldManager"), parameter("fieldValidation"), parameter("force", "boolean")]
            func op(_ action: String, _ id: String) -> JSONValue {
                ["operationId": .string(id), "parameters": params, "responses": ["200": ["description": "OK"]],
                 "x-kubernetes-action": .string(action), "x-kubernetes-group-version-kind": gvk]
            }
            let id = r.kind + (r.namespaced ? "Namespaced" : "")
            paths["\(base)/{name}"] = ["get": op("get", "read\(id)"), "put": op("put", "replace\(id)"),
                                       "patch": op("patch", "patch\(id)"), "delete": op("delete", "delete\(id)")]
            paths[base] = ["get": op("list", "list\(id)"), "post": op("post", "create\(id)")]
        }
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.0"], "paths": .object(paths),
                "components": ["schemas": .emptyObject]]
    }
}
