import Synchronization

/// The current routing table, shared by the controller (which replaces it)
/// and every connection (which reads it once per request). Replacing is one
/// atomic swap: a request routed on the old table finishes on it.
public final class RoutingTableStore: Sendable {
    let state: Mutex<IngressRoutingTable>
    let generation = Atomic<UInt64>(0)

    public init(_ table: IngressRoutingTable = IngressRoutingTable()) { state = Mutex(table) }

    /// The table to route one request with.
    public var current: IngressRoutingTable { state.withLock { $0 } }

    /// Installs a new table.
    public func replace(_ table: IngressRoutingTable) {
        state.withLock { $0 = table }
        generation.add(1, ordering: .relaxed)
    }

    /// How many tables have been installed (for logs and tests).
    public var version: UInt64 { generation.load(ordering: .relaxed) }
}
