public import Foundation
import Synchronization

/// What a controller is waiting to see in its informer after creating or
/// deleting pods, so it does not act twice on a stale cache (client-go's
/// ControllerExpectations). Expectations lapse after five minutes in case an
/// event was missed.
public final class ControllerExpectations: Sendable {
    struct Entry {
        var adds: Int
        var deletes: Set<String>
        var since: Date
    }

    private let state = Mutex<[String: Entry]>([:])
    let ttl: TimeInterval

    public init(ttl: TimeInterval = 300) { self.ttl = ttl }

    /// Expect `count` creations for the controller `key`.
    public func expectCreations(_ key: String, _ count: Int, now: Date) {
        state.withLock { $0[key] = Entry(adds: count, deletes: [], since: now) }
    }

    /// Expect these pods (keys) to be deleted.
    public func expectDeletions(_ key: String, _ pods: [String], now: Date) {
        state.withLock { $0[key] = Entry(adds: 0, deletes: Set(pods), since: now) }
    }

    /// One expected creation happened (or failed).
    public func creationObserved(_ key: String) {
        state.withLock { s in
            if var e = s[key] {
                e.adds -= 1
                s[key] = e
            }
        }
    }

    /// One expected deletion happened (or failed).
    public func deletionObserved(_ key: String, pod: String) {
        state.withLock { s in
            if var e = s[key] {
                e.deletes.remove(pod)
                s[key] = e
            }
        }
    }

    /// True when nothing is pending (or it lapsed).
    public func satisfied(_ key: String, now: Date) -> Bool {
        state.withLock { s in
            guard let e = s[key] else { return true }
            if e.adds <= 0 && e.deletes.isEmpty { return true }
            return now.timeIntervalSince(e.since) > ttl
        }
    }

    /// Forgets the controller (deleted).
    public func remove(_ key: String) {
        _ = state.withLock { $0.removeValue(forKey: key) }
    }
}
