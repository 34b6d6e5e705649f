import Foundation

/// A change seen by an ``Informer``.
public enum InformerEvent<T: KubeObject>: Sendable {
    case added(T)
    case updated(old: T, new: T)
    case deleted(T)
    /// The cache holds a complete list (after the first list and every relist).
    case synced
}

/// List-then-watch with a local cache, as client-go's informers: it lists,
/// watches from the list's resourceVersion, re-watches after timeouts and
/// dropped connections, and lists again when the resourceVersion is too old
/// (410), emitting the differences so consumers never miss a change.
///
/// ```swift
/// let pods = Informer(Pod.self, client: client, options: ListOptions(fieldSelector: "spec.nodeName=n1"))
/// try await withThrowingTaskGroup(of: Void.self) { group in
///     group.addTask { await pods.run() }
///     for await event in pods.events { ... }
/// }
/// ```
public actor Informer<T: KubeObject> {
    /// Cache changes, in order. Finishes when ``run()`` returns.
    public nonisolated let events: AsyncStream<InformerEvent<T>>
    private let continuation: AsyncStream<InformerEvent<T>>.Continuation
    private let client: KubeClient
    private let namespace: String?
    private let options: ListOptions
    private var cache: [String: T] = [:]
    /// True once the first list has been delivered.
    public private(set) var hasSynced = false

    /// Watches `T` in `namespace` ("" or nil: all namespaces) with selectors from `options`.
    /// `emitsEvents: false` keeps only the cache, for callers that read it
    /// and never the change stream (``events`` then finishes at once).
    public init(_ type: T.Type, client: KubeClient, namespace: String? = "", options: ListOptions = ListOptions(),
                emitsEvents: Bool = true) {
        (events, continuation) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
        if !emitsEvents { continuation.finish() }
        self.client = client
        self.namespace = namespace
        self.options = options
    }

    /// The cache key of an object.
    public static func key(_ o: T) -> String { "\(o.metadata.namespace ?? "")/\(o.metadata.name ?? "")" }

    /// One cached object.
    public func get(namespace: String?, name: String) -> T? { cache["\(namespace ?? "")/\(name)"] }

    /// All cached objects.
    public func list() -> [T] { Array(cache.values) }

    /// Lists and watches until the task is cancelled.
    public func run() async {
        var failures = 0
        while !Task.isCancelled {
            do {
                let (items, rv) = try await client.listAll(T.self, namespace: namespace ?? "", options: options)
                replace(with: items)
                failures = 0
                for try await e in client.watchResuming(T.self, namespace: namespace ?? "", from: rv, options: options) {
                    apply(e)
                }
            } catch {
                if Task.isCancelled { break }
                failures += 1
                if let e = error as? KubeClientError, e.isGone { continue }
                let delay = min(10.0, 0.2 * pow(2.0, Double(min(failures, 6))))
                try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
            }
        }
        continuation.finish()
    }

    /// Replaces the cache with a fresh list, emitting the differences.
    func replace(with items: [T]) {
        var fresh: [String: T] = [:]
        for o in items { fresh[Self.key(o)] = o }
        for (k, old) in cache where fresh[k] == nil { continuation.yield(.deleted(old)) }
        for (k, new) in fresh {
            if let old = cache[k] {
                if old.metadata.resourceVersion != new.metadata.resourceVersion { continuation.yield(.updated(old: old, new: new)) }
            } else {
                continuation.yield(.added(new))
            }
        }
        cache = fresh
        hasSynced = true
        continuation.yield(.synced)
    }

    func apply(_ e: WatchEvent<T>) {
        switch e {
        case .added(let o), .modified(let o):
            let k = Self.key(o)
            if let old = cache[k] {
                cache[k] = o
                continuation.yield(.updated(old: old, new: o))
            } else {
                cache[k] = o
                continuation.yield(.added(o))
            }
        case .deleted(let o):
            let k = Self.key(o)
            let last = cache.removeValue(forKey: k) ?? o
            continuation.yield(.deleted(last))
        case .bookmark:
            break
        }
    }
}
