import Synchronization

/// The record table shared by the watches (which change it) and the
/// server (which reads a snapshot per query). A snapshot is a copy of the
/// value, so a lookup never holds the lock.
public final class RecordStore: Sendable {
    struct State: Sendable {
        var table: DNSRecordTable
        var servicesSynced = false
        var slicesSynced = false
    }

    let state: Mutex<State>

    public init(zone: DNSName) { state = Mutex(State(table: DNSRecordTable(zone: zone))) }

    /// A store already holding `table`, marked complete (for tests and tools).
    public init(table: DNSRecordTable) {
        state = Mutex(State(table: table, servicesSynced: true, slicesSynced: true))
    }

    /// The table and whether both Services and EndpointSlices have been listed.
    public func snapshot() -> (table: DNSRecordTable, synced: Bool) {
        state.withLock { ($0.table, $0.servicesSynced && $0.slicesSynced) }
    }

    /// Changes the table.
    public func update(_ body: (inout DNSRecordTable) -> Void) {
        state.withLock { body(&$0.table) }
    }

    /// Records that the first list of Services (or EndpointSlices) is in.
    public func markSynced(services: Bool = false, slices: Bool = false) {
        state.withLock { s in
            if services { s.servicesSynced = true }
            if slices { s.slicesSynced = true }
        }
    }
}
