import Synchronization

/// What `/healthz` and `/metrics` show, shared between the sync loop (which
/// writes it) and the HTTP event loop (which reads it).
final class StatusBoard: Sendable {
    struct Snapshot: Sendable {
        var metrics = ProxyMetrics()
        var healthy = true
    }

    private let state = Mutex(Snapshot())

    func withLock<T>(_ body: (inout Snapshot) -> T) -> T {
        state.withLock { body(&$0) }
    }

    var snapshot: Snapshot { state.withLock { $0 } }
}
