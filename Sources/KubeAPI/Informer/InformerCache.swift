/// The objects an ``Informer`` holds, keyed by ``objectKey(_:)``, with a
/// namespace index and named indexes, and the events each change makes.
/// A value type with no concurrency of its own: the informer keeps it under a lock.
struct InformerCache<T: KubeObject>: Sendable {
    typealias IndexFunction = @Sendable (T) -> [String]

    private(set) var objects: [String: T] = [:]
    private var byNamespace: [String: Set<String>] = [:]
    private var indexers: [String: IndexFunction] = [:]
    private var indexes: [String: [String: Set<String>]] = [:]
    /// True once a complete list is in the cache.
    private(set) var synced = false

    // MARK: reads

    func get(_ key: String) -> T? { objects[key] }

    func list() -> [T] { Array(objects.values) }

    func list(namespace: String) -> [T] {
        (byNamespace[namespace] ?? []).compactMap { objects[$0] }
    }

    func byIndex(_ name: String, _ value: String) -> [T] {
        (indexes[name]?[value] ?? []).compactMap { objects[$0] }
    }

    /// What a handler registered now must see first: every object, then
    /// `.synced` when a list is in.
    func replay() -> [InformerEvent<T>] {
        objects.values.map { .added($0) } + (synced ? [.synced] : [])
    }

    // MARK: changes

    /// Adds (or replaces) the index `name` and fills it from the cache.
    mutating func addIndex(_ name: String, _ function: @escaping IndexFunction) {
        indexers[name] = function
        var index: [String: Set<String>] = [:]
        for (key, o) in objects {
            for v in function(o) { index[v, default: []].insert(key) }
        }
        indexes[name] = index
    }

    /// One watch event; returns the change it makes (none for a bookmark).
    mutating func apply(_ event: WatchEvent<T>) -> InformerEvent<T>? {
        switch event {
        case .added(let o), .modified(let o):
            if let old = put(objectKey(o), o) { return .updated(old: old, new: o) }
            return .added(o)
        case .deleted(let o):
            return .deleted(remove(objectKey(o)) ?? o)
        case .bookmark:
            return nil
        }
    }

    /// A complete list replaces the cache; returns the differences (objects
    /// gone, changed (by resourceVersion) and new), then `.synced`.
    mutating func replace(with items: [T]) -> [InformerEvent<T>] {
        var fresh: [String: T] = [:]
        for o in items { fresh[objectKey(o)] = o }
        var out: [InformerEvent<T>] = []
        for key in Array(objects.keys) where fresh[key] == nil {
            if let old = remove(key) { out.append(.deleted(old)) }
        }
        for (key, o) in fresh {
            if let old = put(key, o) {
                if old.metadata.resourceVersion != o.metadata.resourceVersion { out.append(.updated(old: old, new: o)) }
            } else {
                out.append(.added(o))
            }
        }
        synced = true
        out.append(.synced)
        return out
    }

    private mutating func put(_ key: String, _ o: T) -> T? {
        let old = objects[key]
        if let old { unindex(key, old) }
        objects[key] = o
        index(key, o)
        return old
    }

    private mutating func remove(_ key: String) -> T? {
        guard let old = objects.removeValue(forKey: key) else { return nil }
        unindex(key, old)
        return old
    }

    private mutating func index(_ key: String, _ o: T) {
        byNamespace[o.metadata.namespace ?? "", default: []].insert(key)
        for (name, f) in indexers {
            for v in f(o) { indexes[name, default: [:]][v, default: []].insert(key) }
        }
    }

    private mutating func unindex(_ key: String, _ o: T) {
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
}
