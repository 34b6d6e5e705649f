/// Exponential restart back-off per container, as the kubelet does it:
/// 10 s, doubling, capped at 5 minutes, reset after the container ran
/// cleanly for 10 minutes. A value type: time is passed in.
public struct BackOff: Sendable, Equatable {
    public var initial: Double = 10
    public var maximum: Double = 300
    /// Running this long without a crash resets the back-off.
    public var resetAfter: Double = 600

    struct Entry: Sendable, Equatable {
        var delay: Double
        var lastFailure: Double
    }

    var entries: [String: Entry] = [:]

    public init(initial: Double = 10, maximum: Double = 300, resetAfter: Double = 600) {
        self.initial = initial
        self.maximum = maximum
        self.resetAfter = resetAfter
    }

    /// Records a failure of `key` at `now` and returns when it may restart.
    public mutating func failed(_ key: String, at now: Double) -> Double {
        var entry = entries[key] ?? Entry(delay: 0, lastFailure: now)
        if entry.delay == 0 || now - entry.lastFailure > resetAfter + entry.delay {
            entry.delay = initial
        } else {
            entry.delay = min(entry.delay * 2, maximum)
        }
        entry.lastFailure = now
        entries[key] = entry
        return now + entry.delay
    }

    /// Whether `key` is still waiting at `now` (then CrashLoopBackOff is its reason).
    public func isBackingOff(_ key: String, at now: Double) -> Bool {
        guard let e = entries[key] else { return false }
        return now < e.lastFailure + e.delay
    }

    /// When `key` may start again, if it is backing off.
    public func nextAttempt(_ key: String) -> Double? {
        entries[key].map { $0.lastFailure + $0.delay }
    }

    /// The current delay of `key` (for the "back-off 40s restarting failed container" message).
    public func delay(_ key: String) -> Double? { entries[key]?.delay }

    public mutating func forget(_ key: String) { entries[key] = nil }
}
