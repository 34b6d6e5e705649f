import Synchronization

/// Shares one etcd watch on `/registry/` among all API watches, like
/// kube-apiserver's watch cache: the upstream stream is read and decoded
/// once, kept in a ring of recent events, and fanned out in revision order.
/// A watch from before the ring's start gets its own etcd watch instead.
final class EtcdWatchHub: Sendable {
    static let prefix = "/registry/"
    /// Recent events kept for watches that start a little in the past.
    static let capacity = 20_000

    private struct State {
        var started = false
        /// Every event after this revision is in `ring` or not yet seen.
        var ringStart: Int64 = 0
        var ring: [StoreEvent] = []
        var broadcaster: WatchBroadcaster?
        var task: Task<Void, Never>?
    }

    private let state = Mutex(State())

    /// A stream from the shared watch, or nil when `after` is older than the
    /// ring (the caller then watches on its own).
    func subscribe(prefix: String, after: Int64, store: EtcdStore) async throws(StoreError) -> AsyncThrowingStream<StoreEvent, any Error>? {
        let broadcaster: WatchBroadcaster? = state.withLock { s in
            if !s.started {
                s.started = true
                s.ringStart = after
                s.ring = []
                let b = WatchBroadcaster(lastPublished: after)
                s.broadcaster = b
                s.task = Task { await self.pump(from: after, broadcaster: b, store: store) }
                return b
            }
            return after >= s.ringStart ? s.broadcaster : nil
        }
        guard let broadcaster else { return nil }
        return try await broadcaster.subscribe(prefix: prefix, after: after) { upTo throws(StoreError) in
            self.state.withLock { s in
                guard after >= s.ringStart else { return [] }
                return s.ring.filter { $0.revision > after && $0.revision <= upTo && $0.key.hasPrefix(prefix) }
            }
        }
    }

    /// Reads the upstream watch until stopped; re-watches after stream ends.
    private func pump(from start: Int64, broadcaster: WatchBroadcaster, store: EtcdStore) async {
        var from = start
        var failures = 0
        while !Task.isCancelled {
            do {
                let stream = try await store.directWatch(prefix: Self.prefix, afterRevision: from)
                for try await e in stream {
                    failures = 0
                    state.withLock { s in
                        s.ring.append(e)
                        if s.ring.count > Self.capacity {
                            let drop = s.ring.count - Self.capacity * 3 / 4
                            s.ringStart = s.ring[drop - 1].revision
                            s.ring.removeFirst(drop)
                        }
                    }
                    broadcaster.publish(e)
                    from = e.revision
                }
            } catch {
                if Task.isCancelled { break }
                if case .compacted? = error as? StoreError {
                    // The shared history is gone: end every watch (clients re-list) and start afresh next time.
                    reset(broadcaster, error: .compacted(requested: from, compactRevision: 0))
                    return
                }
                failures += 1
                let ms = Int64(min(5000, 100 * (1 << min(failures, 6))))
                try? await Task.sleep(for: .milliseconds(ms))
            }
        }
    }

    private func reset(_ broadcaster: WatchBroadcaster, error: StoreError) {
        state.withLock { s in
            s.started = false
            s.ring = []
            s.broadcaster = nil
            s.task = nil
        }
        broadcaster.finishAll(throwing: error)
    }

    /// Stops the upstream watch and ends every shared watch.
    func stop() {
        let (task, broadcaster) = state.withLock { s in (s.task, s.broadcaster) }
        task?.cancel()
        broadcaster?.finishAll()
    }
}
