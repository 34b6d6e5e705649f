public import KubeAPI
import Foundation

/// ``ClusterClient`` over HTTPS with a ``KubeClient``.
public struct KubeClusterClient: ClusterClient {
    public let client: KubeClient

    public init(_ client: KubeClient) { self.client = client }

    static func ns<T: KubeObject>(_ t: T.Type, _ namespace: String?) -> String? {
        T.namespaced ? namespace : nil
    }

    public func get<T: KubeObject>(_ type: T.Type, namespace: String?, name: String) async throws(KubeClientError) -> T {
        try await client.get(type, name: name, namespace: Self.ns(type, namespace))
    }

    public func list<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions) async throws(KubeClientError) -> ObjectList<T> {
        let (items, rv) = try await client.listAll(type, namespace: T.namespaced ? (namespace ?? "") : nil, options: options)
        return ObjectList(items: items, resourceVersion: rv)
    }

    public func watch<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions,
                                     from resourceVersion: String) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        client.watchResuming(type, namespace: T.namespaced ? (namespace ?? "") : nil, from: resourceVersion, options: options)
    }

    public func listObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions,
                                           keepUnknownFields: Bool) async throws(KubeClientError) -> ObjectList<T> {
        try await client.listObjects(type, namespace: namespace, options: options, keepUnknownFields: keepUnknownFields)
    }

    public func watchObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions, from resourceVersion: String,
                                            keepUnknownFields: Bool) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        client.watchObjects(type, namespace: namespace, options: options, from: resourceVersion, keepUnknownFields: keepUnknownFields)
    }

    public func getScale(_ resource: ResourceInfo, namespace: String, name: String) async throws(KubeClientError) -> Scale {
        try await client.getScale(resource, namespace: namespace, name: name)
    }

    public func updateScale(_ resource: ResourceInfo, _ scale: Scale) async throws(KubeClientError) -> Scale {
        try await client.updateScale(resource, scale)
    }

    public func create<T: KubeObject>(_ object: T) async throws(KubeClientError) -> T {
        try await client.create(object, namespace: Self.ns(T.self, object.metadata.namespace))
    }

    public func update<T: KubeObject>(_ object: T, subresource: String?) async throws(KubeClientError) -> T {
        try await client.update(object, subresource: subresource)
    }

    public func patch<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, patchType: PatchType, body: JSONValue,
                                     subresource: String?) async throws(KubeClientError) -> T {
        try await client.patch(type, name: name, namespace: Self.ns(type, namespace), type: patchType, body, subresource: subresource)
    }

    public func delete<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, options: DeleteOptions) async throws(KubeClientError) {
        try await client.delete(type, name: name, namespace: Self.ns(type, namespace), options: options)
    }

    public func bind(pod: String, namespace: String, uid: String?, node: String) async throws(KubeClientError) {
        try await client.bind(pod: pod, namespace: namespace, node: node, podUID: uid)
    }

    /// The built-ins and, from discovery, the resources of groups that are not built in
    /// (custom resources; the group's preferred version taken as where they are kept).
    public func servedResources() async throws(KubeClientError) -> [ResourceInfo] {
        func get(_ path: String) async throws(KubeClientError) -> JSONValue {
            let data = try await client.request(.GET, client.server + path)
            do { return try JSONParser.parse(data) } catch { throw .decoding(error.description) }
        }
        var out = ResourceCatalog.all
        let builtinGroups = Set(ResourceCatalog.all.map(\.group))
        for group in try await get("/apis")["groups"]?.arrayValue ?? [] {
            guard let name = group["name"]?.stringValue, !builtinGroups.contains(name),
                  let preferred = group[path: ["preferredVersion", "version"]]?.stringValue else { continue }
            for v in group["versions"]?.arrayValue ?? [] {
                guard let version = v["version"]?.stringValue else { continue }
                for r in try await get("/apis/\(name)/\(version)")["resources"]?.arrayValue ?? [] {
                    let verbs = (r["verbs"]?.arrayValue ?? []).compactMap(\.stringValue)
                    guard let plural = r["name"]?.stringValue, !plural.contains("/"), let kind = r["kind"]?.stringValue,
                          verbs.contains("list"), verbs.contains("delete") else { continue }
                    out.append(ResourceInfo(
                        group: name, version: version, kind: kind, plural: plural, singular: r["singularName"]?.stringValue ?? kind.lowercased(),
                        shortNames: (r["shortNames"]?.arrayValue ?? []).compactMap(\.stringValue), namespaced: r["namespaced"]?.boolValue ?? false,
                        categories: (r["categories"]?.arrayValue ?? []).compactMap(\.stringValue), subresources: [],
                        custom: CustomResourceInfo(definition: "\(plural).\(name)", listKind: kind + "List", storageVersion: preferred)))
                }
            }
        }
        return out
    }

    public func listObjects<T: KubeObject>(_ resource: ResourceInfo, as type: T.Type, namespace: String?,
                                           options: ListOptions) async throws(KubeClientError) -> ObjectList<T> {
        let (items, rv) = try await client.listAll(type, namespace: resource.namespaced ? (namespace ?? "") : nil, options: options,
                                                   keepUnknownFields: false, resource: resource)
        return ObjectList(items: items, resourceVersion: rv)
    }

    public func watchObjects<T: KubeObject>(_ resource: ResourceInfo, as type: T.Type, namespace: String?, options: ListOptions,
                                            from resourceVersion: String) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        client.watchResuming(type, namespace: resource.namespaced ? (namespace ?? "") : nil, from: resourceVersion, options: options,
                             keepUnknownFields: false, resource: resource)
    }

    public func patchRaw(_ resource: ResourceInfo, namespace: String?, name: String, patchType: PatchType,
                         body: JSONValue) async throws(KubeClientError) {
        _ = try await client.request(.PATCH, client.url(apiVersion: resource.apiVersion, resource: resource.plural,
                                                        namespace: resource.namespaced ? namespace : nil, name: name),
                                     body: JSONWriter.bytes(body), contentType: patchType.rawValue)
    }

    public func listRaw(_ resource: ResourceInfo, namespace: String?) async throws(KubeClientError) -> [JSONValue] {
        var out: [JSONValue] = []
        var token: String?
        repeat {
            var query = [("limit", "500")]
            if let token { query.append(("continue", token)) }
            let data = try await client.request(.GET, client.url(apiVersion: resource.apiVersion, resource: resource.plural,
                                                                 namespace: resource.namespaced ? namespace : nil, query: query))
            let v: JSONValue
            do { v = try JSONParser.parse(data) } catch { throw .decoding(error.description) }
            out += v["items"]?.arrayValue ?? []
            token = v[path: ["metadata", "continue"]]?.stringValue
            if token?.isEmpty == true { token = nil }
        } while token != nil
        return out
    }

    public func deleteRaw(_ resource: ResourceInfo, namespace: String?, name: String, options: DeleteOptions) async throws(KubeClientError) {
        var o = options
        o.apiVersion = "v1"
        o.kind = "DeleteOptions"
        _ = try await client.request(.DELETE, client.url(apiVersion: resource.apiVersion, resource: resource.plural,
                                                         namespace: resource.namespaced ? namespace : nil, name: name),
                                     body: JSONWriter.bytes(KubeCodec.encode(o)))
    }
}
