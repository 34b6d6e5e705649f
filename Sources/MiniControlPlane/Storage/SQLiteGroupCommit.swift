import Foundation
import GRDB
import Synchronization

/// Group commit for ``SQLiteStore``: writes that arrive while another
/// transaction is being written wait together and then share one
/// transaction, each in a savepoint of its own, so one write failing its
/// precondition (a revision conflict, a missing key) leaves the others
/// alone. Callers still see one result per write and watchers one event per
/// write, in revision order.
///
/// With many writers (the scheduler's bindings in flight, its events, the
/// kubelets' status updates) one transaction per write spent most of the
/// writer's time on the hop to its queue and on the commit, writing the same
/// B-tree pages to the WAL again for every row.
final class SQLiteGroupCommit: Sendable {
    typealias Body = @Sendable (Database) throws -> StoreEvent

    private struct Pending: Sendable {
        var body: Body
        var continuation: CheckedContinuation<StoreEvent, any Error>
    }

    private struct State {
        var queue: [Pending] = []
        var draining = false
    }

    private let state = Mutex(State())
    private let pool: DatabasePool
    private let broadcaster: WatchBroadcaster
    /// Writes per transaction at most.
    let maxBatch: Int

    init(pool: DatabasePool, broadcaster: WatchBroadcaster, maxBatch: Int = 256) {
        self.pool = pool
        self.broadcaster = broadcaster
        self.maxBatch = maxBatch
    }

    /// Runs `body` in a transaction shared with the writes waiting beside it;
    /// its event is published once that transaction has committed.
    func write(_ body: @escaping Body) async throws -> StoreEvent {
        try await withCheckedThrowingContinuation { continuation in
            let first = state.withLock { s -> Bool in
                s.queue.append(Pending(body: body, continuation: continuation))
                if s.draining { return false }
                s.draining = true
                return true
            }
            if first { Task { await self.drain() } }
        }
    }

    /// Writes batches until no write is waiting.
    private func drain() async {
        while true {
            let batch = state.withLock { s -> [Pending] in
                if s.queue.isEmpty {
                    s.draining = false
                    return []
                }
                let n = min(s.queue.count, maxBatch)
                defer { s.queue.removeFirst(n) }
                return Array(s.queue.prefix(n))
            }
            if batch.isEmpty { return }
            await commit(batch)
        }
    }

    private func commit(_ batch: [Pending]) async {
        let bodies = batch.map(\.body)
        let broadcaster = self.broadcaster
        let results: [Result<StoreEvent, any Error>]
        do {
            results = try await pool.writeWithoutTransaction { db in
                var out: [Result<StoreEvent, any Error>] = []
                out.reserveCapacity(bodies.count)
                try db.inTransaction {
                    for body in bodies {
                        var event: StoreEvent?
                        do {
                            try db.inSavepoint {
                                event = try body(db)
                                return .commit
                            }
                            if let event { out.append(.success(event)) } else { out.append(.failure(StoreError.unavailable("write produced no event"))) }
                        } catch {
                            out.append(.failure(error))
                        }
                    }
                    return .commit
                }
                // Published while still holding the writer, so watchers see revisions in order.
                for case .success(let e) in out { broadcaster.publish(e) }
                return out
            }
        } catch {
            for p in batch { p.continuation.resume(throwing: error) }
            return
        }
        for (p, r) in zip(batch, results) { p.continuation.resume(with: r) }
    }
}
