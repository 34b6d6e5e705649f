public import Foundation
public import KubeAPI

/// The disruption controller's arithmetic, as upstream's
/// pkg/controller/disruption: how many pods a budget expects, how many must
/// stay healthy, how many are healthy now and so how many may be disrupted.
/// Pure functions of the budget, its pods, their controllers' scale and a clock.
public enum DisruptionBudgetMath {
    /// An evicted pod that is not deleted within this long counts as healthy again (upstream's DeletionTimeout).
    public static let deletionTimeout: TimeInterval = 2 * 60
    /// The condition the controller keeps and its reasons.
    public static let conditionType = "DisruptionAllowed"
    public static let sufficientPods = "SufficientPods"
    public static let insufficientPods = "InsufficientPods"
    public static let syncFailed = "SyncFailed"

    /// What a budget's spec and its pods' controllers add up to.
    public struct Expectation: Sendable, Equatable {
        /// Pods the budget counts (`status.expectedPods`).
        public var expectedPods: Int
        /// Healthy pods it needs (`status.desiredHealthy`).
        public var desiredHealthy: Int
        /// Selected pods without a controller, whose scale cannot be known.
        public var unmanagedPods: [String]
    }

    /// The workload whose scale a pod's controller stands for: the
    /// controller itself, or the Deployment of a Deployment's ReplicaSet.
    public struct ControllerScale: Sendable, Equatable {
        public var uid: String
        public var replicas: Int
        public init(uid: String, replicas: Int) {
            self.uid = uid
            self.replicas = replicas
        }
    }

    /// Why the expected count cannot be computed (the status then fails safe).
    public struct ScaleError: Error, Equatable, CustomStringConvertible {
        public var pod: String
        public var description: String { "found no controllers for pod \"\(pod)\"" }
    }

    /// Upstream's getExpectedPodCount: an integer `minAvailable` expects the
    /// selected pods themselves; a percentage `minAvailable` or any
    /// `maxUnavailable` expects the sum of the scale of the pods' controllers
    /// (each counted once), scaled with rounding up. `scales` maps the UID
    /// of a pod's controller to the workload whose scale counts, nil when
    /// it was not found.
    public static func expectation(_ spec: PodDisruptionBudgetSpec, pods: [Pod],
                                   scales: [String: ControllerScale?]) throws(ScaleError) -> Expectation {
        if let maxUnavailable = spec.maxUnavailable {
            let (expected, unmanaged) = try expectedScale(pods: pods, scales: scales)
            let allowed = maxUnavailable.scaled(total: expected, roundUp: true) ?? 0
            return Expectation(expectedPods: expected, desiredHealthy: max(0, expected - allowed), unmanagedPods: unmanaged)
        }
        switch spec.minAvailable {
        case .int(let n)?:
            return Expectation(expectedPods: pods.count, desiredHealthy: n, unmanagedPods: [])
        case .string(let s)?:
            let (expected, unmanaged) = try expectedScale(pods: pods, scales: scales)
            return Expectation(expectedPods: expected, desiredHealthy: IntOrString.string(s).scaled(total: expected, roundUp: true) ?? 0,
                               unmanagedPods: unmanaged)
        case nil:
            return Expectation(expectedPods: 0, desiredHealthy: 0, unmanagedPods: [])
        }
    }

    /// The sum of the scales of the pods' controllers; pods without one are
    /// listed as unmanaged; a controller whose scale is unknown is an error.
    static func expectedScale(pods: [Pod], scales: [String: ControllerScale?]) throws(ScaleError) -> (Int, [String]) {
        var counted: [String: Int] = [:]
        var unmanaged: [String] = []
        for p in pods {
            guard let ref = p.metadata.controllerRef else {
                unmanaged.append(p.metadata.name ?? "")
                continue
            }
            guard case .some(.some(let scale)) = scales[ref.uid] else { throw ScaleError(pod: p.metadata.name ?? "") }
            counted[scale.uid] = scale.replicas
        }
        return (counted.values.reduce(0, +), unmanaged)
    }

    /// Upstream's buildDisruptedPodMap: the entries of `status.disruptedPods`
    /// for pods that still exist, are not being deleted and were evicted less
    /// than ``deletionTimeout`` ago, and when to look again (the earliest
    /// expiry). `expired` names the pods that should have gone but did not.
    public static func disruptedPods(_ status: PodDisruptionBudgetStatus?, pods: [Pod],
                                     now: Date) -> (pods: [String: Timestamp], recheck: Date?, expired: [String]) {
        guard let recorded = status?.disruptedPods else { return ([:], nil, []) }
        var kept: [String: Timestamp] = [:]
        var recheck: Date?
        var expired: [String] = []
        for p in pods where p.metadata.deletionTimestamp == nil {
            guard let name = p.metadata.name, let at = recorded[name] else { continue }
            let expected = at.date.addingTimeInterval(deletionTimeout)
            if expected < now {
                expired.append(name)
            } else {
                if recheck.map({ expected < $0 }) ?? true { recheck = expected }
                kept[name] = at
            }
        }
        return (kept, recheck, expired)
    }

    /// Upstream's countHealthyPods: Ready pods that are not being deleted and
    /// were not just evicted.
    public static func currentHealthy(pods: [Pod], disrupted: [String: Timestamp], now: Date) -> Int {
        pods.filter { p in
            if p.metadata.deletionTimestamp != nil { return false }
            if let at = disrupted[p.metadata.name ?? ""], at.date.addingTimeInterval(deletionTimeout) > now { return false }
            return PodState.isReady(p)
        }.count
    }

