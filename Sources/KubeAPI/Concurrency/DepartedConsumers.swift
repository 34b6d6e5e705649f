import Synchronization

/// The consumers of a fan-out's streams that went away, noted from the
/// streams' `onTermination` without taking the lock the fan-out yields under.
///
/// A fan-out that yields to its streams under its own lock (to keep the order
/// of its events, or a newcomer's replay before them) must not take that lock
/// in `onTermination`: a consumer task being cancelled runs `onTermination`
/// while the runtime holds that task's status lock, and a yield that wakes the
/// same task waits for that status lock under the fan-out's lock. The two
/// wait for each other for ever (this stopped the API server in CI: every
/// request hung, the control loops went on). So `onTermination` only notes
/// the consumer here, and the fan-out forgets the noted ones the next time
/// it holds its lock.
///
/// ```swift
/// continuation.onTermination = { _ in departed.note(id) }
/// // in the fan-out, under its lock:
/// for id in departed.drain() { subscribers[id] = nil }
/// ```
public final class DepartedConsumers<ID: Hashable & Sendable>: Sendable {
    private let ids = Mutex<[ID]>([])

    public init() {}

    /// Notes that `id`'s consumer went away; safe from `onTermination`.
    public func note(_ id: ID) {
        ids.withLock { $0.append(id) }
    }

    /// The consumers noted since the last call.
    public func drain() -> [ID] {
        ids.withLock { ids in
            defer { ids.removeAll() }
            return ids
        }
    }
}
