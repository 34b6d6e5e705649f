public import KubeAPI
public import Logging
import Synchronization

/// Something the factory can run and wait for.
public protocol RunnableInformer: Sendable {
    /// Lists and watches until cancelled.
    func run() async
    /// True once the first list is in.
    var hasSynced: Bool { get }
    /// Waits until the first list is in (or the task is cancelled).
    func waitForSync() async
}

extension Informer: RunnableInformer {}

/// Hands out one ``Informer`` per kind, so every controller of the process
/// shares one watch and one cache per kind; ``run()`` runs them all.
public final class InformerFactory: Sendable {
    private let informers = Mutex<[String: any RunnableInformer]>([:])
    public let client: any ClusterClient
    let logger: Logger

    public init(client: any ClusterClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The shared informer of a kind (all namespaces).
    public func informer<T: KubeObject>(_ type: T.Type) -> Informer<T> {
        let key = "\(T.apiVersion)/\(T.kind)"
        return informers.withLock { m in
            if let existing = m[key] as? Informer<T> { return existing }
            let i = Informer(type, client: client, logger: logger)
            m[key] = i
            return i
        }
    }

    /// Runs every informer handed out so far until cancelled.
    public func run() async {
        let all = informers.withLock { Array($0.values) }
        await withTaskGroup(of: Void.self) { group in
            for i in all { group.addTask { await i.run() } }
        }
    }

    /// Waits until every informer handed out so far has listed once.
    public func waitForSync() async {
        let all = informers.withLock { Array($0.values) }
        for i in all where !Task.isCancelled { await i.waitForSync() }
    }
}
