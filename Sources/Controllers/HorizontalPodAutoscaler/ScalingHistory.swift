public import Foundation
public import KubeAPI

/// One autoscaler's memory (upstream keeps it in the controller, not the
/// API, so it starts afresh with the controller): its recent
/// recommendations, for the stabilization windows, and its recent scale
/// events, for the rate policies. Upstream's
/// `normalizeDesiredReplicasWithBehaviors`, with an injected clock; an
/// autoscaler without `behavior` gets upstream's default rules.
public struct ScalingHistory: Sendable {
    struct Recommendation: Sendable { var replicas: Int; var time: Date }
    struct ScaleEvent: Sendable { var change: Int; var time: Date }

    var recommendations: [Recommendation] = []
    var scaleUpEvents: [ScaleEvent] = []
    var scaleDownEvents: [ScaleEvent] = []

    public init() {}

    /// The outcome of normalizing a recommendation, with the conditions it sets.
    public struct Normalized: Sendable, Equatable {
        public var replicas: Int
        /// AbleToScale's reason and message (`ScaleUpStabilized`, `ScaleDownStabilized` or `ReadyForNewScale`).
        public var ableToScale: (reason: String, message: String)
        /// Whether ScalingLimited is True, with its reason and message.
        public var limited: (status: Bool, reason: String, message: String)

        public static func == (a: Normalized, b: Normalized) -> Bool {
            a.replicas == b.replicas && a.ableToScale == b.ableToScale && a.limited == b.limited
        }
    }

    /// The rules of each direction, the defaults filled in.
    public static func rules(_ behavior: HorizontalPodAutoscalerBehavior?) -> (up: HPAScalingRules, down: HPAScalingRules) {
        func fill(_ r: HPAScalingRules?, _ d: HPAScalingRules) -> HPAScalingRules {
            var out = r ?? d
            if out.stabilizationWindowSeconds == nil { out.stabilizationWindowSeconds = d.stabilizationWindowSeconds }
            if out.selectPolicy == nil { out.selectPolicy = d.selectPolicy }
            if (out.policies ?? []).isEmpty { out.policies = d.policies }
            return out
        }
        return (fill(behavior?.scaleUp, HPABehaviorDefaults.scaleUp), fill(behavior?.scaleDown, HPABehaviorDefaults.scaleDown))
    }

    /// Stabilizes `desired` against the recent recommendations, records it,
    /// and bounds it by the rate policies and `min`/`max`.
    public mutating func normalize(desired: Int, current: Int, min minReplicas: Int, max maxReplicas: Int,
                                   behavior: HorizontalPodAutoscalerBehavior?, now: Date) -> Normalized {
        let (up, down) = Self.rules(behavior)
        // A fresh controller treats the current count as a recent recommendation (no scale-down right after a restart).
        if recommendations.isEmpty, (down.stabilizationWindowSeconds ?? 0) > 0 {
            recommendations = [Recommendation(replicas: current, time: now)]
        }
        let stabilized = stabilize(desired: desired, current: current, up: up, down: down, now: now)
        var out = Normalized(replicas: stabilized.replicas, ableToScale: ("ReadyForNewScale", "recommended size matches current size"),
                             limited: (false, "", ""))
        if stabilized.replicas != desired { out.ableToScale = (stabilized.reason, stabilized.message) }
        let limited = limit(stabilized.replicas, current: current, min: minReplicas, max: maxReplicas, up: up, down: down, now: now)
        out.replicas = limited.replicas
        out.limited = (limited.replicas != stabilized.replicas, limited.reason, limited.message)
        return out
    }

