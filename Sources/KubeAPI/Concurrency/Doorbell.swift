import Synchronization

/// Wakes a waiting consumer when there is work: the one wake-up primitive of
/// the project (the scheduler's loop, event recorders, kube-proxy's sync loop,
/// the kubelet's route follower).
///
/// A ring while nobody waits is remembered once, so a consumer that checks its
/// work, finds none and then waits never misses a ring that came in between;
/// many rings before the next wait still make one wake-up. When several tasks
/// wait at once, a ring wakes them all. Waits end early, returning false, when
/// the waiting task is cancelled or the bell is closed.
///
/// ```swift
/// let bell = Doorbell()
/// // producer:
/// queue.append(item); bell.ring()
/// // consumer:
/// while !Task.isCancelled {
///     if let work = queue.popFirst() { process(work); continue }
///     guard await bell.wait() else { break }      // closed or cancelled
/// }
/// // or, with a deadline (a periodic resync):
/// await bell.wait(until: .now + .seconds(30))
/// ```
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var closed = false
        var nextID: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Wakes every waiting task, or, with none waiting, lets the next wait return at once.
    public func ring() {
        let woken = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            guard !s.closed else { return [] }
            guard !s.waiters.isEmpty else {
                s.rung = true
                return []
            }
            let all = Array(s.waiters.values)
            s.waiters = [:]
            return all
        }
        for w in woken { w.resume(returning: true) }
    }

    /// Ends every wait for good: waits return false from now on (after a
    /// ring that was already remembered).
    public func close() {
        let woken = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            s.closed = true
            let all = Array(s.waiters.values)
            s.waiters = [:]
            return all
        }
        for w in woken { w.resume(returning: false) }
    }

    /// Waits for a ring. Returns true after a ring (or at once for one
    /// remembered), false when the bell is closed or the task cancelled.
    @discardableResult
    public func wait() async -> Bool {
        let id = state.withLock { s -> UInt64 in
            s.nextID += 1
            return s.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let now: Bool? = state.withLock { s in
                    if s.rung {
                        s.rung = false
                        return true
                    }
                    if s.closed || Task.isCancelled { return false }
                    s.waiters[id] = c
                    return nil
                }
                if let now { c.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: false)
        }
    }

    /// Waits for a ring until `deadline`. Returns true after a ring, false at
    /// the deadline, when the bell is closed or when the task is cancelled.
    /// A ring that comes as the deadline passes is reported, never lost.
    @discardableResult
    public func wait(until deadline: ContinuousClock.Instant) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.wait() }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return false
            }
            var rang = await group.next() ?? false
            group.cancelAll()
            for await r in group where r { rang = true }
            return rang
        }
    }
}
