extension Informer {
    /// Registers a handler. It first receives `.added` for every cached
    /// object (and `.synced` when a list is in), then every change, in order,
    /// never two at once. Handlers run on the informer's task: keep them
    /// quick, and do not register handlers or streams from inside one (the
    /// informer would wait for itself). Reading the cache from a handler is fine.
    public func addHandler(_ handler: @escaping Handler) {
        subscribers.withLock { s in
            s.nextID += 1
            s.handlers.append((s.nextID, handler))
            for e in cache.withLock({ $0.replay() }) { handler(e) }
        }
    }

    /// A new stream of changes: `.added` for every cached object (and
    /// `.synced` when a list is in), then every change, buffered without
    /// limit. It finishes when ``run()`` returns; a consumer that stops
    /// reading (or is cancelled) unsubscribes.
    public func events() -> AsyncStream<InformerEvent<T>> {
        let (stream, continuation) = AsyncStream.makeStream(of: InformerEvent<T>.self, bufferingPolicy: .unbounded)
        let id: UInt64? = subscribers.withLock { s in
            s.forget(departedStreams.drain())
            guard !s.finished else { return nil }
            s.nextID += 1
            let id = s.nextID
            s.handlers.append((id, { continuation.yield($0) }))
            s.streams[id] = continuation
            for e in cache.withLock({ $0.replay() }) { continuation.yield(e) }
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        // Not the subscribers' lock: changes are yielded under it (see DepartedConsumers).
        continuation.onTermination = { [departedStreams] _ in departedStreams.note(id) }
        return stream
    }

    /// Ends every stream (``run()`` is over).
    func finishStreams() {
        let streams = subscribers.withLock { s in
            s.finished = true
            let all = Array(s.streams.values)
            s.handlers.removeAll { s.streams[$0.id] != nil }
            s.streams = [:]
            return all
        }
        for c in streams { c.finish() }
    }
}
