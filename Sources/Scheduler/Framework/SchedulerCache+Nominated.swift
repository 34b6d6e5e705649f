extension SchedulerCache {
    /// Records (or, with nil or "", clears) the node a pending pod is
    /// nominated to, as upstream's nominator does from
    /// `status.nominatedNodeName` and from its own preemptions.
    public mutating func nominate(_ p: PodInfo, node: String?) {
        clearNomination(p.key)
        guard let node, !node.isEmpty else { return }
        nominatedNodes[p.key] = node
        nominated[node, default: [:]][p.key] = p
    }

    /// Forgets a pod's nomination (it was bound, deleted or finished).
    public mutating func clearNomination(_ key: String) {
        guard let old = nominatedNodes.removeValue(forKey: key) else { return }
        nominated[old]?[key] = nil
        if nominated[old]?.isEmpty == true { nominated[old] = nil }
    }

    /// The node as `pod` must see it: with the pods of at least its priority
    /// nominated there (so a lower-priority pod does not take the room a
    /// preemption freed), as upstream's addNominatedPods.
    public func node(_ name: String, for pod: PodInfo) -> NodeInfo? {
        guard var info = nodes[name] else { return nil }
        guard let waiting = nominated[name] else { return info }
        let priority = pod.pod.spec?.priority ?? 0
        for (key, p) in waiting where key != pod.key && (p.pod.spec?.priority ?? 0) >= priority && info.pod(key) == nil {
            info.add(p)
        }
        return info
    }
}
