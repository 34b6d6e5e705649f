import Foundation
import KubeAPI
import ControllerRuntime
import Synchronization

/// An in-memory API for scheduler tests: pods and nodes with list and watch,
/// bindings that take a random few milliseconds (so many are in flight at
/// once) and can be made to fail, status patches, events; claims, volumes
/// and classes with list, watch, update (compare-and-swap), merge patches
/// and a log of those writes.
final class FakeCluster: ClusterClient {
    struct State {
        var pods: [String: Pod] = [:]
        var nodes: [String: Node] = [:]
        var revision = 0
        var podWatchers: [UUID: AsyncThrowingStream<WatchEvent<Pod>, any Error>.Continuation] = [:]
        var nodeWatchers: [UUID: AsyncThrowingStream<WatchEvent<Node>, any Error>.Continuation] = [:]
        var bindings: [String: String] = [:]
        var failNextBindings = 0
        var statusPatches: [String: JSONValue] = [:]
        /// Claims, volumes, classes and events: kind → key → object.
        var objects: [String: [String: any KubeObject]] = [:]
        var watchers: [String: [UUID: @Sendable (WatchEvent<AnyKubeObject>) -> Void]] = [:]
        /// `update Kind key` and `patch Kind key`, in order.
        var writes: [String] = []
        var events: [Event] = []
        /// Pods deleted (preemption's victims), in order.
        var deletes: [String] = []
        /// `status.nominatedNodeName` written by status patches.
        var nominations: [String: String] = [:]
        /// Status patches that set a DisruptionTarget condition.
        var disruptionTargets: [String: JSONValue] = [:]
    }

    /// A type-erased object for the generic watchers.
    struct AnyKubeObject: KubeObject {
        static let apiVersion = "v1"
        static let kind = "Any"
        static let resource = "any"
        static let namespaced = false
        var metadata = ObjectMeta()
        var object: any KubeObject
        init(_ o: any KubeObject) { object = o }
        init(from decoder: any Decoder) throws { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not decodable")) }
        func encode(to encoder: any Encoder) throws {}
    }

    let state = Mutex(State())

    static func key(_ ns: String?, _ name: String) -> String { "\(ns ?? "")/\(name)" }

    func add(_ n: Node) {
        state.withLock { s in
            s.revision += 1
            var n = n
            n.metadata.resourceVersion = String(s.revision)
            s.nodes[n.name] = n
            for c in s.nodeWatchers.values { c.yield(.added(n)) }
        }
    }

    func add(_ p: Pod) {
        state.withLock { s in
            s.revision += 1
            var p = p
            p.metadata.resourceVersion = String(s.revision)
            s.pods[Self.key(p.metadata.namespace, p.name)] = p
            for c in s.podWatchers.values { c.yield(.added(p)) }
        }
    }

    func remove(pod key: String) {
        state.withLock { s in
            guard let p = s.pods.removeValue(forKey: key) else { return }
            for c in s.podWatchers.values { c.yield(.deleted(p)) }
        }
    }

    var bindings: [String: String] { state.withLock { $0.bindings } }

    static func key<T: KubeObject>(_ o: T) -> String { T.namespaced ? key(o.metadata.namespace, o.metadata.name ?? "") : o.metadata.name ?? "" }

    /// Stores a claim, volume or class (added or replaced) and tells the watchers.
    func put<T: KubeObject>(_ o: T) {
        state.withLock { s in
            s.revision += 1
            var o = o
            o.metadata.resourceVersion = String(s.revision)
            let k = Self.key(o)
            let existed = s.objects[T.kind]?[k] != nil
            s.objects[T.kind, default: [:]][k] = o
            for w in (s.watchers[T.kind] ?? [:]).values { w(existed ? .modified(AnyKubeObject(o)) : .added(AnyKubeObject(o))) }
        }
    }

    func object<T: KubeObject>(_ type: T.Type, _ key: String) -> T? { state.withLock { $0.objects[T.kind]?[key] as? T } }

