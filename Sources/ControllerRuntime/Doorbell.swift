/// Wakes one waiting consumer: rings while nobody waits are remembered once,
/// so a consumer that checks its work, finds none and then waits never misses
/// a ring that came in between.
public final class Doorbell: Sendable {
    let stream: AsyncStream<Void>
    let continuation: AsyncStream<Void>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Wakes the consumer (or lets its next wait return at once).
    public func ring() { continuation.yield() }

    /// Ends every wait for good.
    public func close() { continuation.finish() }

    /// The waiting side; one consumer only.
    public func makeWaiter() -> Waiter { Waiter(iterator: stream.makeAsyncIterator()) }

    /// Waits for rings.
    public struct Waiter {
        var iterator: AsyncStream<Void>.AsyncIterator

        /// Returns after a ring; false when the bell was closed or the task cancelled.
        public mutating func wait() async -> Bool {
            await iterator.next() != nil
        }
    }
}
