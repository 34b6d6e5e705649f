import Foundation
import NIOHTTP1

extension KubeClient {
    /// Typed writes carry only fields the model knows or that came from the
    /// server, so the server's unknown-field check is skipped.
    static let writeQuery = [("fieldValidation", "Ignore")]

    /// Reads one object.
    public func get<T: KubeObject>(_ type: T.Type, name: String, namespace: String? = nil) async throws(KubeClientError) -> T {
        let data = try await request(.GET, url(apiVersion: T.apiVersion, resource: T.resource, namespace: namespaceFor(T.self, namespace), name: name))
        return try decodeObject(T.self, data)
    }

    /// Lists one page of objects (`namespace` nil for namespaced kinds lists
    /// the configured namespace; pass "" for all namespaces).
    /// `keepUnknownFields: false` skips remembering fields the model does not
    /// know, as for ``watch(_:namespace:options:keepUnknownFields:)``.
    /// `resource`, when given, is listed instead of `T`'s own (a resource known only at run
    /// time, its objects decoded as `T`, e.g. ``PartialObjectMetadata``).
    public func list<T: KubeObject>(_ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions(),
                                    keepUnknownFields: Bool = true, resource: ResourceInfo? = nil) async throws(KubeClientError) -> KubeList<T> {
        let ns = namespace == "" ? nil : namespaceFor(T.self, namespace, resource)
        let data = try await request(.GET, url(apiVersion: resource?.apiVersion ?? T.apiVersion, resource: resource?.plural ?? T.resource,
                                               namespace: ns, query: Self.query(options, watch: false)))
        let v: JSONValue
        do { v = try JSONParser.parse(data) } catch { throw .decoding(error.description) }
        var items: [T] = []
        for item in v["items"]?.arrayValue ?? [] {
            do {
                items.append(keepUnknownFields ? try KubeCodec.decodeObject(T.self, from: item) : try KubeCodec.decode(T.self, from: item))
            } catch {
                throw .decoding(error.message)
            }
        }
        let meta = v["metadata"].flatMap { try? KubeCodec.decode(ListMeta.self, from: $0) }
        return KubeList(items: items, metadata: meta)
    }

    /// Lists every page; returns the items and the list's resourceVersion.
    public func listAll<T: KubeObject>(_ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions(),
                                       pageSize: Int = 500, keepUnknownFields: Bool = true,
                                       resource: ResourceInfo? = nil) async throws(KubeClientError) -> (items: [T], resourceVersion: String) {
        var o = options
        o.limit = pageSize
        var out: [T] = []
        var rv = ""
        while true {
            let page = try await list(T.self, namespace: namespace, options: o, keepUnknownFields: keepUnknownFields, resource: resource)
            out += page.items
            if rv.isEmpty { rv = page.metadata?.resourceVersion ?? "" }
            guard let c = page.metadata?.continue, !c.isEmpty else { return (out, rv) }
            o.continueToken = c
        }
    }

    /// Creates an object in its namespace (or `namespace`).
    public func create<T: KubeObject>(_ obj: T, namespace: String? = nil) async throws(KubeClientError) -> T {
        try decodeObject(T.self, try await postCreate(obj, namespace: namespace))
    }

    /// ``create(_:namespace:)`` for a caller that does not read the object
    /// back (the kubelet's events): the answer is checked, not decoded.
    public func createDiscardingResult<T: KubeObject>(_ obj: T, namespace: String? = nil) async throws(KubeClientError) {
        _ = try await postCreate(obj, namespace: namespace)
    }

    func postCreate<T: KubeObject>(_ obj: T, namespace: String?) async throws(KubeClientError) -> [UInt8] {
        let ns = namespaceFor(T.self, namespace ?? obj.metadata.namespace)
        return try await request(.POST, url(apiVersion: T.apiVersion, resource: T.resource, namespace: ns, query: Self.writeQuery),
                                 body: JSONWriter.bytes(KubeCodec.encodeObject(obj)))
    }

    /// Replaces an object; its resourceVersion makes this a compare-and-swap (409 when stale).
    public func update<T: KubeObject>(_ obj: T) async throws(KubeClientError) -> T {
        try await put(obj, subresource: nil)
    }

    /// Reads the `scale` subresource of an object of `resource`.
    public func getScale(_ resource: ResourceInfo, namespace: String, name: String) async throws(KubeClientError) -> Scale {
        let data = try await request(.GET, url(apiVersion: resource.apiVersion, resource: resource.plural, namespace: namespace, name: name,
                                               subresource: "scale"))
        return try decodeObject(Scale.self, data)
    }

