public import Foundation
public import KubeAPI

/// What a DaemonSet should do now, decided from its nodes and pods alone
/// (pure, so placement and rolling updates are unit-tested).
public struct DaemonSetPlan: Sendable, Equatable {
    /// Nodes that need a pod.
    public var createOn: [String] = []
    /// Pods to delete (misplaced, surplus, failed, or replaced by a rolling update).
    public var delete: [String] = []
    public var status = DaemonSetStatus()

    public init() {}
}

/// Placement and rolling-update decisions of the DaemonSet controller.
public enum DaemonSetPlanner {
    public static let hashLabel = "controller-revision-hash"

    /// The tolerations DaemonSet pods always get, so they run on nodes that
    /// are not ready, unreachable, under pressure or cordoned.
    public static func daemonTolerations(hostNetwork: Bool) -> [Toleration] {
        var t = [
            Toleration(key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute"),
            Toleration(key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute"),
            Toleration(key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule"),
            Toleration(key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule"),
            Toleration(key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule"),
            Toleration(key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule"),
        ]
        if hostNetwork { t.append(Toleration(key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule")) }
        return t
    }

    /// The template's tolerations plus the daemon ones it lacks.
    public static func tolerations(_ spec: PodSpec?) -> [Toleration] {
        var all = spec?.tolerations ?? []
        for t in daemonTolerations(hostNetwork: spec?.hostNetwork ?? false)
        where !all.contains(where: { $0.key == t.key && ($0.effect ?? "") == (t.effect ?? "") }) {
            all.append(t)
        }
        return all
    }

    /// Whether a daemon pod should be placed on the node, and whether one already there may stay.
    public static func placement(_ spec: PodSpec?, node: Node) -> (shouldRun: Bool, shouldContinue: Bool) {
        let labels = node.metadata.labels ?? [:]
        for (k, v) in spec?.nodeSelector ?? [:] where labels[k] != v { return (false, false) }
        if let required = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution {
            // Terms on labels only: a matchFields term is ours (the target node) and decided here.
            let terms = required.nodeSelectorTerms.filter { !($0.matchExpressions ?? []).isEmpty }
            if !terms.isEmpty && !terms.contains(where: { term in
                (term.matchExpressions ?? []).allSatisfy { r in NodeSelectorMatching.matches(r, labels[r.key]) }
            }) {
                return (false, false)
            }
        }
        let tolerations = self.tolerations(spec)
        var run = true
        for t in node.spec?.taints ?? [] where !tolerations.contains(where: { $0.tolerates(t) }) {
            if t.effect == "NoExecute" { return (false, false) }
            if t.effect == "NoSchedule" { run = false }
        }
        return (run, true)
    }

    /// The node a daemon pod is meant for: its nodeName, else the target in its node affinity.
    public static func targetNode(_ p: Pod) -> String? {
        if let n = p.spec?.nodeName, !n.isEmpty { return n }
        for term in p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [] {
            for f in term.matchFields ?? [] where f.key == "metadata.name" && f.operator == "In" {
                if let v = f.values?.first { return v }
            }
        }
        return nil
    }

    /// Decides creations, deletions and status for `pods` (owned, by target node) over `nodes`.
    public static func plan(_ ds: DaemonSet, hash: String, nodes: [Node], pods: [String: [Pod]], now: Date) -> DaemonSetPlan {
        var plan = DaemonSetPlan()
        let spec = ds.spec?.template?.spec
        let minReady = ds.spec?.minReadySeconds ?? 0
        var desired = 0, current = 0, misscheduled = 0, ready = 0, updated = 0, available = 0
        struct Slot { var node: String; var shouldRun: Bool; var old: [Pod]; var new: [Pod] }
        var slots: [Slot] = []
        let knownNodes = Set(nodes.compactMap(\.metadata.name))
        for node in nodes.sorted(by: { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }) {
            let name = node.metadata.name ?? ""
            let (shouldRun, shouldContinue) = placement(spec, node: node)
            let here = pods[name] ?? []
            let failed = here.filter { $0.status?.phase == "Failed" && $0.metadata.deletionTimestamp == nil }
            plan.delete += failed.map(\.name)
            let active = here.filter(PodState.isActive)
            if shouldRun { desired += 1 }
            if !shouldContinue || (!shouldRun && active.isEmpty) {
                if !active.isEmpty { misscheduled += 1 }
                plan.delete += active.map(\.name)
                continue
            }
            if active.isEmpty {
                if shouldRun && failed.isEmpty { plan.createOn.append(name) }
                continue
            }
            if !shouldRun { misscheduled += 1 }
            current += shouldRun ? 1 : 0
            let isNew = { (p: Pod) in p.metadata.labels?[hashLabel] == hash }
            var newPods = active.filter(isNew).sorted { ($0.metadata.creationTimestamp?.date ?? .distantPast) < ($1.metadata.creationTimestamp?.date ?? .distantPast) }
            var oldPods = active.filter { !isNew($0) }.sorted { ($0.metadata.creationTimestamp?.date ?? .distantPast) < ($1.metadata.creationTimestamp?.date ?? .distantPast) }
            // At most one of each kind per node.
            if newPods.count > 1 { plan.delete += newPods.dropFirst().map(\.name); newPods = [newPods[0]] }
            if oldPods.count > 1 {
                plan.delete += oldPods.dropFirst().map(\.name)
                oldPods = [oldPods[0]]
            }
            if active.contains(where: PodState.isReady) { ready += 1 }
            if !newPods.isEmpty { updated += 1 }
            if active.contains(where: { PodState.isAvailable($0, minReadySeconds: minReady, now: now) }) { available += 1 }
            slots.append(Slot(node: name, shouldRun: shouldRun, old: oldPods, new: newPods))
        }
        // Pods for nodes that no longer exist.
        for (node, list) in pods where !knownNodes.contains(node) {
            plan.delete += list.filter(PodState.isActive).map(\.name)
        }
        // Rolling update, as upstream's: only once nothing else is to be done
        // (upstream waits for the manage step's expectations first).
        if (ds.spec?.updateStrategy?.type ?? "RollingUpdate") == "RollingUpdate" && plan.createOn.isEmpty && plan.delete.isEmpty {
            rollingUpdate(ds, slots: slots.map { ($0.node, $0.shouldRun, $0.old.first, $0.new.first) }, desired: desired, now: now, into: &plan)
        }
        var st = DaemonSetStatus(currentNumberScheduled: current, numberMisscheduled: misscheduled, desiredNumberScheduled: desired,
                                 numberReady: ready)
        st.observedGeneration = ds.metadata.generation
        st.updatedNumberScheduled = updated
        st.numberAvailable = available
        st.numberUnavailable = max(desired - available, 0)
        st.collisionCount = ds.status?.collisionCount
        st.conditions = ds.status?.conditions
        plan.status = st
        return plan
    }

    /// Upstream's `rollingUpdate`: without surge, old pods are deleted while
    /// fewer than `maxUnavailable` nodes are unavailable (an unavailable old
    /// pod is replaced at once); with surge, new pods start beside old ones
    /// up to `maxSurge` not yet available (beside an unavailable old pod at
    /// once), and an old pod goes when the new one beside it is available.
    static func rollingUpdate(_ ds: DaemonSet, slots: [(node: String, shouldRun: Bool, old: Pod?, new: Pod?)], desired: Int, now: Date,
                              into plan: inout DaemonSetPlan) {
        let ru = ds.spec?.updateStrategy?.rollingUpdate
        let maxSurge = (ru?.maxSurge ?? .int(0)).scaled(total: desired, roundUp: true) ?? 0
        var maxUnavailable = (ru?.maxUnavailable ?? .int(1)).scaled(total: desired, roundUp: true) ?? 1
        if desired > 0 && maxSurge == 0 && maxUnavailable == 0 { maxUnavailable = 1 }
        let minReady = ds.spec?.minReadySeconds ?? 0
        let isAvail = { (p: Pod) in PodState.isAvailable(p, minReadySeconds: minReady, now: now) }
        if maxSurge == 0 {
            var unavailable = 0
            var replace: [String] = [], candidates: [String] = []
            for s in slots {
                switch (s.old, s.new) {
                case (nil, nil), (.some, .some): unavailable += 1
                case (nil, .some(let new)): if !isAvail(new) { unavailable += 1 }
                case (.some(let old), nil):
                    if !isAvail(old) { replace.append(old.name) } else if unavailable < maxUnavailable { candidates.append(old.name) }
                }
            }
            let remaining = min(max(maxUnavailable - unavailable, 0), candidates.count)
            plan.delete += replace + candidates.prefix(remaining)
            return
        }
        var surging = 0
        var replaceOn: [String] = [], candidates: [String] = []
        for s in slots {
            guard let old = s.old else { continue }
            if let new = s.new {
                if !isAvail(new) { surging += 1 } else { plan.delete.append(old.name) }
            } else if !isAvail(old) {
                if s.shouldRun { replaceOn.append(s.node) } else { plan.delete.append(old.name) }
            } else if surging < maxSurge {
                candidates.append(s.node)
            }
        }
        let remaining = min(max(maxSurge - surging, 0), candidates.count)
        plan.createOn += replaceOn + candidates.prefix(remaining)
    }
}
