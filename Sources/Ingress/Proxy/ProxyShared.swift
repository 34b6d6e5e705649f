import Logging
import Synchronization

/// What every connection of one proxy shares: the routing table, the
/// backend pool, counters for draining, and the endpoint rotation.
final class ProxyShared: Sendable {
    let store: RoutingTableStore
    let pool: BackendPool
    let logger: Logger
    let metrics: IngressMetrics?
    let inFlight = Atomic<Int>(0)
    let tunnels = Atomic<Int>(0)
    let draining = Atomic<Bool>(false)
    let rotation = Atomic<Int>(0)

    init(store: RoutingTableStore, pool: BackendPool, logger: Logger, metrics: IngressMetrics?) {
        self.metrics = metrics
        self.store = store
        self.pool = pool
        self.logger = logger
    }

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    func requestStarted() { inFlight.add(1, ordering: .relaxed) }
    func requestFinished() { inFlight.subtract(1, ordering: .relaxed) }
    func tunnelOpened() { tunnels.add(1, ordering: .relaxed) }
    func tunnelClosed() { tunnels.subtract(1, ordering: .relaxed) }

    /// The endpoints in round-robin order, a different first one per request.
    func rotate(_ endpoints: [Backend.Endpoint]) -> [Backend.Endpoint] {
        guard endpoints.count > 1 else { return endpoints }
        let start = rotation.add(1, ordering: .relaxed).newValue % endpoints.count
        return Array(endpoints[start...] + endpoints[..<start])
    }
}
