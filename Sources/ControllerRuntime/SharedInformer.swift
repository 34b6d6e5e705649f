import Foundation
public import KubeAPI
public import Logging
import Synchronization

/// A list-watch cache of one kind shared by every controller of the process,
/// like client-go's shared index informer: it lists, watches from the list's
/// resourceVersion, resumes after the watch ends, lists again after 410 Gone
/// (delivering the differences), and calls its handlers for every change in
/// order. Handlers run on the informer's task and must be quick (they usually
/// add keys to a ``WorkQueue``). Indexes answer "pods on node X" or "pods owned
/// by UID Y" without a scan.
public final class SharedInformer<T: KubeObject>: Sendable {
    public typealias Handler = @Sendable (InformerEvent<T>) -> Void
    public typealias IndexFunction = @Sendable (T) -> [String]

    private struct State {
        var cache: [String: T] = [:]
        var byNamespace: [String: Set<String>] = [:]
        var indexers: [String: IndexFunction] = [:]
        var indexes: [String: [String: Set<String>]] = [:]
        var handlers: [Handler] = []
        var synced = false

        mutating func unindex(_ key: String, _ o: T) {
            let ns = o.metadata.namespace ?? ""
            byNamespace[ns]?.remove(key)
            if byNamespace[ns]?.isEmpty == true { byNamespace[ns] = nil }
            for (name, f) in indexers {
                for v in f(o) {
                    indexes[name]?[v]?.remove(key)
                    if indexes[name]?[v]?.isEmpty == true { indexes[name]?[v] = nil }
                }
            }
        }

        mutating func index(_ key: String, _ o: T) {
            byNamespace[o.metadata.namespace ?? "", default: []].insert(key)
            for (name, f) in indexers {
                for v in f(o) { indexes[name, default: [:]][v, default: []].insert(key) }
            }
        }

        mutating func put(_ key: String, _ o: T) -> T? {
            let old = cache[key]
            if let old { unindex(key, old) }
            cache[key] = o
            index(key, o)
            return old
        }

        mutating func remove(_ key: String) -> T? {
            guard let old = cache.removeValue(forKey: key) else { return nil }
            unindex(key, old)
            return old
        }
    }

    private let state = Mutex(State())
    let client: any ClusterClient
    let namespace: String?
    let options: ListOptions
    let logger: Logger

    /// Watches `T` in `namespace` (nil: all) with the selectors in `options`.
    public init(_ type: T.Type, client: any ClusterClient, namespace: String? = nil, options: ListOptions = ListOptions(),
                logger: Logger) {
        self.client = client
        self.namespace = namespace
        self.options = options
        self.logger = logger
    }

    /// Registers a handler; it first receives `.added` for every cached object.
    public func addHandler(_ handler: @escaping Handler) {
        let existing: ([T], Bool) = state.withLock { s in
            s.handlers.append(handler)
            return (Array(s.cache.values), s.synced)
        }
        for o in existing.0 { handler(.added(o)) }
        if existing.1 { handler(.synced) }
    }

    /// Adds an index; `function` returns the index values of an object.
    public func addIndex(_ name: String, _ function: @escaping IndexFunction) {
        state.withLock { s in
            s.indexers[name] = function
            var idx: [String: Set<String>] = [:]
            for (k, o) in s.cache {
                for v in function(o) { idx[v, default: []].insert(k) }
            }
            s.indexes[name] = idx
        }
    }

    /// True once the first list is in the cache.
    public var hasSynced: Bool { state.withLock { $0.synced } }

    /// Waits until the first list is in the cache (or the task is cancelled).
    public func waitForSync() async {
        while !hasSynced && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// One cached object.
    public func get(namespace: String?, name: String) -> T? {
        let ns = namespace ?? ""
        return state.withLock { $0.cache[ns.isEmpty ? name : "\(ns)/\(name)"] }
    }

    /// One cached object by key (`namespace/name` or `name`).
    public func get(key: String) -> T? { state.withLock { $0.cache[key] } }

    /// Every cached object.
    public func list() -> [T] { state.withLock { Array($0.cache.values) } }

    /// Cached objects of one namespace.
    public func list(namespace: String) -> [T] {
        state.withLock { s in (s.byNamespace[namespace] ?? []).compactMap { s.cache[$0] } }
    }

    /// Cached objects whose index `name` has `value`.
    public func byIndex(_ name: String, _ value: String) -> [T] {
        state.withLock { s in (s.indexes[name]?[value] ?? []).compactMap { s.cache[$0] } }
    }

    /// How many objects are cached.
    public var count: Int { state.withLock { $0.cache.count } }

    /// Lists and watches until cancelled.
    public func run() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let list = try await client.list(T.self, namespace: namespace, options: options)
                replace(with: list.items)
                failures = 0
                var rv = list.resourceVersion
                while !Task.isCancelled {
                    let start = ContinuousClock.now
                    for try await e in client.watch(T.self, namespace: namespace, options: options, from: rv) {
                        if let r = e.resourceVersion, !r.isEmpty { rv = r }
                        apply(e)
                    }
                    // The stream ended without an error: watch again from where it stopped.
                    if ContinuousClock.now - start < .seconds(1) { try await Task.sleep(for: .milliseconds(500)) }
                }
            } catch {
                if Task.isCancelled { break }
                if let e = error as? KubeClientError, e.isGone {
                    logger.debug("\(T.resource) watch expired; listing again")
                    continue
                }
                failures += 1
                logger.warning("\(T.resource) informer: \(error)")
                let delay = min(10.0, 0.2 * pow(2.0, Double(min(failures, 6))))
                try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            }
        }
    }

    private func notify(_ events: [InformerEvent<T>]) {
        guard !events.isEmpty else { return }
        let handlers = state.withLock { $0.handlers }
        for e in events {
            for h in handlers { h(e) }
        }
    }

    func replace(with items: [T]) {
        let events: [InformerEvent<T>] = state.withLock { s in
            var fresh: [String: T] = [:]
            for o in items { fresh[objectKey(o)] = o }
            var out: [InformerEvent<T>] = []
            for k in Array(s.cache.keys) where fresh[k] == nil {
                if let old = s.remove(k) { out.append(.deleted(old)) }
            }
            for (k, o) in fresh {
                if let old = s.put(k, o) {
                    if old.metadata.resourceVersion != o.metadata.resourceVersion { out.append(.updated(old: old, new: o)) }
                } else {
                    out.append(.added(o))
                }
            }
            s.synced = true
            out.append(.synced)
            return out
        }
        notify(events)
    }

    func apply(_ e: WatchEvent<T>) {
        let event: InformerEvent<T>? = state.withLock { s in
            switch e {
            case .added(let o), .modified(let o):
                if let old = s.put(objectKey(o), o) { return .updated(old: old, new: o) }
                return .added(o)
            case .deleted(let o):
                return .deleted(s.remove(objectKey(o)) ?? o)
            case .bookmark:
                return nil
            }
        }
        if let event { notify([event]) }
    }
}
