/// Turns cumulative CPU time (nanoseconds) into a rate in nanocores, per
/// key (node, pod UID, container id), from the previous sample of the same
/// key. A value type: the caller owns the clock and the storage.
public struct CPURates: Sendable {
    struct Sample: Sendable {
        var cumulative: UInt64
        var at: Double
    }
    var samples: [String: Sample] = [:]
    /// Samples closer together than this keep the previous rate (noise).
    let minimumInterval: Double

    public init(minimumInterval: Double = 0.5) {
        self.minimumInterval = minimumInterval
    }

    var rates: [String: UInt64] = [:]

    /// Records `cumulative` nanoseconds for `key` at `now` (seconds) and
    /// returns the usage in nanocores since the previous sample, or nil for
    /// the first sample (or after the counter went backwards: a new cgroup).
    public mutating func record(_ key: String, cumulative: UInt64, at now: Double) -> UInt64? {
        guard let previous = samples[key] else {
            samples[key] = Sample(cumulative: cumulative, at: now)
            return nil
        }
        let elapsed = now - previous.at
        if elapsed < minimumInterval { return rates[key] }
        samples[key] = Sample(cumulative: cumulative, at: now)
        guard cumulative >= previous.cumulative, elapsed > 0 else {
            rates[key] = nil
            return nil
        }
        let rate = UInt64(Double(cumulative - previous.cumulative) / elapsed)
        rates[key] = rate
        return rate
    }

    /// Forgets keys not in `live` (deleted pods and containers).
    public mutating func retain(_ live: Set<String>) {
        samples = samples.filter { live.contains($0.key) }
        rates = rates.filter { live.contains($0.key) }
    }
}
