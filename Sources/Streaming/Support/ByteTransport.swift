/// The raw bytes of an upgraded connection, as closures so that the
/// protocols here run over the kubelet's HTTPS server, a websocket tunnel or
/// an in-memory pipe in tests alike.
public struct ByteTransport: Sendable {
    /// The next bytes from the peer; nil once it has closed its side.
    public var read: @Sendable () async throws -> [UInt8]?
    /// Sends bytes to the peer.
    public var write: @Sendable ([UInt8]) async throws -> Void

    public init(read: @escaping @Sendable () async throws -> [UInt8]?, write: @escaping @Sendable ([UInt8]) async throws -> Void) {
        self.read = read
        self.write = write
    }
}

/// Keeps writes in the order they were issued while letting callers await
/// their own: each write waits for the one before it. Owners call
/// ``enqueue(_:)`` from inside an actor, without suspending between
/// encoding a frame and enqueueing it, so wire order equals encoding order.
struct WriteChain {
    private var tail: Task<Void, any Error>?
    let write: @Sendable ([UInt8]) async throws -> Void

    init(write: @escaping @Sendable ([UInt8]) async throws -> Void) {
        self.write = write
    }

    /// Queues `bytes` behind earlier writes; await the task for this write's outcome.
    mutating func enqueue(_ bytes: [UInt8]) -> Task<Void, any Error> {
        let previous = tail
        let write = self.write
        let task = Task {
            _ = try? await previous?.value
            try await write(bytes)
        }
        tail = task
        return task
    }
}

/// A one-shot event several tasks can wait for (a client going away, a
/// process exiting). Waiting ends early when the waiting task is cancelled.
public actor Signal {
    private var fired = false
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var nextWaiter = 0

    public init() {}

    /// Fires the signal; waiters resume. Later calls do nothing.
    public func fire() {
        guard !fired else { return }
        fired = true
        for w in waiters.values { w.resume() }
        waiters = [:]
    }

    public var hasFired: Bool { fired }

    /// Returns once the signal has fired (or the task is cancelled).
    public func wait() async {
        if fired { return }
        let id = nextWaiter
        nextWaiter += 1
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if fired || Task.isCancelled { return continuation.resume() }
                waiters[id] = continuation
            }
        } onCancel: {
            Task { await self.release(id) }
        }
    }

    private func release(_ id: Int) {
        waiters.removeValue(forKey: id)?.resume()
    }

    /// Returns once either signal has fired.
    public static func first(_ a: Signal, _ b: Signal) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await a.wait() }
            group.addTask { await b.wait() }
            await group.next()
            group.cancelAll()
        }
    }
}

/// Waits for `body` at most `timeout`; returns whether it finished in time.
/// `body` is cancelled when time runs out.
@discardableResult
func withTimeout(_ timeout: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
    await withTaskGroup(of: Bool.self) { group in
        group.addTask { await body(); return true }
        group.addTask { try? await Task.sleep(for: timeout); return false }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
}