    /// Replaces the `scale` subresource of an object of `resource`.
    public func updateScale(_ resource: ResourceInfo, _ scale: Scale) async throws(KubeClientError) -> Scale {
        let data = try await request(.PUT, url(apiVersion: resource.apiVersion, resource: resource.plural, namespace: scale.metadata.namespace,
                                               name: scale.name, subresource: "scale"),
                                     body: JSONWriter.bytes(KubeCodec.encodeObject(scale)))
        return try decodeObject(Scale.self, data)
    }

    /// Replaces only the status of an object.
    public func updateStatus<T: KubeObject>(_ obj: T) async throws(KubeClientError) -> T {
        try await put(obj, subresource: "status")
    }

    /// Replaces a subresource of an object (`status`, `finalize`), or the object when `subresource` is nil.
    public func update<T: KubeObject>(_ obj: T, subresource: String?) async throws(KubeClientError) -> T {
        try await put(obj, subresource: subresource)
    }

    func put<T: KubeObject>(_ obj: T, subresource: String?) async throws(KubeClientError) -> T {
        let data = try await request(.PUT, url(apiVersion: T.apiVersion, resource: T.resource, namespace: namespaceFor(T.self, obj.metadata.namespace),
                                               name: obj.name, subresource: subresource, query: Self.writeQuery),
                                     body: JSONWriter.bytes(KubeCodec.encodeObject(obj)))
        return try decodeObject(T.self, data)
    }

    /// Patches an object (or its `status`) with a JSON, merge or strategic merge patch.
    public func patch<T: KubeObject>(_ type: T.Type, name: String, namespace: String? = nil, type patchType: PatchType,
                                     _ patch: JSONValue, subresource: String? = nil) async throws(KubeClientError) -> T {
        try decodeObject(T.self, try await sendPatch(T.self, name: name, namespace: namespace, type: patchType, patch, subresource: subresource))
    }

    /// ``patch(_:name:namespace:type:_:subresource:)`` for a caller that does
    /// not read the object back (the kubelet's status updates): the answer is
    /// checked, not decoded.
    public func patchDiscardingResult<T: KubeObject>(_ type: T.Type, name: String, namespace: String? = nil, type patchType: PatchType,
                                                     _ patch: JSONValue, subresource: String? = nil) async throws(KubeClientError) {
        _ = try await sendPatch(T.self, name: name, namespace: namespace, type: patchType, patch, subresource: subresource)
    }

    func sendPatch<T: KubeObject>(_ type: T.Type, name: String, namespace: String?, type patchType: PatchType,
                                  _ patch: JSONValue, subresource: String?) async throws(KubeClientError) -> [UInt8] {
        try await request(.PATCH, url(apiVersion: T.apiVersion, resource: T.resource, namespace: namespaceFor(T.self, namespace),
                                      name: name, subresource: subresource, query: Self.writeQuery),
                          body: JSONWriter.bytes(patch), contentType: patchType.rawValue)
    }

    /// Deletes an object. Returns the object when it still exists (graceful
    /// deletion or finalizers pending), nil when the server answered a Status.
    @discardableResult
    public func delete<T: KubeObject>(_ type: T.Type, name: String, namespace: String? = nil,
                                      options: DeleteOptions = DeleteOptions()) async throws(KubeClientError) -> T? {
        var o = options
        o.apiVersion = "v1"
        o.kind = "DeleteOptions"
        let data = try await request(.DELETE, url(apiVersion: T.apiVersion, resource: T.resource, namespace: namespaceFor(T.self, namespace), name: name),
                                     body: Array(KubeJSONEncode.bytes(o)))
        return try? decodeObject(T.self, data)
    }

    /// Binds a pod to a node (the scheduler's call).
    public func bind(pod: String, namespace: String, node: String, podUID: String? = nil) async throws(KubeClientError) {
        var meta = ObjectMeta(name: pod, namespace: namespace)
        meta.uid = podUID
        let binding = Binding(metadata: meta, target: ObjectReference(kind: "Node", name: node))
        _ = try await request(.POST, url(apiVersion: "v1", resource: "pods", namespace: namespace, name: pod, subresource: "binding"),
                              body: JSONWriter.bytes(KubeCodec.encodeObject(binding)))
    }

    /// Evicts a pod (the node lifecycle controller's and drain's call).
    public func evict(pod: String, namespace: String, options: DeleteOptions? = nil) async throws(KubeClientError) {
        var e = Eviction(metadata: ObjectMeta(name: pod, namespace: namespace))
        e.deleteOptions = options
        _ = try await request(.POST, url(apiVersion: "v1", resource: "pods", namespace: namespace, name: pod, subresource: "eviction"),
                              body: JSONWriter.bytes(KubeCodec.encodeObject(e)))
    }
}

enum KubeJSONEncode {
    static func bytes(_ v: some Encodable) -> [UInt8] { JSONWriter.bytes(KubeCodec.encode(v)) }
}
