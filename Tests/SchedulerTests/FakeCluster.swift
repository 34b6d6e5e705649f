import Foundation
import KubeAPI
import ControllerRuntime
import Synchronization

/// An in-memory API for scheduler tests: pods and nodes with list and watch,
/// bindings that take a random few milliseconds (so many are in flight at
/// once) and can be made to fail, status patches, events.
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

    func failBindings(_ n: Int) { state.withLock { $0.failNextBindings = n } }

    func get<T: KubeObject>(_ type: T.Type, namespace: String?, name: String) async throws(KubeClientError) -> T {
        let found: (any KubeObject)? = state.withLock { s in
            if T.self == Pod.self { return s.pods[Self.key(namespace, name)] }
            if T.self == Node.self { return s.nodes[name] }
            return nil
        }
        guard let o = found as? T else { throw .status(code: 404, reason: "NotFound", message: "\(name) not found") }
        return o
    }

    func list<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions) async throws(KubeClientError) -> ObjectList<T> {
        state.withLock { s in
            let items: [any KubeObject] = T.self == Pod.self ? Array(s.pods.values) : T.self == Node.self ? Array(s.nodes.values) : []
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
        // Other kinds never change.
        return AsyncThrowingStream { c in
            Task {
                try? await Task.sleep(for: .seconds(3600))
                c.finish()
            }
        }
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

    func create<T: KubeObject>(_ object: T) async throws(KubeClientError) -> T { object }

    func update<T: KubeObject>(_ object: T, subresource: String?) async throws(KubeClientError) -> T { object }

    func patch<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, patchType: PatchType, body: JSONValue,
                              subresource: String?) async throws(KubeClientError) -> T {
        if T.self == Event.self {
            throw .status(code: 404, reason: "NotFound", message: "no events kept")
        }
        state.withLock { $0.statusPatches[Self.key(namespace, name)] = body }
        return try await get(type, namespace: namespace, name: name)
    }

    func delete<T: KubeObject>(_ type: T.Type, namespace: String?, name: String, options: DeleteOptions) async throws(KubeClientError) {}

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
}
