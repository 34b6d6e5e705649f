public import Foundation
public import KubeAPI

/// upstream's replica calculator (`pkg/controller/podautoscaler/replica_calculator.go`):
/// how many replicas hold a resource metric at its target. Pods being
/// deleted or failed are ignored; pending pods, and for CPU pods not yet
/// ready or whose first reading predates readiness, count as unready;
/// ready pods without a reading are missing. Within `tolerance` of the
/// target nothing changes. Missing pods are assumed at 100% of their
/// request (at least the target) when scaling down and at 0 when scaling
/// up, unready pods at 0 when scaling up, and a direction those
/// assumptions reverse is not taken.
public struct ReplicaCalculator: Sendable {
    public var tolerance = 0.1
    /// How long after a pod starts its CPU readings may still be start-up noise.
    public var cpuInitializationPeriod: TimeInterval = 300
    /// How long after a pod starts it may become ready for the first time.
    public var delayOfInitialReadinessStatus: TimeInterval = 30

    public init() {}

    /// A proposal: the replica count, the average utilization (percent of
    /// the request; utilization targets only) and the average raw usage
    /// (milli-units), with the readings' time.
    public struct Proposal: Sendable, Equatable {
        public var replicas: Int
        public var utilization: Int?
        public var rawAverage: Int64
        public var timestamp: Date
    }

    /// Why no proposal could be made.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// Replicas for an average utilization target (percent of the request).
    public func utilizationReplicas(current: Int, targetUtilization: Int, resource: String, container: String?,
                                    pods: [Pod], metrics: [String: PodMetricsSample], now: Date) throws(Failure) -> Proposal {
        let g = try group(resource: resource, container: container, pods: pods, metrics: metrics, now: now)
        var usage = g.usage
        let requests = try Self.requests(pods, resource: resource, container: container)
        func ratio(_ usage: [String: Int64]) throws(Failure) -> (ratio: Double, utilization: Int, raw: Int64) {
            var used: Int64 = 0, requested: Int64 = 0, n: Int64 = 0
            for (pod, u) in usage {
                guard let r = requests[pod] else { continue }
                used += u
                requested += r
                n += 1
            }
            guard requested > 0 else { throw Failure(description: "no metrics returned matched known pods") }
            let utilization = Int(used * 100 / requested)
            return (Double(utilization) / Double(targetUtilization), utilization, used / n)
        }
        let first = try ratio(usage)
        let fallback = Int64(max(100, targetUtilization))
        let replicas = try adjust(current: current, ratio: first.ratio, ready: g.ready, unready: g.unready, missing: g.missing, usage: &usage,
                                  missingBelowTarget: { requests[$0].map { $0 * fallback / 100 } ?? 0 }, recompute: { u throws(Failure) in try ratio(u).ratio })
        return Proposal(replicas: replicas, utilization: first.utilization, rawAverage: first.raw, timestamp: g.timestamp ?? now)
    }

    /// Replicas for an average value target per pod (milli-units).
    public func averageValueReplicas(current: Int, targetAverage: Int64, resource: String, container: String?,
                                     pods: [Pod], metrics: [String: PodMetricsSample], now: Date) throws(Failure) -> Proposal {
        let g = try group(resource: resource, container: container, pods: pods, metrics: metrics, now: now)
        var usage = g.usage
        func ratio(_ usage: [String: Int64]) -> (ratio: Double, average: Int64) {
            let average = usage.values.reduce(0, +) / Int64(max(1, usage.count))
            return (Double(average) / Double(targetAverage), average)
        }
        let first = ratio(usage)
        let replicas = try adjust(current: current, ratio: first.ratio, ready: g.ready, unready: g.unready, missing: g.missing, usage: &usage,
                                  missingBelowTarget: { _ in targetAverage }, recompute: { u throws(Failure) in ratio(u).ratio })
        return Proposal(replicas: replicas, utilization: nil, rawAverage: first.average, timestamp: g.timestamp ?? now)
    }

