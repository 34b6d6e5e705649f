/// A bounded, ordered queue of byte chunks between one writer and one
/// reader (a client's stdin on its way to a process, a forwarded
/// connection's inbound data). The writer waits while more than `capacity`
/// bytes are unread, so a fast client cannot fill the kubelet's memory.
public actor BytePipe {
    private var chunks: [[UInt8]] = []
    private var head = 0
    private var buffered = 0
    private var finished = false
    private var readerGone = false
    private var reader: CheckedContinuation<[UInt8]?, Never>?
    private var writers: [CheckedContinuation<Void, Never>] = []
    public let capacity: Int

    public init(capacity: Int = 256 * 1024) {
        self.capacity = capacity
    }

    /// Queues bytes; false once the reader has gone (nothing more is wanted).
    @discardableResult
    public func write(_ bytes: [UInt8]) async -> Bool {
        guard !readerGone, !finished else { return false }
        guard !bytes.isEmpty else { return true }
        if let reader {
            self.reader = nil
            reader.resume(returning: bytes)
            return true
        }
        chunks.append(bytes)
        buffered += bytes.count
        while buffered > capacity && !readerGone {
            await withCheckedContinuation { writers.append($0) }
        }
        return !readerGone
    }

    /// The next chunk, or nil at the end (writer finished, pipe cancelled,
    /// or the reading task cancelled).
    public func read() async -> [UInt8]? {
        if head < chunks.count {
            let chunk = chunks[head]
            head += 1
            buffered -= chunk.count
            if head == chunks.count {
                chunks = []
                head = 0
            }
            if buffered <= capacity { wakeWriters() }
            return chunk
        }
        if finished || readerGone || Task.isCancelled { return nil }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if Task.isCancelled { return continuation.resume(returning: nil) }
                reader = continuation
            }
        } onCancel: {
            Task { await self.abandonRead() }
        }
    }

    /// The waiting reader's task was cancelled.
    private func abandonRead() {
        reader?.resume(returning: nil)
        reader = nil
    }

    /// The writer's end of data: the reader gets what is queued, then nil.
    public func finish() {
        finished = true
        reader?.resume(returning: nil)
        reader = nil
    }

    /// The reader's end: queued data is dropped and writers are released.
    public func cancel() {
        readerGone = true
        chunks = []
        head = 0
        buffered = 0
        wakeWriters()
        reader?.resume(returning: nil)
        reader = nil
    }

    public var isFinished: Bool { finished }

    private func wakeWriters() {
        let waiting = writers
        writers = []
        for w in waiting { w.resume() }
    }
}
