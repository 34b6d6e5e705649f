public import Foundation
public import KubeAPI

/// What the autoscaler decides for one autoscaler at one moment, from its
/// target's scale, its pods and their readings (upstream's
/// `reconcileAutoscaler` up to the scale update): the replica count, why,
/// the metric readings and conditions for its status, and the events to
/// record. Pure: the controller reads and writes the API around it.
public struct AutoscalerDecision: Sendable {
    /// An event to record on the autoscaler.
    public struct Event: Sendable, Equatable {
        public var warning: Bool
        public var reason: String
        public var message: String
    }

    public var currentReplicas: Int
    public var desiredReplicas: Int
    /// Whether the target's scale is to be updated to `desiredReplicas`.
    public var rescale: Bool
    /// `cpu resource utilization (percentage of request) above target`, `All metrics below target`, ...
    public var reason: String
    public var currentMetrics: [MetricStatus]
    public var conditions: [HorizontalPodAutoscalerCondition]
    public var events: [Event]
    /// Set when the metrics could not be computed (the sync is retried).
    public var failure: String?

    /// Decides for `hpa`, whose target has `currentReplicas` and the pod selector `selector`.
    public static func decide(_ hpa: HorizontalPodAutoscaler, currentReplicas: Int, selector: String, pods: [Pod],
                              metrics: Result<[String: PodMetricsSample], PodMetricsError>, calculator: ReplicaCalculator,
                              history: inout ScalingHistory, now: Date) -> AutoscalerDecision {
        let spec = hpa.spec
        let minReplicas = spec?.minReplicas ?? 1
        let maxReplicas = spec?.maxReplicas ?? minReplicas
        var d = AutoscalerDecision(currentReplicas: currentReplicas, desiredReplicas: currentReplicas, rescale: true, reason: "",
                                   currentMetrics: [], conditions: hpa.status?.conditions ?? [], events: [])
        if currentReplicas == 0 && minReplicas != 0 {
            d.desiredReplicas = 0
            d.rescale = false
            d.set("ScalingActive", false, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero", now)
        } else if currentReplicas > maxReplicas {
            d.reason = "Current number of replicas above Spec.MaxReplicas"
            d.desiredReplicas = maxReplicas
        } else if currentReplicas < minReplicas {
            d.reason = "Current number of replicas below Spec.MinReplicas"
            d.desiredReplicas = minReplicas
        } else {
            guard let (proposal, metricName) = d.computeMetrics(hpa, selector: selector, pods: pods, metrics: metrics,
                                                                 calculator: calculator, now: now) else {
                d.desiredReplicas = currentReplicas
                d.rescale = false
                return d
            }
            if proposal > currentReplicas { d.reason = "\(metricName) above target" }
            if proposal < currentReplicas { d.reason = "All metrics below target" }
            let n = history.normalize(desired: proposal, current: currentReplicas, min: minReplicas, max: maxReplicas,
                                      behavior: spec?.behavior, now: now)
            d.set("AbleToScale", true, n.ableToScale.reason, n.ableToScale.message, now)
            d.set("ScalingLimited", n.limited.status, n.limited.reason, n.limited.message, now)
            d.desiredReplicas = n.replicas
            d.rescale = n.replicas != currentReplicas
        }
        return d
    }

    /// The highest proposal over the metrics and the metric that made it;
    /// nil (with the failing metric's condition and events) when every
    /// metric failed, or some did and the others would scale down.
    mutating func computeMetrics(_ hpa: HorizontalPodAutoscaler, selector: String, pods: [Pod],
                                 metrics: Result<[String: PodMetricsSample], PodMetricsError>, calculator: ReplicaCalculator,
                                 now: Date) -> (Int, String)? {
        if selector.isEmpty {
            events.append(Event(warning: true, reason: "SelectorRequired", message: "selector is required"))
            set("ScalingActive", false, "InvalidSelector", "the HPA target's scale is missing a selector", now)
            failure = "selector is required"
            return nil
        }
        let specs = hpa.spec?.metrics ?? []
        var replicas = 0
        var name = ""
        var invalid = 0
        var firstError: (reason: String, message: String)?
        currentMetrics = []
        for m in specs {
            switch Self.propose(m, current: currentReplicas, pods: pods, metrics: metrics, calculator: calculator, now: now) {
            case .success(let (proposal, metricName, status)):
                currentMetrics.append(status)
                if replicas == 0 || proposal > replicas {
                    replicas = proposal
                    name = metricName
                }
            case .failure(let e):
                currentMetrics.append(MetricStatus(type: ""))
                events.append(Event(warning: true, reason: e.reason, message: e.message))
                if firstError == nil { firstError = (e.reason, e.message) }
                invalid += 1
            }
        }
        // Only the readings that were taken go to the status.
        currentMetrics.removeAll { $0.type.isEmpty }
        if let firstError, invalid >= specs.count || replicas < currentReplicas {
            set("ScalingActive", false, firstError.reason, "the HPA was unable to compute the replica count: \(firstError.message)", now)
            let message = "invalid metrics (\(invalid) invalid out of \(specs.count)), first error is: \(firstError.message)"
            events.append(Event(warning: true, reason: "FailedComputeMetricsReplicas", message: message))
            failure = message
            return nil
        }
        guard !specs.isEmpty else {
            set("ScalingActive", false, "FailedGetResourceMetric", "the HPA was unable to compute the replica count: no metrics", now)
            failure = "no metrics"
            return nil
        }
        set("ScalingActive", true, "ValidMetricFound", "the HPA was able to successfully calculate a replica count from \(name)", now)
        return (replicas, name)
    }

    struct MetricFailure: Error {
        var reason: String
        var message: String
    }

    /// One metric's proposal, its name for messages and its reading.
    static func propose(_ m: MetricSpec, current: Int, pods: [Pod], metrics: Result<[String: PodMetricsSample], PodMetricsError>,
                        calculator: ReplicaCalculator, now: Date) -> Result<(Int, String, MetricStatus), MetricFailure> {
        let resource: String, target: MetricTarget, container: String?, reason: String
        switch m.type {
        case "Resource":
            guard let r = m.resource else { return .failure(MetricFailure(reason: "FailedGetResourceMetric", message: "no resource metric source")) }
            (resource, target, container, reason) = (r.name, r.target, nil, "FailedGetResourceMetric")
        case "ContainerResource":
            guard let r = m.containerResource else {
                return .failure(MetricFailure(reason: "FailedGetContainerResourceMetric", message: "no container resource metric source"))
            }
            (resource, target, container, reason) = (r.name, r.target, r.container, "FailedGetContainerResourceMetric")
        default:
            let api = m.type == "External" ? "external.metrics.k8s.io" : "custom.metrics.k8s.io"
            return .failure(MetricFailure(reason: "FailedGet\(m.type)Metric",
                                          message: "unable to get \(m.type.lowercased()) metric: the \(api) API is not served by this cluster"))
        }
        let samples: [String: PodMetricsSample]
        switch metrics {
        case .success(let s) where !s.isEmpty: samples = s
        case .success:
            return .failure(MetricFailure(reason: reason, message: "failed to get \(resource) utilization: unable to get metrics for resource \(resource): no metrics returned from resource metrics API"))
        case .failure(let e):
            return .failure(MetricFailure(reason: reason, message: "failed to get \(resource) utilization: unable to get metrics for resource \(resource): \(e.description)"))
        }
        var status = MetricStatus(type: m.type)
        do throws(ReplicaCalculator.Failure) {
            if let average = target.averageValue {
                let p = try calculator.averageValueReplicas(current: current, targetAverage: average.milliValue, resource: resource,
                                                            container: container, pods: pods, metrics: samples, now: now)
                let reading = MetricValueStatus(averageValue: Quantity(milli: p.rawAverage))
                if container == nil { status.resource = ResourceMetricStatus(name: resource, current: reading) }
                else { status.containerResource = ContainerResourceMetricStatus(name: resource, current: reading, container: container ?? "") }
                return .success((p.replicas, "\(resource) resource", status))
            }
            guard let utilization = target.averageUtilization else {
                return .failure(MetricFailure(reason: reason, message: "invalid resource metric source: neither an average utilization target nor an average value (usage) target was set"))
            }
            let p = try calculator.utilizationReplicas(current: current, targetUtilization: utilization, resource: resource,
                                                       container: container, pods: pods, metrics: samples, now: now)
            let reading = MetricValueStatus(averageValue: Quantity(milli: p.rawAverage), averageUtilization: p.utilization)
            if container == nil { status.resource = ResourceMetricStatus(name: resource, current: reading) }
            else { status.containerResource = ContainerResourceMetricStatus(name: resource, current: reading, container: container ?? "") }
            let name = container == nil ? "\(resource) resource utilization (percentage of request)"
                : "\(resource) container resource utilization (percentage of request)"
            return .success((p.replicas, name, status))
        } catch {
            let what = target.averageValue == nil ? "utilization" : "usage"
            return .failure(MetricFailure(reason: reason, message: "failed to get \(resource) \(what): \(error.description)"))
        }
    }

    /// Sets a condition, keeping its transition time unless its status changes (upstream's setConditionInList).
    mutating func set(_ type: String, _ status: Bool, _ reason: String, _ message: String, _ now: Date) {
        let value = status ? "True" : "False"
        if let i = conditions.firstIndex(where: { $0.type == type }) {
            if conditions[i].status != value { conditions[i].lastTransitionTime = Timestamp(now) }
            conditions[i].status = value
            conditions[i].reason = reason
            conditions[i].message = message
        } else {
            conditions.append(HorizontalPodAutoscalerCondition(type: type, status: value, reason: reason, message: message,
                                                                lastTransitionTime: Timestamp(now)))
        }
    }

    /// Records the scale update's outcome: AbleToScale and the event.
    public mutating func rescaled(error: String?, now: Date) {
        if let error {
            events.append(Event(warning: true, reason: "FailedRescale", message: "New size: \(desiredReplicas); reason: \(reason); error: \(error)"))
            set("AbleToScale", false, "FailedUpdateScale", "the HPA controller was unable to update the target scale: \(error)", now)
            desiredReplicas = currentReplicas
            rescale = false
        } else {
            set("AbleToScale", true, "SucceededRescale", "the HPA controller was able to update the target scale to \(desiredReplicas)", now)
            events.append(Event(warning: false, reason: "SuccessfulRescale", message: "New size: \(desiredReplicas); reason: \(reason)"))
        }
    }

    /// The autoscaler's new status.
    public func status(_ hpa: HorizontalPodAutoscaler, now: Date) -> HorizontalPodAutoscalerStatus {
        var s = hpa.status ?? HorizontalPodAutoscalerStatus()
        s.observedGeneration = hpa.metadata.generation
        s.currentReplicas = currentReplicas
        s.desiredReplicas = desiredReplicas
        s.currentMetrics = currentMetrics.isEmpty ? nil : currentMetrics
        s.conditions = conditions
        if rescale { s.lastScaleTime = Timestamp(now) }
        return s
    }
}
