import Foundation
import Synchronization

/// Scheduler counters and latencies, exposed on the API server's /metrics in
/// the Prometheus text format (names as kube-scheduler's). Latencies are kept
/// exactly (up to a million samples) so quantiles are exact, not bucketed.
public final class SchedulerMetrics: Sendable {
    private struct State {
        var scheduled = 0
        var unschedulable = 0
        var errors = 0
        var preemptionAttempts = 0
        var preemptionVictims = 0
        var attempt: [Double] = []
        var e2e: [Double] = []
        var pending: (active: Int, backoff: Int, unschedulable: Int) = (0, 0, 0)
    }

    private let state = Mutex(State())
    static let cap = 1_000_000

    public init() {}

    /// A pod bound after `attempt` seconds of scheduling and binding, `e2e` seconds after it was first queued.
    func scheduled(attempt: Double, e2e: Double) {
        state.withLock { s in
            s.scheduled += 1
            if s.attempt.count < Self.cap { s.attempt.append(attempt) }
            if s.e2e.count < Self.cap { s.e2e.append(e2e) }
        }
    }

    func unschedulable() { state.withLock { $0.unschedulable += 1 } }
    func error() { state.withLock { $0.errors += 1 } }
    /// A preemption decided for a pod (upstream's preemption_attempts_total).
    func preemptionAttempt() { state.withLock { $0.preemptionAttempts += 1 } }
    /// A victim evicted by a preemption.
    func preempted() { state.withLock { $0.preemptionVictims += 1 } }
    func pending(active: Int, backoff: Int, unschedulable: Int) { state.withLock { $0.pending = (active, backoff, unschedulable) } }

    /// Pods bound so far.
    public var scheduledCount: Int { state.withLock { $0.scheduled } }

    /// The q-quantile of a sorted sample.
    public static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let idx = min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[idx]
    }

    /// The Prometheus exposition text.
    public func render() -> String {
        let s = state.withLock { $0 }
        var out = """
            # HELP scheduler_schedule_attempts_total Number of attempts to schedule pods, by the result.
            # TYPE scheduler_schedule_attempts_total counter
            scheduler_schedule_attempts_total{result="scheduled"} \(s.scheduled)
            scheduler_schedule_attempts_total{result="unschedulable"} \(s.unschedulable)
            scheduler_schedule_attempts_total{result="error"} \(s.errors)
            # HELP scheduler_pending_pods Number of pending pods, by the queue type.
            # TYPE scheduler_pending_pods gauge
            scheduler_pending_pods{queue="active"} \(s.pending.active)
            scheduler_pending_pods{queue="backoff"} \(s.pending.backoff)
            scheduler_pending_pods{queue="unschedulable"} \(s.pending.unschedulable)
            # HELP scheduler_preemption_attempts_total Total preemption attempts in the cluster till now
            # TYPE scheduler_preemption_attempts_total counter
            scheduler_preemption_attempts_total \(s.preemptionAttempts)
            # HELP scheduler_preemption_victims_total Number of pods evicted by preemption.
            # TYPE scheduler_preemption_victims_total counter
            scheduler_preemption_victims_total \(s.preemptionVictims)

            """
        for (name, help, sample) in [
            ("scheduler_scheduling_attempt_duration_seconds", "Scheduling attempt latency (algorithm and binding) of bound pods.", s.attempt),
            ("scheduler_pod_scheduling_sli_duration_seconds", "Latency from a pod entering the queue to its binding.", s.e2e),
        ] {
            let sorted = sample.sorted()
            out += "# HELP \(name) \(help)\n# TYPE \(name) summary\n"
            for q in [0.5, 0.9, 0.99] { out += "\(name){quantile=\"\(q)\"} \(Self.quantile(sorted, q))\n" }
            out += "\(name)_sum \(sorted.reduce(0, +))\n\(name)_count \(sorted.count)\n"
        }
        return out
    }
}
