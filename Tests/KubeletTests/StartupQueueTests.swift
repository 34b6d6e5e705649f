import Foundation
import Testing
@testable import Kubelet

@Suite struct StartupQueueTests {
    /// Steps of older pods go first, whatever order they were asked for in;
    /// steps of one pod keep their own order.
    @Test func olderPodsStepsGoFirst() async throws {
        let queue = StartupQueue(threads: 1)
        let log = Log()
        let gate = DispatchSemaphore(value: 0)
        // Holds the only thread until every other step is waiting.
        let blocker = Task { try await queue.run(order: 0) { log.append("blocker"); gate.wait() } }
        while log.entries.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        var steps: [Task<Void, any Error>] = []
        for (order, name) in [(5, "e"), (3, "c1"), (9, "i"), (1, "a"), (3, "c2")] {
            steps.append(Task { try await queue.run(order: UInt64(order)) { log.append(name) } })
            while queue.waiting < steps.count { try await Task.sleep(for: .milliseconds(5)) }
        }
        gate.signal()
        try await blocker.value
        for step in steps { try await step.value }
        #expect(log.entries == ["blocker", "a", "c1", "c2", "e", "i"])
    }

    @Test func errorsReachTheCaller() async {
        struct Broken: Error {}
        let queue = StartupQueue(threads: 1)
        await #expect(throws: Broken.self) { try await queue.run(order: 1) { throw Broken() } }
    }

    @Test func ticketsIncrease() {
        let queue = StartupQueue(threads: 1)
        let first = queue.ticket(), second = queue.ticket()
        #expect(second > first)
    }

    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var names: [String] = []
        func append(_ name: String) { lock.withLock { names.append(name) } }
        var entries: [String] { lock.withLock { names } }
    }
}