    mutating func stabilize(desired: Int, current: Int, up: HPAScalingRules, down: HPAScalingRules, now: Date)
        -> (replicas: Int, reason: String, message: String) {
        let upCutoff = now.addingTimeInterval(-Double(up.stabilizationWindowSeconds ?? 0))
        let downCutoff = now.addingTimeInterval(-Double(down.stabilizationWindowSeconds ?? 0))
        var upRecommendation = desired, downRecommendation = desired
        for r in recommendations {
            if r.time > upCutoff { upRecommendation = min(r.replicas, upRecommendation) }
            if r.time > downCutoff { downRecommendation = max(r.replicas, downRecommendation) }
        }
        let recommendation = min(max(current, upRecommendation), downRecommendation)
        // Keep what either window may still need, and this recommendation.
        let oldest = min(upCutoff, downCutoff)
        recommendations.removeAll { $0.time < oldest }
        recommendations.append(Recommendation(replicas: desired, time: now))
        if desired >= current {
            return (recommendation, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation")
        }
        return (recommendation, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
    }

    func limit(_ desired: Int, current: Int, min minReplicas: Int, max maxReplicas: Int, up: HPAScalingRules, down: HPAScalingRules,
               now: Date) -> (replicas: Int, reason: String, message: String) {
        if desired > current {
            let upLimit = max(current, Self.scaleUpLimit(current, up, changes(now, up), now: now))
            if maxReplicas > upLimit {
                if desired > upLimit {
                    return (upLimit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                }
            } else if desired > maxReplicas {
                return (maxReplicas, "TooManyReplicas", "the desired replica count is more than the maximum replica count")
            }
        } else if desired < current {
            let downLimit = min(current, Self.scaleDownLimit(current, down, changes(now, down), now: now))
            if minReplicas < downLimit {
                if desired < downLimit {
                    return (downLimit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
                }
            } else if desired < minReplicas {
                return (minReplicas, "TooFewReplicas", "the desired replica count is less than the minimum replica count")
            }
        }
        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range")
    }

    /// Replicas added and removed within each policy's period.
    func changes(_ now: Date, _ rules: HPAScalingRules) -> [(policy: HPAScalingPolicy, added: Int, removed: Int)] {
        (rules.policies ?? []).map { p in
            let cutoff = now.addingTimeInterval(-Double(p.periodSeconds))
            return (p, scaleUpEvents.filter { $0.time > cutoff }.reduce(0) { $0 + $1.change },
                    scaleDownEvents.filter { $0.time > cutoff }.reduce(0) { $0 + $1.change })
        }
    }

    static func scaleUpLimit(_ current: Int, _ rules: HPAScalingRules, _ changes: [(policy: HPAScalingPolicy, added: Int, removed: Int)],
                             now: Date) -> Int {
        if rules.selectPolicy == "Disabled" { return current }
        let proposals = changes.map { c -> Int in
            let start = current - c.added + c.removed
            return c.policy.type == "Pods" ? start + c.policy.value : Int((Double(start) * (1 + Double(c.policy.value) / 100)).rounded(.up))
        }
        return (rules.selectPolicy == "Min" ? proposals.min() : proposals.max()) ?? current
    }

    static func scaleDownLimit(_ current: Int, _ rules: HPAScalingRules, _ changes: [(policy: HPAScalingPolicy, added: Int, removed: Int)],
                               now: Date) -> Int {
        if rules.selectPolicy == "Disabled" { return current }
        let proposals = changes.map { c -> Int in
            let start = current - c.added + c.removed
            return c.policy.type == "Pods" ? start - c.policy.value : Int(Double(start) * (1 - Double(c.policy.value) / 100))
        }
        return (rules.selectPolicy == "Min" ? proposals.max() : proposals.min()) ?? current
    }

    /// Records a rescale from `from` to `to`, for the rate policies.
    public mutating func recordScale(from: Int, to: Int, behavior: HorizontalPodAutoscalerBehavior?, now: Date) {
        let (up, down) = Self.rules(behavior)
        func longest(_ r: HPAScalingRules) -> Double { Double((r.policies ?? []).map(\.periodSeconds).max() ?? 0) }
        scaleUpEvents.removeAll { $0.time < now.addingTimeInterval(-longest(up)) }
        scaleDownEvents.removeAll { $0.time < now.addingTimeInterval(-longest(down)) }
        if to >= from {
            scaleUpEvents.append(ScaleEvent(change: to - from, time: now))
        } else {
            scaleDownEvents.append(ScaleEvent(change: from - to, time: now))
        }
    }
}
