import Foundation
public import KubeAPI

/// A node where preempting `victims` lets the pod fit.
public struct PreemptionCandidate: Sendable {
    public var node: String
    /// The pods to evict, most important first.
    public var victims: [Pod]
    /// How many of them are evicted against a PodDisruptionBudget.
    public var pdbViolations: Int
    /// Pending pods of lower priority nominated to the node, whose
    /// nomination the preemption takes away.
    public var lowerNominated: [Pod] = []

    public init(node: String, victims: [Pod], pdbViolations: Int) {
        self.node = node
        self.victims = victims
        self.pdbViolations = pdbViolations
    }
}

/// Upstream's DefaultPreemption (pkg/scheduler/framework/plugins/defaultpreemption
/// and pkg/scheduler/framework/preemption) as pure functions: who may
/// preempt, the fewest lower-priority victims on one node (reprieving the
/// most important first, those protected by a budget before the others),
/// and the node whose victims hurt least.
public enum Preemption {
    /// A pod's priority (0 when unset).
    public static func priority(_ p: Pod) -> Int { p.spec?.priority ?? 0 }

    /// Upstream's PodEligibleToPreemptOthers: not with `preemptionPolicy:
    /// Never`, nor while lower-priority pods on the node it already
    /// preempted for are still terminating.
    public static func eligible(_ pod: Pod, nominatedNodePods: [Pod]) -> Bool {
        if pod.spec?.preemptionPolicy == "Never" { return false }
        guard let nominated = pod.status?.nominatedNodeName, !nominated.isEmpty else { return true }
        let p = priority(pod)
        return !nominatedNodePods.contains { $0.metadata.deletionTimestamp != nil && priority($0) < p }
    }

    /// Upstream's MoreImportantPod: higher priority, then the earlier start.
    public static func moreImportant(_ a: Pod, _ b: Pod) -> Bool {
        let pa = priority(a), pb = priority(b)
        if pa != pb { return pa > pb }
        let sa = (a.status?.startTime ?? a.metadata.creationTimestamp)?.date ?? .distantFuture
        let sb = (b.status?.startTime ?? b.metadata.creationTimestamp)?.date ?? .distantFuture
        return sa < sb
    }

    /// Upstream's filterPodsWithPDBViolation: the pods (in order) whose
    /// eviction a budget forbids, and the others; each budget's allowance is
    /// used up pod by pod, and a pod already in its `disruptedPods` is not
    /// counted again.
    public static func splitByBudgets(_ pods: [Pod], budgets: [PodDisruptionBudget]) -> (violating: [Pod], nonViolating: [Pod]) {
        var allowed = budgets.map { $0.status?.disruptionsAllowed ?? 0 }
        let selectors = budgets.map { b in b.spec?.selector.flatMap { try? LabelRequirements($0) } }
        var violating: [Pod] = []
        var nonViolating: [Pod] = []
        for p in pods {
            var violates = false
            for (i, b) in budgets.enumerated() {
                // Here a nil or empty selector matches nothing, as upstream's.
                guard b.metadata.namespace == p.metadata.namespace, let sel = selectors[i], !sel.isEmpty,
                      sel.matches(p.metadata.labels ?? [:]) else { continue }
                if b.status?.disruptedPods?[p.metadata.name ?? ""] != nil { continue }
                allowed[i] -= 1
                if allowed[i] < 0 { violates = true }
            }
            if violates { violating.append(p) } else { nonViolating.append(p) }
        }
        return (violating, nonViolating)
    }

    /// Upstream's selectVictimsOnNode: every pod of lower priority is taken
    /// off the node; if the pod fits then, they are put back one by one,
    /// budget-protected ones first and the most important first in each
    /// group, as long as the pod still fits. `fits` runs the filters on a
    /// node as changed; nil when the pod does not fit even without them.
    public static func selectVictims(for pod: Pod, on node: NodeInfo, budgets: [PodDisruptionBudget],
                                     fits: (NodeInfo) -> Bool) -> PreemptionCandidate? {
        let p = priority(pod)
        var trimmed = node
        var potential: [PodInfo] = []
        for info in node.pods.values where priority(info.pod) < p {
            potential.append(info)
            _ = trimmed.remove(key: info.key)
        }
        guard !potential.isEmpty, fits(trimmed) else { return nil }
        potential.sort { moreImportant($0.pod, $1.pod) }
        let byName = Dictionary(potential.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        let split = splitByBudgets(potential.map(\.pod), budgets: budgets)
        var victims: [Pod] = []
        var violations = 0
        func reprieve(_ victim: Pod, violating: Bool) {
            let key = "\(victim.metadata.namespace ?? "")/\(victim.metadata.name ?? "")"
            guard let info = byName[key] else { return }
            trimmed.add(info)
            if fits(trimmed) { return }
            _ = trimmed.remove(key: key)
            victims.append(victim)
            if violating { violations += 1 }
        }
        for v in split.violating { reprieve(v, violating: true) }
        for v in split.nonViolating { reprieve(v, violating: false) }
        guard !victims.isEmpty else { return nil }
        victims.sort(by: moreImportant)
        return PreemptionCandidate(node: node.name, victims: victims, pdbViolations: violations)
    }

    /// Upstream's pickOneNodeForPreemption: fewest budget violations, then
    /// the lowest highest-victim priority, the smallest sum of victim
    /// priorities, the fewest victims, the latest start among the most
    /// important victims, then the first.
    public static func pickNode(_ candidates: [PreemptionCandidate]) -> PreemptionCandidate? {
        guard !candidates.isEmpty else { return nil }
        var remaining = candidates
        func keep<T: Comparable>(minimizing key: (PreemptionCandidate) -> T) {
            guard let best = remaining.map(key).min() else { return }
            remaining = remaining.filter { key($0) == best }
        }
        keep { $0.pdbViolations }
        keep { $0.victims.first.map(priority) ?? Int.min }
        // Priorities shifted to be non-negative before summing, as upstream.
        keep { $0.victims.reduce(Int64(0)) { $0 + Int64(priority($1)) + Int64(Int32.max) + 1 } }
        keep { $0.victims.count }
        keep { c -> TimeInterval in
            let top = c.victims.first.map(priority)
            let earliest = c.victims.filter { priority($0) == top }
                .compactMap { ($0.status?.startTime ?? $0.metadata.creationTimestamp)?.date }.min() ?? .distantPast
            return -earliest.timeIntervalSince1970
        }
        return remaining.first
    }

    /// The DisruptionTarget condition upstream sets on a victim before deleting it.
    public static func disruptionTarget(schedulerName: String) -> Condition {
        Condition(type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler",
                  message: "\(schedulerName): preempting to accommodate a higher priority pod")
    }
}
