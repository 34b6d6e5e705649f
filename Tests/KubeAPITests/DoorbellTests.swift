import Testing
import KubeAPI

@Suite struct DoorbellTests {
    /// Rings while nobody waits make one wake-up, not one per ring.
    @Test func ringsWhileNobodyWaitsAreRememberedOnce() async {
        let bell = Doorbell()
        bell.ring()
        bell.ring()
        #expect(await bell.wait(until: .now))
        #expect(await bell.wait(until: .now) == false)
    }

    @Test func waitWithADeadlineReturnsFalseWithoutARing() async {
        let bell = Doorbell()
        #expect(await bell.wait(until: .now + .milliseconds(5)) == false)
    }

    @Test func ringWakesAWaitingTask() async {
        let bell = Doorbell()
        let waiter = Task { await bell.wait() }
        bell.ring()
        #expect(await waiter.value)
    }

    /// A cancelled wait returns false and does not swallow the next ring.
    @Test func cancelledWaitReturnsFalseAndLeavesTheNextRing() async {
        let bell = Doorbell()
        let waiter = Task { await bell.wait() }
        waiter.cancel()
        #expect(await waiter.value == false)
        let timed = Task { await bell.wait(until: .now + .seconds(3600)) }
        timed.cancel()
        #expect(await timed.value == false)
        bell.ring()
        #expect(await bell.wait())
    }

    /// Closing ends current and later waits, after a ring already remembered.
    @Test func closeEndsWaits() async {
        let bell = Doorbell()
        let waiter = Task { await bell.wait(until: .now + .seconds(3600)) }
        bell.ring()
        _ = await waiter.value
        bell.ring()
        bell.close()
        #expect(await bell.wait())
        #expect(await bell.wait() == false)
        let blocked = Task { await bell.wait() }
        bell.close()
        #expect(await blocked.value == false)
    }
}
