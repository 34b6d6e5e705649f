import Testing
@testable import MiniControlPlane

/// API Priority and Fairness' effect: a flow flooding a level waits behind
/// its own requests, others are served in turn, a full queue is refused.
@Suite struct FairQueueTests {
    /// Collects the order in which requests got their seat.
    actor Order {
        var served: [String] = []
        func add(_ s: String) { served.append(s) }
    }

    @Test func aFloodingFlowCannotStarveAnother() async throws {
        let q = FairQueue(name: "global-default", concurrency: 1, queueLength: 100)
        try await q.acquire(flow: "busy")  // the one seat
        let order = Order()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<20 {
                group.addTask {
                    try await q.acquire(flow: "busy")
                    await order.add("busy-\(i)")
                    q.release()
                }
            }
            // Wait until the flood is queued, then one request of another flow.
            while q.load.waiting < 20 { await Task.yield() }
            group.addTask {
                try await q.acquire(flow: "quiet")
                await order.add("quiet")
                q.release()
            }
            while q.load.waiting < 21 { await Task.yield() }
            q.release()
            try await group.waitForAll()
        }
        let served = await order.served
        #expect(served.count == 21)
        let position = try #require(served.firstIndex(of: "quiet"))
        #expect(position <= 1, "the quiet flow is served after at most one of the busy flow's requests: \(served)")
        #expect(q.load.running == 0 && q.load.waiting == 0)
    }

    @Test func aFullQueueIsRefusedAndACancelledWaiterLeaves() async throws {
        let q = FairQueue(name: "global-default", concurrency: 1, queueLength: 1)
        try await q.acquire(flow: "a")
        let waiting = Task { try await q.acquire(flow: "a") }
        while q.load.waiting < 1 { await Task.yield() }
        await #expect(throws: FairQueue.Refusal.queueFull) { try await q.acquire(flow: "a") }
        waiting.cancel()
        await #expect(throws: FairQueue.Refusal.cancelled) { try await waiting.value }
        #expect(q.load.waiting == 0)
        q.release()
        #expect(q.load.running == 0)
    }
}
