public import KubeAPI

/// NoSchedule and NoExecute taints must be tolerated (filter); fewer
/// untolerated PreferNoSchedule taints score higher.
public struct TaintTolerationPlugin: FilterPlugin, ScorePlugin {
    public let name = "TaintToleration"
    public let weight: Int
    public init(weight: Int = 3) { self.weight = weight }

    /// Kubernetes' message for an untolerated taint.
    public static func reason(_ t: Taint) -> String { "node(s) had untolerated taint {\(t.key): \(t.value ?? "")}" }

    public func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        for t in node.hardTaints where !pod.tolerations.contains(where: { $0.tolerates(t) }) {
            return FilterFailure(Self.reason(t))
        }
        return nil
    }

    public func score(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> Int64 {
        guard !node.softTaints.isEmpty else { return 0 }
        let relevant = pod.tolerations.filter { ($0.effect ?? "").isEmpty || $0.effect == "PreferNoSchedule" }
        return Int64(node.softTaints.filter { t in !relevant.contains { $0.tolerates(t) } }.count)
    }

    public func normalize(_ scores: inout [Int64]) { normalizeToMax(&scores, reverse: true) }
}
