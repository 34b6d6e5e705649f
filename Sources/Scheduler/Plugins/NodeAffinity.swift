import KubeAPI

/// `nodeSelector` and required node affinity (filter); the weights of
/// matching preferred terms (score).
public struct NodeAffinityPlugin: FilterPlugin, ScorePlugin {
    public let name = "NodeAffinity"
    public let weight: Int
    public static let reason = "node(s) didn't match Pod's node affinity/selector"
    public init(weight: Int = 2) { self.weight = weight }

    public func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        NodeSelectorMatching.podMatches(nodeSelector: pod.nodeSelector, affinity: pod.requiredNodeAffinity, labels: node.labels, nodeName: node.name)
            ? nil : FilterFailure(Self.reason)
    }

    public func score(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> Int64 {
        var s: Int64 = 0
        for t in pod.preferredNodeAffinity where t.weight != 0 {
            if NodeSelectorMatching.matches(t.preference, labels: node.labels, nodeName: node.name) { s += Int64(t.weight) }
        }
        return s
    }

    public func normalize(_ scores: inout [Int64]) { normalizeToMax(&scores, reverse: false) }

    public func skipsFilter(_ pod: PodInfo, _ state: CycleState) -> Bool { pod.nodeSelector.isEmpty && pod.requiredNodeAffinity == nil }

    /// Without preferred terms every node scores 0.
    public func skipsScore(_ pod: PodInfo, _ state: CycleState) -> Bool { !pod.preferredNodeAffinity.contains { $0.weight != 0 } }
}
