import Synchronization

/// A queue of object keys for a controller, like client-go's workqueue: a key
/// waiting in the queue is held once however often it is added, a key being
/// processed is never handed to a second worker (it is re-queued once the
/// first calls ``done(_:)``), failures back off exponentially per key, and
/// keys can be added after a delay.
public final class WorkQueue: Sendable {
    private struct State {
        var queue: [String] = []
        var head = 0
        var dirty: Set<String> = []
        var processing: Set<String> = []
        var waiters: [CheckedContinuation<String?, Never>] = []
        var failures: [String: Int] = [:]
        var delayed: [String: ContinuousClock.Instant] = [:]
        var shutDown = false

        mutating func pop() -> String? {
            guard head < queue.count else { return nil }
            let k = queue[head]
            head += 1
            if head > 1024, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            dirty.remove(k)
            processing.insert(k)
            return k
        }

        /// Queues a dirty key, or hands it straight to a waiting worker.
        mutating func enqueue(_ key: String) -> CheckedContinuation<String?, Never>? {
            if !waiters.isEmpty {
                dirty.remove(key)
                processing.insert(key)
                return waiters.removeFirst()
            }
            queue.append(key)
            return nil
        }
    }

    private let state = Mutex(State())
    /// Shown in logs.
    public let name: String
    let baseDelay: Duration
    let maxDelay: Duration

    /// A queue whose failed keys are retried after `baseDelay` doubling up to `maxDelay`.
    public init(name: String, baseDelay: Duration = .milliseconds(10), maxDelay: Duration = .seconds(120)) {
        self.name = name
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// Adds a key now.
    public func add(_ key: String) {
        let waiter: CheckedContinuation<String?, Never>? = state.withLock { s in
            if s.shutDown || s.dirty.contains(key) { return nil }
            s.dirty.insert(key)
            if s.processing.contains(key) { return nil }
            return s.enqueue(key)
        }
        waiter?.resume(returning: key)
    }

    /// Adds a key once `delay` has passed (an earlier pending delay wins).
    public func addAfter(_ key: String, _ delay: Duration) {
        if delay <= .zero {
            add(key)
            return
        }
        let due = ContinuousClock.now + delay
        state.withLock { s in
            guard !s.shutDown else { return }
            if let existing = s.delayed[key], existing <= due { return }
            s.delayed[key] = due
        }
    }

    /// Adds a key after its per-key back-off (after a failed sync).
    public func addRateLimited(_ key: String) {
        let n = state.withLock { s -> Int in
            let n = (s.failures[key] ?? 0) + 1
            s.failures[key] = n
            return n
        }
        var d = baseDelay
        for _ in 1..<min(n, 30) {
            d *= 2
            if d >= maxDelay { break }
        }
        addAfter(key, min(d, maxDelay))
    }

    /// Forgets a key's failures (after a successful sync).
    public func forget(_ key: String) {
        _ = state.withLock { $0.failures.removeValue(forKey: key) }
    }

    /// How many times in a row the key failed.
    public func failures(_ key: String) -> Int { state.withLock { $0.failures[key] ?? 0 } }

    /// Waits for the next key; nil once the queue is shut down.
    public func get() async -> String? {
        await withCheckedContinuation { (c: CheckedContinuation<String?, Never>) in
            let ready: (String?, Bool) = state.withLock { s in
                if let k = s.pop() { return (k, true) }
                if s.shutDown { return (nil, true) }
                s.waiters.append(c)
                return (nil, false)
            }
            if ready.1 { c.resume(returning: ready.0) }
        }
    }

    /// Marks a key processed; a key added meanwhile is queued again.
    public func done(_ key: String) {
        let waiter: CheckedContinuation<String?, Never>? = state.withLock { s in
            s.processing.remove(key)
            guard s.dirty.contains(key), !s.shutDown else { return nil }
            return s.enqueue(key)
        }
        waiter?.resume(returning: key)
    }

    /// Stops the queue: waiting workers get nil, later adds are ignored.
    public func shutDown() {
        let waiters = state.withLock { s -> [CheckedContinuation<String?, Never>] in
            s.shutDown = true
            let w = s.waiters
            s.waiters = []
            return w
        }
        for w in waiters { w.resume(returning: nil) }
    }

    /// Keys waiting (not counting delayed ones).
    public var count: Int { state.withLock { $0.queue.count - $0.head } }

    /// Moves delayed keys whose time has come into the queue, until shut down.
    public func runTimers(tick: Duration = .milliseconds(50)) async {
        while !Task.isCancelled {
            let (due, stop) = state.withLock { s -> ([String], Bool) in
                if s.shutDown { return ([], true) }
                let now = ContinuousClock.now
                var due: [String] = []
                for (k, t) in s.delayed where t <= now { due.append(k) }
                for k in due { s.delayed[k] = nil }
                return (due, false)
            }
            if stop { return }
            for k in due { add(k) }
            try? await Task.sleep(for: tick)
        }
    }
}
