import KubeAPI

/// Cordoned nodes (`spec.unschedulable`) take no pods, unless they tolerate
/// `node.kubernetes.io/unschedulable:NoSchedule`.
public struct NodeUnschedulablePlugin: FilterPlugin {
    public let name = "NodeUnschedulable"
    public static let reason = "node(s) were unschedulable"
    static let taint = Taint(key: "node.kubernetes.io/unschedulable", effect: "NoSchedule")
    public init() {}

    public func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        guard node.unschedulable else { return nil }
        return pod.tolerations.contains { $0.tolerates(Self.taint) } ? nil : FilterFailure(Self.reason)
    }
}