    var writes: [String] { state.withLock { $0.writes } }
    var recordedEvents: [Event] { state.withLock { $0.events } }

    func failBindings(_ n: Int) { state.withLock { $0.failNextBindings = n } }

    func get<T: KubeObject>(_ type: T.Type, namespace: String?, name: String) async throws(KubeClientError) -> T {
        let found: (any KubeObject)? = state.withLock { s in
            if T.self == Pod.self { return s.pods[Self.key(namespace, name)] }
            if T.self == Node.self { return s.nodes[name] }
            return s.objects[T.kind]?[T.namespaced ? Self.key(namespace, name) : name]
        }
        guard let o = found as? T else { throw .status(code: 404, reason: "NotFound", message: "\(name) not found") }
        return o
    }

    func list<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions) async throws(KubeClientError) -> ObjectList<T> {
        state.withLock { s in
            let items: [any KubeObject] = T.self == Pod.self ? Array(s.pods.values) : T.self == Node.self ? Array(s.nodes.values)
                : Array((s.objects[T.kind] ?? [:]).values)
            return ObjectList(items: items.compactMap { $0 as? T }, resourceVersion: String(s.revision))
        }
    }

    func watch<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions,
                              from resourceVersion: String) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        let id = UUID()
        if T.self == Pod.self {
            let (stream, c) = AsyncThrowingStream<WatchEvent<Pod>, any Error>.makeStream()
            state.withLock { $0.podWatchers[id] = c }
            c.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.podWatchers.removeValue(forKey: id) } }
            return Self.cast(stream)
        }
        if T.self == Node.self {
            let (stream, c) = AsyncThrowingStream<WatchEvent<Node>, any Error>.makeStream()
            state.withLock { $0.nodeWatchers[id] = c }
            c.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.nodeWatchers.removeValue(forKey: id) } }
            return Self.cast(stream)
        }
        let (stream, c) = AsyncThrowingStream<WatchEvent<T>, any Error>.makeStream()
        state.withLock {
            $0.watchers[T.kind, default: [:]][id] = { e in
                switch e {
                case .added(let o): if let o = o.object as? T { c.yield(.added(o)) }
                case .modified(let o): if let o = o.object as? T { c.yield(.modified(o)) }
                case .deleted(let o): if let o = o.object as? T { c.yield(.deleted(o)) }
                case .bookmark: break
                }
            }
        }
        c.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.watchers[T.kind]?.removeValue(forKey: id) } }
        return stream
    }

    static func cast<A: KubeObject, B: KubeObject>(_ s: AsyncThrowingStream<WatchEvent<A>, any Error>) -> AsyncThrowingStream<WatchEvent<B>, any Error> {
        AsyncThrowingStream { c in
            let t = Task {
                do {
                    for try await e in s {
                        switch e {
                        case .added(let o): if let o = o as? B { c.yield(.added(o)) }
                        case .modified(let o): if let o = o as? B { c.yield(.modified(o)) }
                        case .deleted(let o): if let o = o as? B { c.yield(.deleted(o)) }
                        case .bookmark(let rv): c.yield(.bookmark(resourceVersion: rv))
                        }
                    }
                    c.finish()
                } catch {
                    c.finish(throwing: error)
                }
            }
            c.onTermination = { _ in t.cancel() }
        }
    }

    func create<T: KubeObject>(_ object: T) async throws(KubeClientError) -> T {
        if let e = object as? Event { state.withLock { $0.events.append(e) } }
        return object
    }

    func update<T: KubeObject>(_ object: T, subresource: String?) async throws(KubeClientError) -> T {
        guard T.self != Pod.self, T.self != Node.self, T.self != Event.self else { return object }
        let k = Self.key(object)
        let result: Result<T, KubeClientError> = state.withLock { s in
            guard let current = s.objects[T.kind]?[k] else { return .failure(.status(code: 404, reason: "NotFound", message: "\(k) not found")) }
            guard current.metadata.resourceVersion == object.metadata.resourceVersion else {
                return .failure(.status(code: 409, reason: "Conflict", message: "the object has been modified"))
            }
            s.writes.append("update \(T.kind) \(k)")
            return .success(object)
        }
        let o = try result.get()
        put(o)
        return try await get(T.self, namespace: o.metadata.namespace, name: o.metadata.name ?? "")
    }

    func patch<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, patchType: PatchType, body: JSONValue,
                              subresource: String?) async throws(KubeClientError) -> T {
        if T.self == Event.self {
            throw .status(code: 404, reason: "NotFound", message: "no events kept")
        }
        if T.self != Pod.self && T.self != Node.self {
            let current = try await get(type, namespace: namespace, name: name)
            let patched = MergePatch.apply(body, to: KubeCodec.encodeObject(current))
            if let pinned = body[path: ["metadata", "resourceVersion"]]?.stringValue, pinned != current.metadata.resourceVersion {
                throw .status(code: 409, reason: "Conflict", message: "the object has been modified")
            }
            let o: T
            do { o = try KubeCodec.decodeObject(T.self, from: patched) } catch {
                throw .status(code: 422, reason: "Invalid", message: "\(error)")
            }
            state.withLock { $0.writes.append("patch \(T.kind) \(Self.key(o))") }
            put(o)
            return try await get(type, namespace: namespace, name: name)
        }
        state.withLock { s in
            let key = Self.key(namespace, name)
            s.statusPatches[key] = body
            if let n = body[path: ["status", "nominatedNodeName"]]?.stringValue { s.nominations[key] = n }
            if body[path: ["status", "nominatedNodeName"]] == .null { s.nominations[key] = "" }
            let types = body[path: ["status", "conditions"]]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? []
            if types.contains("DisruptionTarget") { s.disruptionTargets[key] = body }
        }
        return try await get(type, namespace: namespace, name: name)
    }

    /// Deletes a pod at once (no kubelet to wait for); other kinds are ignored.
    func delete<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, options: DeleteOptions) async throws(KubeClientError) {
        guard T.self == Pod.self else { return }
        let key = Self.key(namespace, name)
        state.withLock { $0.deletes.append(key) }
        remove(pod: key)
    }

    var deletes: [String] { state.withLock { $0.deletes } }

    func bind(pod: String, namespace: String, uid: String?, node: String) async throws(KubeClientError) {
        try? await Task.sleep(for: .microseconds(Int64.random(in: 0...3000)))
        let result: KubeClientError? = state.withLock { s in
            if s.failNextBindings > 0 {
                s.failNextBindings -= 1
                return .status(code: 500, reason: "InternalError", message: "injected failure")
            }
            let key = Self.key(namespace, pod)
            guard var p = s.pods[key] else { return .status(code: 404, reason: "NotFound", message: "pod \(pod) not found") }
            if let n = p.spec?.nodeName, !n.isEmpty {
                return .status(code: 409, reason: "Conflict", message: "pod \(pod) is already assigned to node \"\(n)\"")
            }
            s.revision += 1
            p.spec?.nodeName = node
            p.metadata.resourceVersion = String(s.revision)
            s.pods[key] = p
            s.bindings[key] = node
            for c in s.podWatchers.values { c.yield(.modified(p)) }
            return nil
        }
        if let result { throw result }
    }

    func listRaw(_ resource: ResourceInfo, namespace: String?) async throws(KubeClientError) -> [JSONValue] { [] }

    func deleteRaw(_ resource: ResourceInfo, namespace: String?, name: String, options: DeleteOptions) async throws(KubeClientError) {}
    func getScale(_ resource: ResourceInfo, namespace: String, name: String) async throws(KubeClientError) -> Scale {
        throw .status(Status(message: "no scale in the fake cluster", reason: "NotFound", code: 404))
    }
    func updateScale(_ resource: ResourceInfo, _ scale: Scale) async throws(KubeClientError) -> Scale { scale }
}
