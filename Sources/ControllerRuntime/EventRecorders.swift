public import Logging
import Synchronization

/// One ``EventRecorder`` per component, run together.
public final class EventRecorders: Sendable {
    private let recorders = Mutex<[String: EventRecorder]>([:])
    let client: any ClusterClient
    let instance: String
    let logger: Logger

    public init(client: any ClusterClient, instance: String, logger: Logger) {
        self.client = client
        self.instance = instance
        self.logger = logger
    }

    /// The recorder of a component (`default-scheduler`, `replicaset-controller`, ...).
    public func recorder(_ component: String) -> EventRecorder {
        recorders.withLock { m in
            if let r = m[component] { return r }
            let r = EventRecorder(client: client, component: component, instance: instance, logger: logger)
            m[component] = r
            return r
        }
    }

    /// Writes events of every recorder handed out so far until cancelled.
    public func run() async {
        let all = recorders.withLock { Array($0.values) }
        await withTaskGroup(of: Void.self) { group in
            for r in all { group.addTask { await r.run() } }
        }
    }
}
