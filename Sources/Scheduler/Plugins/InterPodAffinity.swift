/// Required pod affinity and anti-affinity, both the incoming pod's terms and
/// placed pods' anti-affinity towards it (filter); preferred terms in both
/// directions (score). Works on the topology counts in ``CycleState``.
public struct InterPodAffinityPlugin: FilterPlugin, ScorePlugin {
    public let name = "InterPodAffinity"
    public let weight: Int
    public static let affinityReason = "node(s) didn't match pod affinity rules"
    public static let antiAffinityReason = "node(s) didn't match pod anti-affinity rules"
    public static let existingAntiAffinityReason = "node(s) didn't satisfy existing pods anti-affinity rules"
    public init(weight: Int = 2) { self.weight = weight }

    public func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        if !state.existingAntiAffinity.isEmpty {
            let labels = node.labels
            for e in state.existingAntiAffinity {
                if let v = labels[e.key], (e.counts[v] ?? 0) > 0 { return FilterFailure(Self.existingAntiAffinityReason) }
            }
        }
        for e in state.antiAffinity {
            if let v = node.labels[e.key], (e.counts[v] ?? 0) > 0 { return FilterFailure(Self.antiAffinityReason) }
        }
        if !pod.requiredAffinity.isEmpty {
            var podsExist = true
            for t in pod.requiredAffinity {
                guard let v = node.labels[t.topologyKey] else { return FilterFailure(Self.affinityReason) }
                if (state.affinityCounts[TopologyPair(t.topologyKey, v)] ?? 0) <= 0 { podsExist = false }
            }
            if !podsExist {
                // The first pod of a group that is affine to itself may go anywhere.
                let selfMatch = pod.requiredAffinity.allSatisfy { $0.matches(namespace: pod.namespace, labels: pod.labels, namespaceLabels: [:]) }
                if !(state.affinityCounts.isEmpty && selfMatch) { return FilterFailure(Self.affinityReason) }
            }
        }
        return nil
    }

    public func skipsFilter(_ pod: PodInfo, _ state: CycleState) -> Bool {
        state.existingAntiAffinity.isEmpty && pod.requiredAntiAffinity.isEmpty && pod.requiredAffinity.isEmpty
    }

    /// Without preferred terms in either direction every node scores 0.
    public func skipsScore(_ pod: PodInfo, _ state: CycleState) -> Bool { state.affinityScores.isEmpty }

    public func score(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> Int64 {
        guard !state.affinityScores.isEmpty else { return 0 }
        var s: Int64 = 0
        for (key, values) in state.affinityScores {
            if let v = node.labels[key] { s += values[v] ?? 0 }
        }
        return s
    }

    public func normalize(_ scores: inout [Int64]) {
        guard let lo = scores.min(), let hi = scores.max(), hi != lo else {
            for i in scores.indices { scores[i] = 0 }
            return
        }
        for i in scores.indices { scores[i] = (scores[i] - lo) * maxNodeScore / (hi - lo) }
    }
}
