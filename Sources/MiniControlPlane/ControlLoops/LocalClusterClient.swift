import Foundation
import KubeAPI
import ControllerRuntime

/// The in-process ``ClusterClient`` of the scheduler and the controllers:
/// calls go straight to the registry (defaulting, validation, admission,
/// optimistic concurrency included) without TLS or HTTP, and watches read
/// the store's event stream.
final class LocalClusterClient: ClusterClient {
    let registry: ResourceStorage
    static let options = WriteOptions(dryRun: false, fieldValidation: "Ignore", fieldManager: "kube-controller-manager")

    init(registry: ResourceStorage) { self.registry = registry }

    func servedResources() async throws(KubeClientError) -> [ResourceInfo] { registry.resources.snapshot.resources.all }

    static func info<T: KubeObject>(_ t: T.Type) -> ResourceInfo { ResourceCatalog.info(for: t) }

    static func ns<T: KubeObject>(_ t: T.Type, _ namespace: String?) -> String? {
        guard T.namespaced, let namespace, !namespace.isEmpty else { return nil }
        return namespace
    }

    static func decode<T: KubeObject>(_ t: T.Type, _ v: JSONValue) throws(KubeClientError) -> T {
        do { return try KubeCodec.decodeObject(t, from: v) } catch { throw .decoding(error.message) }
    }

    static func decodeStored<T: KubeObject>(_ t: T.Type, _ resource: ResourceInfo, _ bytes: [UInt8], revision: Int64) throws(KubeClientError) -> T {
        let v: JSONValue
        do { v = try StoredObject.decode(bytes, revision: revision) } catch { throw .decoding(error.description) }
        return try decode(t, resource.fromStorage(v))
    }

    static func query(_ o: ListOptions) throws(KubeClientError) -> ListQuery {
        var q = ListQuery()
        do {
            if let l = o.labelSelector, !l.isEmpty { q.labels = try LabelRequirements(parsing: l) }
            if let f = o.fieldSelector, !f.isEmpty { q.fields = try FieldSelector(parsing: f) }
        } catch {
            throw .status(APIErrors.badRequest(error.message))
        }
        return q
    }

    func get<T: KubeObject>(_ type: T.Type, namespace: String?, name: String) async throws(KubeClientError) -> T {
        do {
            return try Self.decode(type, try await registry.get(Self.info(type), Self.ns(type, namespace), name))
        } catch let s as Status {
            throw .status(s)
        } catch let e as KubeClientError {
            throw e
        } catch {
            throw .transport("\(error)")
        }
    }

