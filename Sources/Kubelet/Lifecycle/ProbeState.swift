/// The result tracking of one probe (liveness, readiness or startup) of one
/// container: consecutive successes and failures against the thresholds, as
/// a value type driven by results and time.
public struct ProbeState: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case success
        case failure(String)
    }

    public enum Kind: String, Sendable {
        case liveness, readiness, startup
    }

    public let kind: Kind
    public let initialDelay: Double
    public let period: Double
    public let successThreshold: Int
    public let failureThreshold: Int

    /// The probe's verdict: nil until it has decided anything.
    public private(set) var healthy: Bool?
    public private(set) var consecutiveSuccesses = 0
    public private(set) var consecutiveFailures = 0
    public private(set) var lastMessage: String?
    public private(set) var nextRun: Double

    /// `started` is when the container started (probes wait initialDelay from then).
    public init(kind: Kind, initialDelay: Double, period: Double, successThreshold: Int, failureThreshold: Int, started: Double) {
        self.kind = kind
        self.initialDelay = initialDelay
        self.period = max(period, 1)
        self.successThreshold = max(successThreshold, 1)
        self.failureThreshold = max(failureThreshold, 1)
        nextRun = started + initialDelay
        // Readiness starts false; liveness and startup start unknown (treated as healthy).
        healthy = kind == .readiness ? false : nil
    }

    public func isDue(at now: Double) -> Bool { now >= nextRun }

    /// What to do after recording a result.
    public enum Transition: Sendable, Equatable {
        case none
        /// The verdict became healthy (readiness: Ready; startup: started).
        case becameHealthy
        /// The verdict became unhealthy (liveness: restart; readiness: not ready; startup: restart).
        case becameUnhealthy(String)
    }

    /// Records a probe result at `now` and schedules the next run.
    public mutating func record(_ result: Result, at now: Double) -> Transition {
        nextRun = now + period
        switch result {
        case .success:
            consecutiveSuccesses += 1
            consecutiveFailures = 0
            lastMessage = nil
            if healthy != true && consecutiveSuccesses >= successThreshold {
                healthy = true
                return .becameHealthy
            }
        case .failure(let message):
            consecutiveFailures += 1
            consecutiveSuccesses = 0
            lastMessage = message
            if healthy != false && consecutiveFailures >= failureThreshold {
                healthy = false
                return .becameUnhealthy(message)
            }
        }
        return .none
    }
}
