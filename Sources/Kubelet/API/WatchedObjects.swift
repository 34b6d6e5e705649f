public import KubeAPI
import Runtime
import LinuxSystem

/// ConfigMaps or Secrets that pods on this node use, each kept current by a
/// watch of that one object, as the upstream kubelet's default "Watch"
/// change-detection strategy: a hundred pods that mount the namespace's
/// `kube-root-ca.crt` cost one list and one watch, not a hundred GETs, and a
/// refresh of a configMap volume reads memory.
///
/// Until an object's watch has listed it, and beyond `limit` watched objects
/// (each watch holds a connection to the API server), reads go to the API
/// server as before. An object nobody has asked for in `idleSeconds` loses
/// its watch.
public actor WatchedObjects<T: KubeObject> {
    private struct Entry {
        let informer: Informer<T>
        let task: Task<Void, Never>
        var lastUsed: Double
    }

    private let client: KubeClient
    private let limit: Int
    private let idleSeconds: Double
    private let now: @Sendable () -> Double
    private var entries: [String: Entry] = [:]

    public init(_ type: T.Type, client: KubeClient, limit: Int = 256, idleSeconds: Double = 300,
                now: (@Sendable () -> Double)? = nil) {
        self.client = client
        self.limit = limit
        self.idleSeconds = idleSeconds
        self.now = now ?? { Monotonic.now() }
    }

    deinit {
        for entry in entries.values { entry.task.cancel() }
    }

    /// How many objects are watched.
    public var watched: Int { entries.count }

    /// The object, or nil when it does not exist: from its watch once that
    /// has listed it, else from `fetch` (a GET), starting the watch.
    public func get(namespace: String, name: String, fetch: @Sendable () async throws -> T?) async throws -> T? {
        let key = namespace + "/" + name
        let time = now()
        for (k, e) in entries where time - e.lastUsed > idleSeconds {
            e.task.cancel()
            entries[k] = nil
        }
        if var entry = entries[key] {
            entry.lastUsed = time
            entries[key] = entry
            if entry.informer.hasSynced { return entry.informer.get(namespace: namespace, name: name) }
        } else if entries.count < limit {
            let informer = Informer(T.self, client: client, namespace: namespace, options: ListOptions(fieldSelector: "metadata.name=\(name)"))
            let task = Task { await informer.run() }
            entries[key] = Entry(informer: informer, task: task, lastUsed: time)
        }
        return try await fetch()
    }
}