    func list<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions) async throws(KubeClientError) -> ObjectList<T> {
        try await listObjects(Self.info(type), as: type, namespace: namespace, options: options)
    }

    func listObjects<T: KubeObject>(_ resource: ResourceInfo, as type: T.Type, namespace: String?,
                                    options: ListOptions) async throws(KubeClientError) -> ObjectList<T> {
        let q = try Self.query(options)
        let page: ListPage
        let ns = resource.namespaced && !(namespace ?? "").isEmpty ? namespace : nil
        do { page = try await registry.list(resource, ns, q) } catch { throw .status(error) }
        var items: [T] = []
        items.reserveCapacity(page.items.count)
        for item in page.items { items.append(try Self.decodeStored(type, resource, item.value, revision: item.modRevision)) }
        return ObjectList(items: items, resourceVersion: String(page.revision))
    }

    func watch<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions,
                              from resourceVersion: String) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        watchObjects(Self.info(type), as: type, namespace: namespace, options: options, from: resourceVersion)
    }

    func watchObjects<T: KubeObject>(_ resource: ResourceInfo, as type: T.Type, namespace: String?, options: ListOptions,
                                     from resourceVersion: String) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        let ns = resource.namespaced && !(namespace ?? "").isEmpty ? namespace : nil
        let (stream, continuation) = AsyncThrowingStream<WatchEvent<T>, any Error>.makeStream()
        let registry = self.registry
        // Control loops run on large stacks (see `JSONParser.maxDepth`); this task is not their child.
        let task = Task(executorPreference: LargeStackExecutor.shared) {
            do {
                let q = try Self.query(options)
                let opened: (initial: [APIWatchEvent], events: AsyncThrowingStream<StoreEvent, any Error>, startRevision: Int64)
                do {
                    opened = try await registry.watch(resource, ns, q, resourceVersion: resourceVersion)
                } catch let s as Status {
                    throw KubeClientError.status(s)
                }
                for e in opened.initial { continuation.yield(try Self.event(type, resource, e)) }
                do {
                    for try await se in opened.events {
                        if let e = ResourceStorage.classify(se, q) { continuation.yield(try Self.event(type, resource, e)) }
                    }
                } catch let e as StoreError {
                    if case .compacted(let r, let c) = e {
                        throw KubeClientError.status(APIErrors.gone("too old resource version: \(r) (\(c))"))
                    }
                    throw KubeClientError.transport(e.description)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    static func event<T: KubeObject>(_ t: T.Type, _ resource: ResourceInfo, _ e: APIWatchEvent) throws(KubeClientError) -> WatchEvent<T> {
        let o = try decodeStored(t, resource, e.bytes, revision: e.revision)
        switch e.type {
        case "ADDED": return .added(o)
        case "DELETED": return .deleted(o)
        default: return .modified(o)
        }
    }

    func getScale(_ resource: ResourceInfo, namespace: String, name: String) async throws(KubeClientError) -> Scale {
        let v: JSONValue
        do { v = try await registry.getScale(resource, namespace, name) } catch { throw .status(error) }
        return try Self.decode(Scale.self, v)
    }

    func updateScale(_ resource: ResourceInfo, _ scale: Scale) async throws(KubeClientError) -> Scale {
        let v: JSONValue
        do {
            v = try await registry.updateScale(resource, scale.metadata.namespace, scale.name, body: KubeCodec.encodeObject(scale), patch: nil,
                                               Self.options)
        } catch { throw .status(error) }
        return try Self.decode(Scale.self, v)
    }

    func create<T: KubeObject>(_ object: T) async throws(KubeClientError) -> T {
        let r: WriteResult
        do {
            r = try await registry.create(Self.info(T.self), Self.ns(T.self, object.metadata.namespace), KubeCodec.encodeObject(object), Self.options)
        } catch { throw .status(error) }
        return try Self.decode(T.self, r.object)
    }

    func update<T: KubeObject>(_ object: T, subresource: String?) async throws(KubeClientError) -> T {
        let r: WriteResult
        do {
            r = try await registry.update(Self.info(T.self), Self.ns(T.self, object.metadata.namespace), object.metadata.name ?? "",
                                          KubeCodec.encodeObject(object), subresource: subresource, Self.options)
        } catch { throw .status(error) }
        return try Self.decode(T.self, r.object)
    }

    func patch<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, patchType: PatchType, body: JSONValue,
                              subresource: String?) async throws(KubeClientError) -> T {
        guard let kind = PatchKind(rawValue: patchType.rawValue) else { throw .status(APIErrors.badRequest("unknown patch type")) }
        let r: WriteResult
        do {
            r = try await registry.patch(Self.info(type), Self.ns(type, namespace), name, kind: kind, JSONWriter.bytes(body),
                                         subresource: subresource, Self.options)
        } catch { throw .status(error) }
        return try Self.decode(type, r.object)
    }

    func patchRaw(_ resource: ResourceInfo, namespace: String?, name: String, patchType: PatchType,
                  body: JSONValue) async throws(KubeClientError) {
        guard let kind = PatchKind(rawValue: patchType.rawValue) else { throw .status(APIErrors.badRequest("unknown patch type")) }
        do {
            _ = try await registry.patch(resource, resource.namespaced ? namespace : nil, name, kind: kind, JSONWriter.bytes(body),
                                         subresource: nil, Self.options)
        } catch { throw .status(error) }
    }

    func delete<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, options: DeleteOptions) async throws(KubeClientError) {
        do { _ = try await registry.delete(Self.info(type), Self.ns(type, namespace), name, options: options, dryRun: false) } catch {
            throw .status(error)
        }
    }

    func bind(pod: String, namespace: String, uid: String?, node: String) async throws(KubeClientError) {
        var meta: JSONValue = ["name": .string(pod), "namespace": .string(namespace)]
        if let uid { meta["uid"] = .string(uid) }
        let binding: JSONValue = ["apiVersion": "v1", "kind": "Binding", "metadata": meta, "target": ["kind": "Node", "name": .string(node)]]
        do { try await registry.bind(namespace, podName: pod, binding: binding, dryRun: false) } catch { throw .status(error) }
    }

    func listRaw(_ resource: ResourceInfo, namespace: String?) async throws(KubeClientError) -> [JSONValue] {
        let page: ListPage
        do { page = try await registry.list(resource, resource.namespaced ? namespace : nil, ListQuery()) } catch { throw .status(error) }
        var out: [JSONValue] = []
        for item in page.items {
            do { out.append(resource.fromStorage(try StoredObject.decode(item.value, revision: item.modRevision))) } catch { throw .decoding(error.description) }
        }
        return out
    }

    func deleteRaw(_ resource: ResourceInfo, namespace: String?, name: String, options: DeleteOptions) async throws(KubeClientError) {
        do { _ = try await registry.delete(resource, resource.namespaced ? namespace : nil, name, options: options, dryRun: false) } catch {
            throw .status(error)
        }
    }
}
