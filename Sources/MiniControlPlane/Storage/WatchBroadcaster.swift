import KubeAPI
import Synchronization

/// Fans committed changes out to in-process watchers, in revision order, with
/// a gap-free hand-over from history replay to live delivery.
///
/// A watcher registers first (noting the last published revision R), replays
/// history up to R from the backend, then receives everything after R: events
/// published during the replay are held back and flushed afterwards.
final class WatchBroadcaster: Sendable {
    /// Events buffered per watcher before it is cut off as too slow.
    static let maxBuffered = 50_000
    /// What a watcher cut off for not reading gets.
    static let tooSlow = StoreError.unavailable("watcher too slow: more than \(maxBuffered) events buffered unread; watch again from the last resourceVersion seen")

    private final class Subscriber: Sendable {
        let id: Int
        let prefix: String
        /// Only events after this revision are delivered.
        let after: Int64
        let continuation: AsyncThrowingStream<StoreEvent, any Error>.Continuation
        init(id: Int, prefix: String, after: Int64, continuation: AsyncThrowingStream<StoreEvent, any Error>.Continuation) {
            self.id = id
            self.prefix = prefix
            self.after = after
            self.continuation = continuation
        }
    }

    private struct State {
        var subscribers: [Int: Subscriber] = [:]
        var replaying: [Int: [StoreEvent]] = [:]
        var nextID = 0
        var lastPublished: Int64 = 0

        mutating func forget(_ ids: [Int]) {
            for id in ids {
                subscribers[id] = nil
                replaying[id] = nil
            }
        }
    }

    private let state: Mutex<State>
    /// Watchers whose streams ended; forgotten under `state` (see ``DepartedConsumers``).
    private let departed = DepartedConsumers<Int>()

    init(lastPublished: Int64) {
        state = Mutex(State(lastPublished: lastPublished))
    }

    /// Watchers registered (those whose streams ended are forgotten at the next publish).
    var watcherCount: Int { state.withLock { $0.subscribers.count } }

    /// The revision of the last published event.
    var lastPublished: Int64 { state.withLock { $0.lastPublished } }

    /// Publishes a committed change. Callers publish in revision order.
    func publish(_ event: StoreEvent) {
        // Continuations are finished outside the lock, as little as
        // possible runs under it.
        let tooSlow: [AsyncThrowingStream<StoreEvent, any Error>.Continuation] = state.withLock { s in
            s.forget(departed.drain())
            s.lastPublished = max(s.lastPublished, event.revision)
            var cut: [AsyncThrowingStream<StoreEvent, any Error>.Continuation] = []
            for (id, sub) in s.subscribers where event.revision > sub.after && event.key.hasPrefix(sub.prefix) {
                if s.replaying[id] != nil {
                    s.replaying[id]?.append(event)
                    continue
                }
                if case .dropped = sub.continuation.yield(event) {
                    cut.append(sub.continuation)
                    s.subscribers[id] = nil
                }
            }
            return cut
        }
        for c in tooSlow {
            c.finish(throwing: Self.tooSlow)
        }
    }

    /// Opens a watch: `replay(upTo:)` must return the history after the
    /// watcher's start revision up to the given revision.
    func subscribe(
        prefix: String,
        after: Int64,
        replay: @Sendable @escaping (Int64) async throws(StoreError) -> [StoreEvent]
    ) async throws(StoreError) -> AsyncThrowingStream<StoreEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<StoreEvent, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(Self.maxBuffered))
        let (id, upTo) = state.withLock { s -> (Int, Int64) in
            let id = s.nextID
            s.nextID += 1
            s.subscribers[id] = Subscriber(id: id, prefix: prefix, after: after, continuation: continuation)
            s.replaying[id] = []
            return (id, s.lastPublished)
        }
        // Not the state lock: publish() yields under it (see DepartedConsumers).
        continuation.onTermination = { [departed] _ in departed.note(id) }
        let history: [StoreEvent]
        do {
            history = try await replay(upTo)
        } catch {
            state.withLock { $0.forget([id]) }
            throw error
        }
        var dropped = false
        for e in history where !dropped {
            if case .dropped = continuation.yield(e) { dropped = true }
        }
        state.withLock { s in
            s.forget(departed.drain())
            for e in s.replaying[id] ?? [] where !dropped && e.revision > max(upTo, after) {
                if case .dropped = continuation.yield(e) { dropped = true }
            }
            s.replaying[id] = nil
            if dropped { s.subscribers[id] = nil }
        }
        // More than a watcher may hold before it reads: cut off rather than leave a gap.
        if dropped { continuation.finish(throwing: Self.tooSlow) }
        return stream
    }

    /// Ends every watch (on shutdown, or with an error when the source broke).
    func finishAll(throwing error: StoreError? = nil) {
        let all = state.withLock { s in
            let subs = Array(s.subscribers.values)
            s.subscribers.removeAll()
            s.replaying.removeAll()
            return subs
        }
        for sub in all { sub.continuation.finish(throwing: error) }
    }
}
