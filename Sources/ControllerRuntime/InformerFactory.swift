public import KubeAPI
public import Logging
import Synchronization

/// Something the factory can run and wait for.
public protocol RunnableInformer: Sendable {
    func run() async
    var hasSynced: Bool { get }
}

extension SharedInformer: RunnableInformer {}

/// Hands out one ``SharedInformer`` per kind, so every controller of the
/// process shares one watch and one cache per kind; ``run()`` runs them all.
public final class InformerFactory: Sendable {
    private let informers = Mutex<[String: any RunnableInformer]>([:])
    public let client: any ClusterClient
    let logger: Logger

    public init(client: any ClusterClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// The shared informer of a kind (all namespaces).
    public func informer<T: KubeObject>(_ type: T.Type) -> SharedInformer<T> {
        let key = "\(T.apiVersion)/\(T.kind)"
        return informers.withLock { m in
            if let existing = m[key] as? SharedInformer<T> { return existing }
            let i = SharedInformer(type, client: client, logger: logger)
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
        while !Task.isCancelled, !all.allSatisfy({ $0.hasSynced }) {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
