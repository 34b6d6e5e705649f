import Synchronization

/// The current routing table, shared by the controller (which replaces it)
/// and every connection (which reads it once per request). Replacing is one
/// atomic swap: a request routed on the old table finishes on it.
public final class RoutingTableStore: Sendable {
    /// A table behind one reference, so that reading it per request costs one retain, not a copy of its collections.
    final class Installed: Sendable {
        let table: IngressRoutingTable
        init(_ table: IngressRoutingTable) { self.table = table }

        /// Routes on the table in place (reading `table` from outside would copy the struct, a retain per collection).
        func route(host: String?, path: String) -> IngressRoutingTable.Match? { table.route(host: host, path: path) }
    }

    let state: Mutex<Installed>
    let generation = Atomic<UInt64>(0)

    public init(_ table: IngressRoutingTable = IngressRoutingTable()) { state = Mutex(Installed(table)) }

    /// The table to route one request with.
    public var current: IngressRoutingTable { state.withLock { $0 }.table }

    /// Routes a request on the current table (``IngressRoutingTable/route(host:path:)``).
    public func route(host: String?, path: String) -> IngressRoutingTable.Match? {
        state.withLock { $0 }.route(host: host, path: path)
    }

    /// Installs a new table.
    public func replace(_ table: IngressRoutingTable) {
        let installed = Installed(table)
        state.withLock { $0 = installed }
        generation.add(1, ordering: .relaxed)
    }

    /// How many tables have been installed (for logs and tests).
    public var version: UInt64 { generation.load(ordering: .relaxed) }
}
