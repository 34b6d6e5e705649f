/// A token bucket: `burst` sends at once, then `rate` per second, as the
/// rate limiter of the upstream kubelet's event client (`--event-qps`,
/// `--event-burst`). A value with the time passed in, so tests need no clock.
public struct TokenBucket: Sendable, Equatable {
    /// Tokens per second; 0 or less: unlimited.
    public let rate: Double
    public let burst: Int
    private var tokens: Double
    private var last: Double?

    public init(rate: Double, burst: Int) {
        self.rate = rate
        self.burst = max(1, burst)
        self.tokens = Double(max(1, burst))
    }

    /// Takes a token at time `now` (seconds) and returns how long to wait
    /// before using it: 0 when one was in the bucket.
    public mutating func take(now: Double) -> Double {
        guard rate > 0 else { return 0 }
        if let last { tokens = min(Double(burst), tokens + max(0, now - last) * rate) }
        last = now
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / rate
    }
}
