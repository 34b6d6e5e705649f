/// Why a node does not fit a pod, in kube-scheduler's words
/// ("Insufficient cpu", "node(s) had untolerated taint {k: v}").
public struct FilterFailure: Sendable, Hashable {
    public var reasons: [String]

    public init(_ reasons: String...) { self.reasons = reasons }
    public init(reasons: [String]) { self.reasons = reasons }
}

/// A filter: may this pod run on this node?
public protocol FilterPlugin: Sendable {
    var name: String { get }
    /// Nil when the node fits.
    func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure?
    /// True when the filter passes every node for this pod, so a scheduling
    /// attempt need not call it (kube-scheduler's PreFilter returning Skip).
    func skipsFilter(_ pod: PodInfo, _ state: CycleState) -> Bool
}

extension FilterPlugin {
    public func skipsFilter(_ pod: PodInfo, _ state: CycleState) -> Bool { false }
}

/// A score: how good is this node for this pod? Raw scores are turned into
/// 0...100 by ``normalize(_:)`` across the feasible nodes, then weighted.
public protocol ScorePlugin: Sendable {
    var name: String { get }
    var weight: Int { get }
    func score(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> Int64
    func normalize(_ scores: inout [Int64])
    /// True when the normalized score is the same on every node for this pod,
    /// so it cannot change the ranking and need not be computed
    /// (kube-scheduler's PreScore returning Skip).
    func skipsScore(_ pod: PodInfo, _ state: CycleState) -> Bool
}

extension ScorePlugin {
    public func normalize(_ scores: inout [Int64]) {}
    public func skipsScore(_ pod: PodInfo, _ state: CycleState) -> Bool { false }
}

/// Highest node score.
public let maxNodeScore: Int64 = 100

/// Scales scores so the largest becomes 100 (or reversed: the smallest).
public func normalizeToMax(_ scores: inout [Int64], reverse: Bool) {
    let m = scores.max() ?? 0
    if m == 0 {
        if reverse { for i in scores.indices { scores[i] = maxNodeScore } }
        return
    }
    for i in scores.indices {
        let s = scores[i] * maxNodeScore / m
        scores[i] = reverse ? maxNodeScore - s : s
    }
}

/// Maps scores linearly onto 0...100 (or reversed), all 100 (reversed) or 0 when equal.
public func normalizeRange(_ scores: inout [Int64], reverse: Bool) {
    guard let lo = scores.min(), let hi = scores.max() else { return }
    if hi == lo {
        for i in scores.indices { scores[i] = reverse ? maxNodeScore : 0 }
        return
    }
    for i in scores.indices {
        let s = (scores[i] - lo) * maxNodeScore / (hi - lo)
        scores[i] = reverse ? maxNodeScore - s : s
    }
}
