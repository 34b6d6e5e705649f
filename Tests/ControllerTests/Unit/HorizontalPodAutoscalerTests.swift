import Foundation
import KubeAPI
import Testing
@testable import Controllers

/// The autoscaler's arithmetic: upstream's replica calculator, the
/// stabilization windows and rate policies, and the decisions with their
/// conditions and events, on fixed readings and a test clock.
@Suite struct HorizontalPodAutoscalerTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    /// A running pod requesting `cpu` millicores, started and ready long ago.
    static func pod(_ name: String, cpu: Int64 = 100, ready: Bool = true, phase: String = "Running", started: Date? = nil) -> Pod {
        let start = started ?? now.addingTimeInterval(-3600)
        var p = Make.pod(name, labels: ["app": "web"], ready: ready, readySince: start.addingTimeInterval(5), phase: phase)
        p.spec?.containers[0].resources = ResourceRequirements(requests: ["cpu": Quantity(milli: cpu), "memory": "64Mi"])
        p.status?.startTime = Timestamp(start)
        return p
    }

    static func sample(cpu: Int64, at: Date = now) -> PodMetricsSample {
        PodMetricsSample(containers: ["c": ["cpu": cpu, "memory": 32 * 1024 * 1024 * 1000]], timestamp: at, window: 10)
    }

    static func hpa(min: Int = 1, max: Int = 10, cpu: Int = 50, behavior: HorizontalPodAutoscalerBehavior? = nil) -> HorizontalPodAutoscaler {
        var h = HorizontalPodAutoscaler(metadata: ObjectMeta(name: "web", namespace: "default"),
                                        spec: HorizontalPodAutoscalerSpec(scaleTargetRef: CrossVersionObjectReference(kind: "Deployment", name: "web", apiVersion: "apps/v1"),
                                                                          minReplicas: min, maxReplicas: max, metrics: [.resource("cpu", averageUtilization: cpu)]))
        h.spec?.behavior = behavior
        h.metadata.generation = 3
        return h
    }

    // MARK: Replica calculator

    @Test func utilizationAboveTargetScalesByTheRatioOfReadyPods() throws {
        let pods = (0..<3).map { Self.pod("p\($0)") }
        let metrics = Dictionary(uniqueKeysWithValues: pods.map { ($0.name, Self.sample(cpu: 90)) })
        let p = try ReplicaCalculator().utilizationReplicas(current: 3, targetUtilization: 50, resource: "cpu", container: nil,
                                                            pods: pods, metrics: metrics, now: Self.now)
        // 90% of the request against 50%: ceil(1.8 × 3) = 6.
        #expect(p.replicas == 6)
        #expect(p.utilization == 90)
        #expect(p.rawAverage == 90)
    }

    @Test func withinToleranceNothingChanges() throws {
        let pods = (0..<4).map { Self.pod("p\($0)") }
        let metrics = Dictionary(uniqueKeysWithValues: pods.map { ($0.name, Self.sample(cpu: 54)) })
        let p = try ReplicaCalculator().utilizationReplicas(current: 4, targetUtilization: 50, resource: "cpu", container: nil,
                                                            pods: pods, metrics: metrics, now: Self.now)
        #expect(p.replicas == 4, "54% is within 10% of 50%")
    }

    @Test func missingPodsCountAsFullyUsedWhenScalingDown() throws {
        // Two pods at 10%, one without a reading: assumed at 100% (≥ target), the
        // ratio is (10+10+100)/300 = 40% → 0.8 → ceil(0.8 × 3) = 3 pods, not 1.
        let pods = (0..<3).map { Self.pod("p\($0)") }
        let metrics = ["p0": Self.sample(cpu: 10), "p1": Self.sample(cpu: 10)]
        let p = try ReplicaCalculator().utilizationReplicas(current: 3, targetUtilization: 50, resource: "cpu", container: nil,
                                                            pods: pods, metrics: metrics, now: Self.now)
        #expect(p.replicas == 3)
        #expect(p.utilization == 10)
    }

    @Test func unreadyPodsCountAsIdleWhenScalingUp() throws {
        // Two ready pods at 100%, two pending: assumed at 0 → 50% → ratio 1.0 → no change.
        var pods = (0..<2).map { Self.pod("p\($0)") }
        pods += (2..<4).map { Self.pod("p\($0)", ready: false, phase: "Pending") }
        let metrics = ["p0": Self.sample(cpu: 100), "p1": Self.sample(cpu: 100)]
        let p = try ReplicaCalculator().utilizationReplicas(current: 4, targetUtilization: 50, resource: "cpu", container: nil,
                                                            pods: pods, metrics: metrics, now: Self.now)
        #expect(p.replicas == 4)
    }

    @Test func aFreshPodsFirstReadingBeforeReadinessIsIgnored() throws {
        // Started a minute ago, ready 5 s after start; a reading taken before one window after readiness is start-up noise.
        let started = Self.now.addingTimeInterval(-60)
        let pods = [Self.pod("old"), Self.pod("new", started: started)]
        let metrics = ["old": Self.sample(cpu: 100), "new": Self.sample(cpu: 400, at: started.addingTimeInterval(7))]
        let p = try ReplicaCalculator().utilizationReplicas(current: 2, targetUtilization: 50, resource: "cpu", container: nil,
                                                            pods: pods, metrics: metrics, now: Self.now)
        // Only "old" counts (200% → ratio 2), "new" is unready and assumed idle: (100+0)/200 = 50% → no change.
        #expect(p.replicas == 2)
    }

    @Test func aContainerWithoutARequestIsAnError() {
        var pods = [Self.pod("p0")]
        pods[0].spec?.containers[0].resources = nil
        #expect(throws: ReplicaCalculator.Failure(description: "missing request for cpu in container c of Pod p0")) {
            try ReplicaCalculator().utilizationReplicas(current: 1, targetUtilization: 50, resource: "cpu", container: nil,
                                                        pods: pods, metrics: ["p0": Self.sample(cpu: 10)], now: Self.now)
        }
    }

    @Test func averageValueTargetsDivideTheMeanUsage() throws {
        let pods = (0..<2).map { Self.pod("p\($0)") }
        let metrics = ["p0": Self.sample(cpu: 300), "p1": Self.sample(cpu: 500)]
        let p = try ReplicaCalculator().averageValueReplicas(current: 2, targetAverage: 200, resource: "cpu", container: nil,
                                                             pods: pods, metrics: metrics, now: Self.now)
        #expect(p.replicas == 4)
        #expect(p.rawAverage == 400)
    }

    @Test func memoryAndOneContainersCPUAreTargetsToo() throws {
        // 32Mi used of a 64Mi request: 50% against a 25% target doubles the pods.
        let pods = (0..<2).map { Self.pod("p\($0)") }
        let metrics = Dictionary(uniqueKeysWithValues: pods.map { ($0.name, Self.sample(cpu: 10)) })
        let memory = try ReplicaCalculator().utilizationReplicas(current: 2, targetUtilization: 25, resource: "memory", container: nil,
                                                                 pods: pods, metrics: metrics, now: Self.now)
        #expect(memory.replicas == 4 && memory.utilization == 50)
        // A ContainerResource metric reads only its container, and says so in its status and reason.
        var history = ScalingHistory()
        var h = Self.hpa()
        var m = MetricSpec(type: "ContainerResource")
        m.containerResource = ContainerResourceMetricSource(name: "cpu", target: MetricTarget(type: "Utilization", averageUtilization: 5), container: "c")
        h.spec?.metrics = [m]
        let d = AutoscalerDecision.decide(h, currentReplicas: 2, selector: "app=web", pods: pods, metrics: .success(metrics),
                                          calculator: ReplicaCalculator(), history: &history, now: Self.now)
        #expect(d.desiredReplicas == 4 && d.reason == "cpu container resource utilization (percentage of request) above target")
        #expect(d.currentMetrics.first?.containerResource?.current.averageUtilization == 10)
    }

    // MARK: Stabilization and rate

    @Test func scaleDownWaitsForItsStabilizationWindow() {
        var h = ScalingHistory()
        let down = HorizontalPodAutoscalerBehavior(scaleDown: HPAScalingRules(stabilizationWindowSeconds: 60, selectPolicy: "Max",
                                                                            policies: [HPAScalingPolicy(type: "Percent", value: 100, periodSeconds: 15)]))
        // At t=0 the recommendation is 5 (current 5), then 2 for the next minute.
        #expect(h.normalize(desired: 5, current: 5, min: 1, max: 10, behavior: down, now: Self.now).replicas == 5)
        let held = h.normalize(desired: 2, current: 5, min: 1, max: 10, behavior: down, now: Self.now.addingTimeInterval(30))
        #expect(held.replicas == 5)
        #expect(held.ableToScale.reason == "ScaleDownStabilized")
        let after = h.normalize(desired: 2, current: 5, min: 1, max: 10, behavior: down, now: Self.now.addingTimeInterval(61))
        // The 5 left the window; the 2 of t=30 is the highest left.
        #expect(after.replicas == 2)
        #expect(after.ableToScale.reason == "ReadyForNewScale")
    }

    @Test func scaleUpIsLimitedByTheDefaultPolicies() {
        var h = ScalingHistory()
        // Default: max(current + 4, 2 × current) per 15 s.
        let n = h.normalize(desired: 40, current: 3, min: 1, max: 50, behavior: nil, now: Self.now)
        #expect(n.replicas == 7)
        #expect(n.limited == (true, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate"))
        h.recordScale(from: 3, to: 7, behavior: nil, now: Self.now)
        // Within the same 15 s the period started at 3: still 7 at most.
        #expect(h.normalize(desired: 40, current: 7, min: 1, max: 50, behavior: nil, now: Self.now.addingTimeInterval(5)).replicas == 7)
        // After the period: 7 → 14.
        #expect(h.normalize(desired: 40, current: 7, min: 1, max: 50, behavior: nil, now: Self.now.addingTimeInterval(16)).replicas == 14)
    }

    @Test func maxReplicasBoundsARecommendation() {
        var h = ScalingHistory()
        let n = h.normalize(desired: 9, current: 4, min: 1, max: 6, behavior: nil, now: Self.now)
        #expect(n.replicas == 6)
        #expect(n.limited.reason == "TooManyReplicas")
    }

    @Test func aDisabledDirectionNeverMoves() {
        var h = ScalingHistory()
        let b = HorizontalPodAutoscalerBehavior(scaleUp: HPAScalingRules(selectPolicy: "Disabled"))
        #expect(h.normalize(desired: 9, current: 4, min: 1, max: 10, behavior: b, now: Self.now).replicas == 4)
    }

    // MARK: Decisions

    @Test func aBusyTargetIsScaledUpWithUpstreamsConditionsAndEvent() {
        var history = ScalingHistory()
        let pods = (0..<2).map { Self.pod("p\($0)") }
        let metrics = ["p0": Self.sample(cpu: 100), "p1": Self.sample(cpu: 100)]
        var d = AutoscalerDecision.decide(Self.hpa(), currentReplicas: 2, selector: "app=web", pods: pods, metrics: .success(metrics),
                                          calculator: ReplicaCalculator(), history: &history, now: Self.now)
        #expect(d.rescale && d.desiredReplicas == 4)
        #expect(d.reason == "cpu resource utilization (percentage of request) above target")
        d.rescaled(error: nil, now: Self.now)
        #expect(d.events.last == .init(warning: false, reason: "SuccessfulRescale",
                                       message: "New size: 4; reason: cpu resource utilization (percentage of request) above target"))
        let status = d.status(Self.hpa(), now: Self.now)
        #expect(status.currentReplicas == 2 && status.desiredReplicas == 4 && status.observedGeneration == 3)
        #expect(status.lastScaleTime == Timestamp(Self.now))
        #expect(status.currentMetrics?.first?.resource?.current.averageUtilization == 100)
        let conditions = Dictionary(uniqueKeysWithValues: (status.conditions ?? []).map { ($0.type, ($0.status, $0.reason ?? "")) })
        #expect(conditions["AbleToScale"]! == ("True", "SucceededRescale"))
        #expect(conditions["ScalingActive"]! == ("True", "ValidMetricFound"))
        #expect(conditions["ScalingLimited"]! == ("False", "DesiredWithinRange"))
    }

    @Test func withoutMetricsTheAutoscalerSaysWhyAndKeepsTheCount() {
        var history = ScalingHistory()
        let d = AutoscalerDecision.decide(Self.hpa(), currentReplicas: 2, selector: "app=web", pods: [Self.pod("p0")],
                                          metrics: .failure(PodMetricsError("no node answered")), calculator: ReplicaCalculator(),
                                          history: &history, now: Self.now)
        #expect(!d.rescale && d.desiredReplicas == 2)
        let active = d.conditions.first { $0.type == "ScalingActive" }
        #expect(active?.status == "False" && active?.reason == "FailedGetResourceMetric")
        #expect(d.events.map(\.reason) == ["FailedGetResourceMetric", "FailedComputeMetricsReplicas"])
        #expect(d.events.last?.message == "invalid metrics (1 invalid out of 1), first error is: failed to get cpu utilization: unable to get metrics for resource cpu: no node answered")
    }

    @Test func countsOutsideTheBoundsAreBroughtInWithoutMetrics() {
        var history = ScalingHistory()
        let below = AutoscalerDecision.decide(Self.hpa(min: 2, max: 5), currentReplicas: 1, selector: "app=web", pods: [],
                                              metrics: .success([:]), calculator: ReplicaCalculator(), history: &history, now: Self.now)
        #expect(below.rescale && below.desiredReplicas == 2 && below.reason == "Current number of replicas below Spec.MinReplicas")
        let above = AutoscalerDecision.decide(Self.hpa(min: 2, max: 5), currentReplicas: 9, selector: "app=web", pods: [],
                                              metrics: .success([:]), calculator: ReplicaCalculator(), history: &history, now: Self.now)
        #expect(above.rescale && above.desiredReplicas == 5 && above.reason == "Current number of replicas above Spec.MaxReplicas")
        let zero = AutoscalerDecision.decide(Self.hpa(), currentReplicas: 0, selector: "app=web", pods: [],
                                             metrics: .success([:]), calculator: ReplicaCalculator(), history: &history, now: Self.now)
        #expect(!zero.rescale && zero.conditions.first?.reason == "ScalingDisabled")
    }

    @Test func aTargetWithoutASelectorIsReported() {
        var history = ScalingHistory()
        let d = AutoscalerDecision.decide(Self.hpa(), currentReplicas: 2, selector: "", pods: [], metrics: .success([:]),
                                          calculator: ReplicaCalculator(), history: &history, now: Self.now)
        #expect(!d.rescale && d.events.first?.reason == "SelectorRequired")
        #expect(d.conditions.first?.reason == "InvalidSelector")
    }

    @Test func aFailedScaleUpdateKeepsTheCountAndSaysSo() {
        var history = ScalingHistory()
        let pods = (0..<2).map { Self.pod("p\($0)") }
        var d = AutoscalerDecision.decide(Self.hpa(), currentReplicas: 2, selector: "app=web", pods: pods,
                                          metrics: .success(["p0": Self.sample(cpu: 100), "p1": Self.sample(cpu: 100)]),
                                          calculator: ReplicaCalculator(), history: &history, now: Self.now)
        d.rescaled(error: "conflict", now: Self.now)
        #expect(d.desiredReplicas == 2 && !d.rescale)
        #expect(d.events.last?.reason == "FailedRescale")
        #expect(d.conditions.first { $0.type == "AbleToScale" }?.reason == "FailedUpdateScale")
    }
}
