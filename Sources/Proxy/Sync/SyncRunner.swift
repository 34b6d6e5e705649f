/// When to sync, and how: a value-type state machine with the clock passed
/// in, so its timing is tested without sleeping.
///
/// Like kube-proxy's bounded-frequency runner: changes are synced at most
/// once per `minInterval` (bursts of watch events coalesce), and at least once
/// per `syncPeriod` even without changes (to notice a deleted table); a full
/// sync runs first, every `fullSyncPeriod`, and after any failure. Failures
/// are retried after a back-off that doubles from `minInterval` up to
/// `syncPeriod`.
///
/// ```swift
/// var runner = SyncRunner(settings)
/// runner.changed()
/// if case .sync(let kind) = runner.next(now: clock.now) { runner.started(now: clock.now); …; runner.finished(now: clock.now, success: true) }
/// ```
public struct SyncRunner: Sendable, Equatable {
    public struct Settings: Sendable, Equatable {
        public var minInterval: Duration
        public var syncPeriod: Duration
        public var fullSyncPeriod: Duration

        public init(minInterval: Duration = .seconds(1), syncPeriod: Duration = .seconds(30), fullSyncPeriod: Duration = .seconds(3600)) {
            self.minInterval = minInterval
            self.syncPeriod = syncPeriod
            self.fullSyncPeriod = fullSyncPeriod
        }
    }

    public enum Kind: String, Sendable, Equatable {
        /// Only what changed (and a check that the table still exists).
        case partial
        /// Everything rewritten, stale objects removed.
        case full
    }

    public enum Action: Sendable, Equatable {
        case sync(Kind)
        /// Nothing to do before this time (or a change).
        case wait(until: Duration)
    }

    public let settings: Settings
    /// Times are offsets from an origin the caller chooses (its clock's start).
    public private(set) var lastSyncStart: Duration?
    public private(set) var lastSuccess: Duration?
    public private(set) var lastFullSync: Duration?
    public private(set) var pendingChanges = false
    public private(set) var needsFull = true
    public private(set) var failures = 0
    public private(set) var running = false
    var retryAt: Duration?
    var runningKind: Kind?
    var changedDuringRun = false

    public init(_ settings: Settings = Settings()) { self.settings = settings }

    /// Services or endpoints changed.
    public mutating func changed() {
        if running { changedDuringRun = true } else { pendingChanges = true }
    }

    /// The next sync must be full (for example, the table vanished).
    public mutating func requestFull() { needsFull = true }

    /// What to do at `now`.
    public func next(now: Duration) -> Action {
        guard !running else { return .wait(until: now + settings.minInterval) }
        guard let last = lastSyncStart else { return .sync(.full) }
        var due = last + settings.syncPeriod
        if pendingChanges || needsFull { due = min(due, last + settings.minInterval) }
        if let retryAt { due = max(due, retryAt) }
        guard now >= due else { return .wait(until: due) }
        let fullDue = lastFullSync.map { now >= $0 + settings.fullSyncPeriod } ?? true
        return .sync(needsFull || fullDue ? .full : .partial)
    }

    /// A sync of `kind` starts: the changes so far are part of it.
    public mutating func started(now: Duration, kind: Kind) {
        running = true
        runningKind = kind
        lastSyncStart = now
        pendingChanges = false
        changedDuringRun = false
    }

    /// The sync ended.
    public mutating func finished(now: Duration, success: Bool) {
        running = false
        pendingChanges = pendingChanges || changedDuringRun
        if success {
            lastSuccess = now
            failures = 0
            retryAt = nil
            if runningKind == .full {
                needsFull = false
                lastFullSync = now
            }
        } else {
            // The changes were not applied: keep them, and rebuild from scratch.
            pendingChanges = true
            needsFull = true
            failures += 1
            var backoff = settings.minInterval
            for _ in 1..<min(failures, 16) { backoff = min(backoff * 2, settings.syncPeriod) }
            retryAt = now + backoff
        }
        runningKind = nil
    }

    /// Whether the proxy is healthy: it synced successfully recently, or has
    /// nothing waiting for longer than two sync periods.
    public func healthy(now: Duration) -> Bool {
        guard let lastSuccess else { return lastSyncStart == nil || now - (lastSyncStart ?? now) < settings.syncPeriod * 2 }
        return !(pendingChanges || needsFull) || now - lastSuccess < settings.syncPeriod * 2
    }
}
