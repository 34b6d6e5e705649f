import Foundation

/// `topologySpreadConstraints`: DoNotSchedule constraints filter out nodes
/// whose domain would exceed maxSkew over the emptiest domain; ScheduleAnyway
/// constraints (and, for pods that declare none, spreading of a controller's
/// pods over hosts and zones) prefer nodes in domains with fewer matching pods.
public struct PodTopologySpreadPlugin: FilterPlugin, ScorePlugin {
    public let name = "PodTopologySpread"
    public let weight: Int
    public static let reason = "node(s) didn't match pod topology spread constraints"
    public static let missingLabelReason = "node(s) didn't match pod topology spread constraints (missing required label)"
    public init(weight: Int = 2) { self.weight = weight }

    public func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        for s in state.hardSpread {
            guard let v = node.labels[s.constraint.topologyKey] else { return FilterFailure(Self.missingLabelReason) }
            let count = (s.counts[v] ?? 0) + (s.selfMatch ? 1 : 0)
            if count - s.minCount > s.constraint.maxSkew { return FilterFailure(Self.reason) }
        }
        return nil
    }

    public func score(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> Int64 {
        var total = 0.0
        for s in state.softSpread {
            guard let v = node.labels[s.constraint.topologyKey] else { continue }
            total += Double(s.counts[v] ?? 0) * s.weight
        }
        if let owner = state.defaultSpreadOwner {
            total += Double(node.ownerCounts[owner] ?? 0) * 2
            if let zone = node.labels["topology.kubernetes.io/zone"] { total += Double(state.defaultSpreadZoneCounts[zone] ?? 0) }
        }
        return Int64((total * 100).rounded())
    }

    public func normalize(_ scores: inout [Int64]) { normalizeRange(&scores, reverse: true) }

    public func skipsFilter(_ pod: PodInfo, _ state: CycleState) -> Bool { state.hardSpread.isEmpty }

    /// Without soft constraints or an owner every node scores the same.
    public func skipsScore(_ pod: PodInfo, _ state: CycleState) -> Bool { state.softSpread.isEmpty && state.defaultSpreadOwner == nil }
}
