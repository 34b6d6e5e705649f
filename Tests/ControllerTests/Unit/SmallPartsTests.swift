import Foundation
import KubeAPI
import ControllerRuntime
import Testing
@testable import Controllers

@Suite struct SmallPartsTests {
    @Test func podCIDRsAreCutLowestFirstAndReused() throws {
        var a = try PodCIDRAllocator(clusterCIDR: "10.244.0.0/16", nodeMaskSize: 24)
        #expect(a.capacity == 256)
        a.occupy("10.244.0.0/24")
        a.occupy("192.168.1.0/24")  // outside: ignored
        #expect(try a.allocate() == "10.244.1.0/24")
        #expect(try a.allocate() == "10.244.2.0/24")
        a.release("10.244.1.0/24")
        #expect(try a.allocate() == "10.244.1.0/24")
        var tiny = try PodCIDRAllocator(clusterCIDR: "10.0.0.0/23", nodeMaskSize: 24)
        _ = try tiny.allocate()
        _ = try tiny.allocate()
        #expect(throws: CIDRError.self) { try tiny.allocate() }
        #expect(throws: CIDRError.self) { try PodCIDRAllocator(clusterCIDR: "10.0.0.0/24", nodeMaskSize: 16) }
        #expect(throws: CIDRError.self) { try PodCIDRAllocator(clusterCIDR: "banana", nodeMaskSize: 24) }
    }

    @Test func scaleDownPicksUnscheduledPendingAndUnreadyPodsFirst() {
        let base = Date(timeIntervalSince1970: 100)
        let running = Make.pod("running", node: "n1", readySince: base)
        let newerReady = Make.pod("newer-ready", node: "n1", readySince: base.addingTimeInterval(50))
        let unready = Make.pod("unready", node: "n1", ready: false)
        let pending = Make.pod("pending", node: "n1", ready: false, phase: "Pending")
        let unscheduled = Make.pod("unscheduled", ready: false, phase: "Pending")
        let order = PodDeletionOrder.victims([running, newerReady, unready, pending, unscheduled], count: 5).map(\.name)
        #expect(order == ["unscheduled", "pending", "unready", "newer-ready", "running"])
    }

    @Test func leaderElectionTakesOverOnlyAfterTheLeaseLapsesOnOurClock() {
        var me = LeaderElectionState(identity: "b", leaseDurationSeconds: 10)
        #expect(me.canAcquire(at: 0))
        var held = LeaseSpec(holderIdentity: "a", leaseDurationSeconds: 10)
        held.renewTime = Timestamp(Date(timeIntervalSince1970: 1), precision: .micro)
        held.leaseTransitions = 3
        me.observe(held, at: 100)
        #expect(!me.canAcquire(at: 109))
        #expect(me.canAcquire(at: 110.5))
        // A renewal seen restarts our count.
        held.renewTime = Timestamp(Date(timeIntervalSince1970: 2), precision: .micro)
        me.observe(held, at: 105)
        #expect(!me.canAcquire(at: 110.5))
        let taken = me.nextRecord(at: Date(timeIntervalSince1970: 500))
        #expect(taken.holderIdentity == "b" && taken.leaseTransitions == 4 && taken.leaseDurationSeconds == 10)
        me.observe(taken, at: 120)
        #expect(me.isLeader)
        let renewed = me.nextRecord(at: Date(timeIntervalSince1970: 502))
        #expect(renewed.leaseTransitions == 4 && renewed.acquireTime == taken.acquireTime)
        // A released lease may be taken at once.
        var other = LeaderElectionState(identity: "c", leaseDurationSeconds: 10)
        other.observe(me.releaseRecord(at: Date()), at: 200)
        #expect(other.canAcquire(at: 200))
    }

    @Test func controllerSelection() throws {
        let known = ["scheduler", "replicaset", "deployment"]
        #expect(try ControllerManager.enabled(["*"], known: known) == Set(known))
        #expect(try ControllerManager.enabled(["*,-scheduler"], known: known) == ["replicaset", "deployment"])
        #expect(try ControllerManager.enabled(["replicaset", "deployment"], known: known) == ["replicaset", "deployment"])
        #expect(try ControllerManager.enabled([""], known: known).isEmpty)
        #expect(throws: ControllerSelectionError.self) { try ControllerManager.enabled(["*,-nope"], known: known) }
    }

    @Test func expectationsHoldUntilObservedOrLapsed() {
        let e = ControllerExpectations(ttl: 300)
        let t = Date(timeIntervalSince1970: 0)
        #expect(e.satisfied("rs", now: t))
        e.expectCreations("rs", 2, now: t)
        #expect(!e.satisfied("rs", now: t))
        e.creationObserved("rs")
        e.creationObserved("rs")
        #expect(e.satisfied("rs", now: t))
        e.expectDeletions("rs", ["default/a"], now: t)
        #expect(!e.satisfied("rs", now: t.addingTimeInterval(10)))
        #expect(e.satisfied("rs", now: t.addingTimeInterval(301)))
        e.deletionObserved("rs", pod: "default/a")
        #expect(e.satisfied("rs", now: t))
    }

    @Test func workQueueDeduplicatesAndNeverHandsOneKeyToTwoWorkers() async {
        let q = WorkQueue(name: "test")
        q.add("a")
        q.add("a")
        q.add("b")
        #expect(q.count == 2)
        let first = await q.get()
        #expect(first == "a")
        q.add("a")  // while "a" is being processed: queued again only after done
        #expect(await q.get() == "b")
        #expect(q.count == 0)
        q.done("a")
        #expect(await q.get() == "a")
        q.done("a")
        q.done("b")
        q.shutDown()
        #expect(await q.get() == nil)
    }

    @Test func workQueueDelaysAndBacksOff() async {
        let q = WorkQueue(name: "test", baseDelay: .milliseconds(5), maxDelay: .milliseconds(40))
        q.addRateLimited("x")
        q.addRateLimited("x")
        #expect(q.failures("x") == 2)
        q.forget("x")
        #expect(q.failures("x") == 0)
        q.addAfter("y", .milliseconds(20))
        #expect(q.count == 0)
        let timers = Task { await q.runTimers(tick: .milliseconds(5)) }
        let got = await q.get()
        #expect(got == "x" || got == "y")
        timers.cancel()
        q.shutDown()
    }
}
