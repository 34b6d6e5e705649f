import Foundation
import KubeAPI
import ControllerRuntime

extension Scheduler {
    /// PostFilter's DefaultPreemption for a pod that fits nowhere: the node
    /// where evicting lower-priority pods helps most (``Preemption``), or nil.
    /// Runs under the core lock, on the cache the failed decision saw.
    func preemptionCandidate(_ info: PodInfo, cache: SchedulerCache, algorithm: ScheduleAlgorithm) -> PreemptionCandidate? {
        let pod = info.pod
        let nominated = pod.status?.nominatedNodeName ?? ""
        let onNominated = nominated.isEmpty ? [] : pods.list().filter { $0.spec?.nodeName == nominated }
        guard Preemption.eligible(pod, nominatedNodePods: onNominated) else { return nil }
        let state = CycleState.prepare(info, cache)
        if state.preFilterFailure != nil { return nil }
        let filters = algorithm.filters.filter { !$0.skipsFilter(info, state) }
        let budgets = pdbs.list()
        var candidates: [PreemptionCandidate] = []
        // With affinity or spreading in play, other pods count: the cycle state is
        // prepared again without the pods taken off the node (upstream's RemovePod).
        let countsOtherPods = !state.affinityCounts.isEmpty || !state.antiAffinity.isEmpty || !state.existingAntiAffinity.isEmpty
            || !state.hardSpread.isEmpty
        for name in cache.nodeNames {
            guard let node = cache.node(name, for: info), node.hasNode else { continue }
            if let c = Preemption.selectVictims(for: pod, on: node, budgets: budgets, fits: { n in
                guard countsOtherPods, let placed = cache.nodes[name] else { return ScheduleAlgorithm.firstFailure(filters, info, n, state) == nil }
                var without = cache
                for key in placed.pods.keys where n.pod(key) == nil { without.removePod(key) }
                let trimmedState = CycleState.prepare(info, without)
                return trimmedState.preFilterFailure == nil && ScheduleAlgorithm.firstFailure(filters, info, n, trimmedState) == nil
            }) {
                candidates.append(c)
            }
        }
        guard var chosen = Preemption.pickNode(candidates) else { return nil }
        let priority = Preemption.priority(pod)
        chosen.lowerNominated = (cache.nominated[chosen.node] ?? [:]).values.map(\.pod)
            .filter { Preemption.priority($0) < priority && $0.metadata.uid != pod.metadata.uid }
        return chosen
    }

    /// Upstream's prepareCandidate: each victim gets the `DisruptionTarget`
    /// condition (PreemptionByScheduler) and is deleted gracefully, with a
    /// `Preempted` event; the preemptor's `status.nominatedNodeName` is set
    /// by ``reportUnschedulable(_:_:nominatedNode:)``.
    func preempt(for pod: Pod, _ candidate: PreemptionCandidate) async {
        // Upstream's prepareCandidate: lower-priority pods lose their nomination to the node.
        for p in candidate.lowerNominated {
            do {
                _ = try await client.patch(Pod.self, namespace: p.metadata.namespace, name: p.metadata.name ?? "", patchType: .merge,
                                           body: ["status": ["nominatedNodeName": .null]], subresource: "status")
            } catch {
                if !error.isNotFound { logger.debug("clearing the nomination of \(p.metadata.name ?? ""): \(error)") }
            }
        }
        var condition = Preemption.disruptionTarget(schedulerName: configuration.schedulerName)
        condition.lastTransitionTime = Timestamp()
        let conditionJSON = KubeCodec.encode(condition)
        for victim in candidate.victims {
            let ns = victim.metadata.namespace, name = victim.metadata.name ?? ""
            do {
                _ = try await client.patch(Pod.self, namespace: ns, name: name, patchType: .strategic,
                                           body: ["status": ["conditions": [conditionJSON]]], subresource: "status")
                try await client.delete(Pod.self, namespace: ns, name: name, options: .preconditioned(uid: victim.metadata.uid))
            } catch {
                if !error.isNotFound { logger.warning("preempting \(ns ?? "")/\(name) for \(pod.metadata.name ?? ""): \(error)") }
                continue
            }
            metrics.preempted()
            events.record(victim, .normal, reason: "Preempted", message: "Preempted by pod \(pod.metadata.uid ?? "") on node \(candidate.node)")
        }
    }
}