    /// Disruptions allowed: healthy beyond the desired, and none while the
    /// budget expects no pods (so a budget whose pods appear before its
    /// first sync is safe).
    public static func disruptionsAllowed(currentHealthy: Int, desiredHealthy: Int, expectedPods: Int) -> Int {
        let allowed = currentHealthy - desiredHealthy
        return expectedPods <= 0 || allowed <= 0 ? 0 : allowed
    }

    /// The status a sync writes, or nil when the budget's status already says
    /// all of it (upstream's updatePdbStatus).
    public static func status(_ pdb: PodDisruptionBudget, currentHealthy: Int, expectation: Expectation,
                              disrupted: [String: Timestamp], now: Date) -> PodDisruptionBudgetStatus? {
        let allowed = disruptionsAllowed(currentHealthy: currentHealthy, desiredHealthy: expectation.desiredHealthy,
                                         expectedPods: expectation.expectedPods)
        let generation = pdb.metadata.generation ?? 0
        let old = pdb.status
        if let old, old.currentHealthy == currentHealthy, old.desiredHealthy == expectation.desiredHealthy,
           old.expectedPods == expectation.expectedPods, old.disruptionsAllowed == allowed, (old.disruptedPods ?? [:]) == disrupted,
           (old.observedGeneration ?? 0) == generation, conditionIsUpToDate(old) {
            return nil
        }
        var s = PodDisruptionBudgetStatus(disruptionsAllowed: allowed, currentHealthy: currentHealthy,
                                          desiredHealthy: expectation.desiredHealthy, expectedPods: expectation.expectedPods)
        s.disruptedPods = disrupted.isEmpty ? nil : disrupted
        s.observedGeneration = generation
        s.conditions = old?.conditions
        setCondition(&s, allowed > 0 ? "True" : "False", reason: allowed > 0 ? sufficientPods : insufficientPods, message: "", now: now)
        return s
    }

    /// Upstream's failSafe: no disruptions allowed, `DisruptionAllowed` False
    /// with reason SyncFailed and the error as message, the rest kept.
    public static func failSafe(_ pdb: PodDisruptionBudget, message: String, now: Date) -> PodDisruptionBudgetStatus {
        var s = pdb.status ?? PodDisruptionBudgetStatus()
        s.disruptionsAllowed = 0
        setCondition(&s, "False", reason: syncFailed, message: message, now: now)
        return s
    }

    /// Whether the condition agrees with disruptionsAllowed at the observed generation.
    static func conditionIsUpToDate(_ s: PodDisruptionBudgetStatus) -> Bool {
        guard let c = s.conditions?.first(where: { $0.type == conditionType }), c.observedGeneration == s.observedGeneration else {
            return false
        }
        return (s.disruptionsAllowed > 0) == (c.status == "True")
    }

    /// meta.SetStatusCondition: the transition time moves only when the status changes.
    static func setCondition(_ s: inout PodDisruptionBudgetStatus, _ status: String, reason: String, message: String, now: Date) {
        var conditions = s.conditions ?? []
        var c = Condition(type: conditionType, status: status, reason: reason, message: message)
        c.observedGeneration = s.observedGeneration
        if let i = conditions.firstIndex(where: { $0.type == conditionType }) {
            c.lastTransitionTime = conditions[i].status == status ? conditions[i].lastTransitionTime ?? Timestamp(now) : Timestamp(now)
            conditions[i] = c
        } else {
            c.lastTransitionTime = Timestamp(now)
            conditions.append(c)
        }
        s.conditions = conditions
    }

    /// The budgets of a namespace whose selector matches a pod (upstream's
    /// getPdbsForPod; in policy/v1 an empty selector matches every pod, a
    /// missing or invalid one none).
    public static func budgets(for pod: Pod, in budgets: [PodDisruptionBudget]) -> [PodDisruptionBudget] {
        budgets.filter { b in
            guard b.metadata.namespace == pod.metadata.namespace, let sel = b.spec?.selector,
                  let req = try? LabelRequirements(sel) else { return false }
            return req.matches(pod.metadata.labels ?? [:])
        }
    }
}

/// Upstream's stale-disruption check: a `DisruptionTarget=True` condition set
/// by an eviction or a preemption whose pod, two minutes on, is neither
/// terminating nor finished is reset to False (the delete never happened).
public enum StalePodDisruption {
    /// How long a DisruptionTarget condition may stand without the pod going.
    public static let timeout: TimeInterval = 2 * 60
    /// The reason the kubelet gives its own, never stale, disruptions.
    public static let terminationByKubelet = "TerminationByKubelet"

    /// Seconds until the pod's DisruptionTarget condition is stale (0: now),
    /// or nil when it has none that can go stale.
    public static func wait(_ pod: Pod, now: Date) -> TimeInterval? {
        guard pod.metadata.deletionTimestamp == nil, !PodState.isTerminal(pod),
              let c = pod.status?.conditions?.first(where: { $0.type == "DisruptionTarget" }), c.status == "True",
              c.reason != terminationByKubelet else { return nil }
        let since = c.lastTransitionTime?.date ?? now
        return max(0, timeout - now.timeIntervalSince(since))
    }
}