    /// The readings of pods that count, and the pods that do not.
    func group(resource: String, container: String?, pods: [Pod], metrics: [String: PodMetricsSample], now: Date) throws(Failure)
        -> (usage: [String: Int64], ready: Int, unready: Set<String>, missing: Set<String>, timestamp: Date?) {
        guard !pods.isEmpty else { throw Failure(description: "no pods returned by selector while calculating replica count") }
        var usage: [String: Int64] = [:]
        var ready = 0
        var unready: Set<String> = [], missing: Set<String> = []
        var timestamp: Date?
        for pod in pods {
            let name = pod.name
            if pod.metadata.deletionTimestamp != nil || pod.status?.phase == "Failed" { continue }
            if pod.status?.phase == "Pending" {
                unready.insert(name)
                continue
            }
            guard let sample = metrics[name], let value = sample.usage(resource, container: container) else {
                missing.insert(name)
                continue
            }
            if resource == "cpu", isUnreadyForCPU(pod, sample: sample, now: now) {
                unready.insert(name)
                continue
            }
            usage[name] = value
            timestamp = timestamp.map { min($0, sample.timestamp) } ?? sample.timestamp
            ready += 1
        }
        guard !usage.isEmpty else { throw Failure(description: "did not receive metrics for targeted pods (pods might be unready)") }
        return (usage, ready, unready, missing, timestamp)
    }

    /// upstream's groupPods CPU rule: in a pod's first `cpuInitializationPeriod`,
    /// a reading counts only if the pod is ready and the reading's window
    /// began after it became ready; later, only a pod that never became
    /// ready since starting is unready.
    func isUnreadyForCPU(_ pod: Pod, sample: PodMetricsSample, now: Date) -> Bool {
        guard let condition = pod.status?.conditions?.first(where: { $0.type == "Ready" }), let start = pod.status?.startTime?.date else { return true }
        let transition = condition.lastTransitionTime?.date ?? start
        if start.addingTimeInterval(cpuInitializationPeriod) > now {
            return condition.status == "False" || sample.timestamp < transition.addingTimeInterval(sample.window)
        }
        return condition.status == "False" && start.addingTimeInterval(delayOfInitialReadinessStatus) > transition
    }

    /// The replica count from a usage ratio, with upstream's assumptions
    /// for missing and unready pods.
    func adjust(current: Int, ratio: Double, ready: Int, unready: Set<String>, missing: Set<String>, usage: inout [String: Int64],
                missingBelowTarget: (String) -> Int64, recompute: ([String: Int64]) throws(Failure) -> Double) throws(Failure) -> Int {
        let scaleUpWithUnready = !unready.isEmpty && ratio > 1
        if !scaleUpWithUnready && missing.isEmpty {
            if abs(1 - ratio) <= tolerance { return current }
            return Int((ratio * Double(ready)).rounded(.up))
        }
        for pod in missing {
            if ratio < 1 { usage[pod] = missingBelowTarget(pod) } else if ratio > 1 { usage[pod] = 0 }
        }
        if scaleUpWithUnready { for pod in unready { usage[pod] = 0 } }
        let newRatio = try recompute(usage)
        if abs(1 - newRatio) <= tolerance || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1) { return current }
        let replicas = Int((newRatio * Double(usage.count)).rounded(.up))
        if (newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current) { return current }
        return replicas
    }

    /// Each pod's request of `resource` (milli-units), summed over its containers (or one container).
    static func requests(_ pods: [Pod], resource: String, container: String?) throws(Failure) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for pod in pods {
            var total: Int64 = 0
            for c in pod.spec?.containers ?? [] where container == nil || c.name == container {
                guard let q = c.resources?.requests?[resource] else {
                    throw Failure(description: "missing request for \(resource) in container \(c.name ?? "") of Pod \(pod.name)")
                }
                total += q.milliValue
            }
            out[pod.name] = total
        }
        return out
    }
}
