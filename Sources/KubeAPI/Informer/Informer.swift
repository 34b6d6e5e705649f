import Foundation
public import Logging
import Synchronization

/// The one list-watch cache of the project, as client-go's shared index
/// informer: it lists, watches from the list's resourceVersion (with
/// bookmarks), watches again from the last resourceVersion it saw when a watch
/// ends, and lists again after 410 Gone, delivering the differences, so no
/// consumer ever misses a change.
///
/// Consumers either register handlers (``addHandler(_:)``; called in order on
/// the informer's task, they must be quick, usually adding keys to a work
/// queue) or read a stream of changes (``events()``). Both first receive
/// `.added` for every object already cached, so a late consumer sees the same
/// history as an early one. The cache answers reads at any time, by key, by
/// namespace or through named indexes (``addIndex(_:_:)``: "pods on node X").
///
/// It runs over any ``ListWatchClient``: a ``KubeClient`` over HTTPS, or the
/// control plane's in-process client.
///
/// ```swift
/// let pods = Informer(Pod.self, client: client, options: ListOptions(fieldSelector: "spec.nodeName=n1"))
/// pods.addIndex("phase") { [$0.status?.phase ?? ""] }
/// let events = pods.events()
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { await pods.run() }
///     for await event in events { ... }
/// }
/// ```
public final class Informer<T: KubeObject>: Sendable {
    /// Receives every change, in order.
    public typealias Handler = @Sendable (InformerEvent<T>) -> Void
    /// The values of one index for an object (none: not indexed).
    public typealias IndexFunction = @Sendable (T) -> [String]

    /// Who hears about changes. Every change is made to the cache and handed
    /// to them under this lock, so a newcomer's replay and the changes after
    /// it never interleave.
    struct Subscribers {
        var nextID: UInt64 = 0
        var handlers: [(id: UInt64, call: Handler)] = []
        var streams: [UInt64: AsyncStream<InformerEvent<T>>.Continuation] = [:]
        var finished = false

        /// Drops the handlers of streams whose consumers went away.
        mutating func forget(_ ids: [UInt64]) {
            guard !ids.isEmpty else { return }
            let gone = Set(ids)
            handlers.removeAll { gone.contains($0.id) }
            for id in ids { streams[id] = nil }
        }

        func deliver(_ events: [InformerEvent<T>]) {
            for e in events {
                for h in handlers { h.call(e) }
            }
        }
    }

    let cache = Mutex(InformerCache<T>())
    let subscribers = Mutex(Subscribers())
    /// Streams whose consumers went away; forgotten under `subscribers`.
    let departedStreams = DepartedConsumers<UInt64>()
    let syncBell = Doorbell()
    let client: any ListWatchClient
    let namespace: String?
    let options: ListOptions
    let keepUnknownFields: Bool
    let logger: Logger

    /// Watches `T` in `namespace` (nil or "": all namespaces) with the
    /// selectors in `options`. `keepUnknownFields: false` skips remembering
    /// fields the model does not know, for consumers that never write the
    /// objects back whole (the kubelet's pods: it only patches their status).
    public init(_ type: T.Type, client: any ListWatchClient, namespace: String? = nil, options: ListOptions = ListOptions(),
                keepUnknownFields: Bool = true, logger: Logger = Logger(label: "informer")) {
        self.client = client
        self.namespace = namespace
        self.options = options
        self.keepUnknownFields = keepUnknownFields
        self.logger = logger
    }

    // MARK: - Reading the cache

    /// True once the first list is in the cache.
    public var hasSynced: Bool { cache.withLock { $0.synced } }

    /// Waits until the first list is in the cache (or the task is cancelled).
    public func waitForSync() async {
        while !hasSynced {
            guard await syncBell.wait() else { return }
        }
    }

    /// One cached object (`namespace` nil or "" for cluster-scoped kinds).
    public func get(namespace: String?, name: String) -> T? {
        let ns = namespace ?? ""
        return get(key: ns.isEmpty ? name : "\(ns)/\(name)")
    }

    /// One cached object by ``objectKey(_:)`` (`namespace/name` or `name`).
    public func get(key: String) -> T? { cache.withLock { $0.get(key) } }

    /// Every cached object.
    public func list() -> [T] { cache.withLock { $0.list() } }

    /// Cached objects of one namespace.
    public func list(namespace: String) -> [T] { cache.withLock { $0.list(namespace: namespace) } }

    /// Cached objects whose index `name` has `value`.
    public func byIndex(_ name: String, _ value: String) -> [T] { cache.withLock { $0.byIndex(name, value) } }

    /// How many objects are cached.
    public var count: Int { cache.withLock { $0.objects.count } }

    /// Adds an index; `function` returns the index values of an object.
    public func addIndex(_ name: String, _ function: @escaping IndexFunction) {
        cache.withLock { $0.addIndex(name, function) }
    }

    // MARK: - List and watch

    /// Lists and watches until the task is cancelled; then every
    /// ``events()`` stream finishes.
    public func run() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let list: ObjectList<T> = try await client.listObjects(T.self, namespace: namespace, options: options,
                                                                       keepUnknownFields: keepUnknownFields)
                replace(with: list.items)
                failures = 0
                var resourceVersion = list.resourceVersion
                while !Task.isCancelled {
                    let start = ContinuousClock.now
                    for try await e in client.watchObjects(T.self, namespace: namespace, options: options, from: resourceVersion,
                                                           keepUnknownFields: keepUnknownFields) {
                        if let rv = e.resourceVersion, !rv.isEmpty { resourceVersion = rv }
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
                logger.warning("\(T.resource) informer: \(error); listing again")
                // Back off: 0.4 s doubling to 10 s.
                let delay = min(10.0, 0.2 * pow(2.0, Double(min(failures, 6))))
                try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            }
        }
        finishStreams()
    }

    /// A complete list replaces the cache; consumers get the differences, then `.synced`.
    func replace(with items: [T]) {
        subscribers.withLock { s in
            s.forget(departedStreams.drain())
            s.deliver(cache.withLock { $0.replace(with: items) })
        }
        syncBell.ring()
    }

    /// One watch event updates the cache; consumers get the change.
    func apply(_ event: WatchEvent<T>) {
        subscribers.withLock { s in
            s.forget(departedStreams.drain())
            if let change = cache.withLock({ $0.apply(event) }) { s.deliver([change]) }
        }
    }
}
