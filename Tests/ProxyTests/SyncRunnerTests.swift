import Testing
@testable import Proxy

/// The sync runner's timing, with time passed in.
@Suite struct SyncRunnerTests {
    let settings = SyncRunner.Settings(minInterval: .seconds(1), syncPeriod: .seconds(30), fullSyncPeriod: .seconds(3600))

    @Test func firstSyncIsFullThenPartialRateLimited() {
        var r = SyncRunner(settings)
        #expect(r.next(now: .zero) == .sync(.full))
        r.started(now: .zero, kind: .full)
        r.changed()  // during the sync: kept for the next one
        r.finished(now: .milliseconds(100), success: true)
        #expect(r.next(now: .milliseconds(200)) == .wait(until: .seconds(1)))
        #expect(r.next(now: .seconds(1)) == .sync(.partial))
        r.started(now: .seconds(1), kind: .partial)
        r.finished(now: .seconds(1), success: true)
        // Nothing changed: the next sync is the periodic one.
        #expect(r.next(now: .seconds(2)) == .wait(until: .seconds(31)))
        r.changed()
        r.changed()
        #expect(r.next(now: .milliseconds(1500)) == .wait(until: .seconds(2)))
        #expect(r.next(now: .seconds(2)) == .sync(.partial))
    }

    @Test func failuresForceFullSyncsWithBackoff() {
        var r = SyncRunner(settings)
        r.started(now: .zero, kind: .full)
        r.finished(now: .zero, success: false)
        #expect(r.needsFull && r.failures == 1)
        #expect(r.next(now: .milliseconds(500)) == .wait(until: .seconds(1)))
        #expect(r.next(now: .seconds(1)) == .sync(.full))
        r.started(now: .seconds(1), kind: .full)
        r.finished(now: .seconds(1), success: false)
        #expect(r.next(now: .seconds(2)) == .wait(until: .seconds(3)))  // 2 s back-off
        r.started(now: .seconds(3), kind: .full)
        r.finished(now: .seconds(3), success: true)
        #expect(!r.needsFull && r.failures == 0)
        #expect(r.next(now: .seconds(4)) == .wait(until: .seconds(33)))
    }

    @Test func periodicFullSync() {
        var r = SyncRunner(settings)
        r.started(now: .zero, kind: .full)
        r.finished(now: .zero, success: true)
        #expect(r.next(now: .seconds(30)) == .sync(.partial))
        r.started(now: .seconds(3590), kind: .partial)
        r.finished(now: .seconds(3590), success: true)
        #expect(r.next(now: .seconds(3620)) == .sync(.full))
        r.requestFull()
        #expect(r.next(now: .seconds(3591)) == .sync(.full))
    }

    @Test func health() {
        var r = SyncRunner(settings)
        #expect(r.healthy(now: .zero))
        r.started(now: .zero, kind: .full)
        r.finished(now: .zero, success: false)
        #expect(r.healthy(now: .seconds(10)))
        #expect(!r.healthy(now: .seconds(61)))
        r.started(now: .seconds(61), kind: .full)
        r.finished(now: .seconds(61), success: true)
        #expect(r.healthy(now: .seconds(1000)))
    }
}
