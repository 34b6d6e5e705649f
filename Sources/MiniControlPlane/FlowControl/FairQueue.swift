import Synchronization

/// API Priority and Fairness, as one priority level sees it: at most
/// `concurrency` requests run at once; the others wait in one queue per
/// flow (a user), and a freed seat goes to the next flow in turn, so one
/// client flooding the level waits behind its own requests while another
/// client's request runs next. A flow whose queue is full is refused
/// (429 with `Retry-After`), as kube-apiserver refuses when a level is full;
/// with a queue length of 0 (a `Reject` level) nothing waits.
final class FairQueue: Sendable {
    let name: String
    let concurrency: Int
    let queueLength: Int

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var running = 0
        var queues: [String: [Waiter]] = [:]
        /// Flows with waiters, in round-robin order.
        var ring: [String] = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    init(name: String, concurrency: Int, queueLength: Int) {
        self.name = name
        self.concurrency = max(1, concurrency)
        self.queueLength = max(0, queueLength)
    }

    /// Why a request was not admitted.
    enum Refusal: Error, Equatable {
        /// The flow's queue is full.
        case queueFull
        /// The request was cancelled while it waited.
        case cancelled
    }

    /// Waits for a seat for a request of `flow`; call ``release()`` when it is done.
    func acquire(flow: String) async throws(Refusal) {
        enum Decision { case run, refuse, wait(UInt64) }
        let decision: Decision = state.withLock { s in
            if s.running < concurrency && s.ring.isEmpty {
                s.running += 1
                return .run
            }
            if (s.queues[flow]?.count ?? 0) >= queueLength { return .refuse }
            s.nextID += 1
            return .wait(s.nextID)
        }
        switch decision {
        case .run: return
        case .refuse: throw .queueFull
        case .wait(let id):
            let admitted = await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                    let resumeNow: Bool = state.withLock { s in
                        if Task.isCancelled { return true }
                        if s.queues[flow] == nil || s.queues[flow]?.isEmpty == true { s.ring.append(flow) }
                        s.queues[flow, default: []].append(Waiter(id: id, continuation: c))
                        return false
                    }
                    if resumeNow { c.resume(returning: false) }
                }
            } onCancel: {
                self.cancel(id: id, flow: flow)
            }
            if !admitted { throw .cancelled }
        }
    }

    private func cancel(id: UInt64, flow: String) {
        let waiter: Waiter? = state.withLock { s in
            guard var q = s.queues[flow], let i = q.firstIndex(where: { $0.id == id }) else { return nil }
            let w = q.remove(at: i)
            if q.isEmpty {
                s.queues[flow] = nil
                s.ring.removeAll { $0 == flow }
            } else {
                s.queues[flow] = q
            }
            return w
        }
        waiter?.continuation.resume(returning: false)
    }

    /// Frees a seat: the next flow in turn gets it.
    func release() {
        let next: Waiter? = state.withLock { s in
            guard !s.ring.isEmpty else {
                s.running -= 1
                return nil
            }
            let flow = s.ring.removeFirst()
            guard var q = s.queues[flow], !q.isEmpty else {
                s.running -= 1
                return nil
            }
            let w = q.removeFirst()
            if q.isEmpty { s.queues[flow] = nil } else {
                s.queues[flow] = q
                s.ring.append(flow)
            }
            return w
        }
        next?.continuation.resume(returning: true)
    }

    /// Requests running and waiting, for metrics and tests.
    var load: (running: Int, waiting: Int) {
        state.withLock { s in (s.running, s.queues.values.reduce(0) { $0 + $1.count }) }
    }
}
