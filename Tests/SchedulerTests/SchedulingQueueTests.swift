import KubeAPI
import Testing
@testable import Scheduler

@Suite struct SchedulingQueueTests {
    @Test func higherPriorityFirstThenArrivalOrder() {
        var q = SchedulingQueue()
        q.add(Fixtures.pod("a"), now: 0)
        q.add(Fixtures.pod("b") { $0.priority = 100 }, now: 0)
        q.add(Fixtures.pod("c"), now: 0)
        #expect(q.pop(now: 0)?.key == "default/b")
        #expect(q.pop(now: 0)?.key == "default/a")
        #expect(q.pop(now: 0)?.key == "default/c")
        #expect(q.pop(now: 0) == nil)
    }

    @Test func unschedulablePodsWaitForAClusterChangeAndBackOff() {
        var q = SchedulingQueue()
        q.add(Fixtures.pod("a"), now: 0)
        guard let (key, _) = q.pop(now: 0) else { return #expect(Bool(false)) }
        q.requeue(key, now: 0, retryable: false)
        #expect(q.location(key) == .unschedulable)
        #expect(q.pop(now: 100) == nil)
        // A node appears: back-off (1 s after the first failure) then active.
        q.moveAllToActiveOrBackoff(now: 0.5)
        #expect(q.location(key) == .backoff)
        #expect(q.pop(now: 0.6) == nil)
        #expect(q.pop(now: 1.1)?.key == key)
        // Second failure: 2 s back-off.
        q.requeue(key, now: 2, retryable: true)
        #expect(q.nextBackoffExpiry == 4)
    }

    @Test func changeWhileInFlightIsNotMissed() {
        var q = SchedulingQueue()
        q.add(Fixtures.pod("a"), now: 0)
        guard let (key, _) = q.pop(now: 0) else { return #expect(Bool(false)) }
        q.moveAllToActiveOrBackoff(now: 0)  // a node was added while "a" was being scheduled
        q.requeue(key, now: 0, retryable: false)
        #expect(q.location(key) == .backoff)
    }

    @Test func deletedOrBoundPodsLeave() {
        var q = SchedulingQueue()
        q.add(Fixtures.pod("a"), now: 0)
        q.remove("default/a")
        #expect(q.pop(now: 0) == nil)
        q.add(Fixtures.pod("b"), now: 0)
        _ = q.pop(now: 0)
        q.done("default/b")
        #expect(q.count == 0)
    }
}
