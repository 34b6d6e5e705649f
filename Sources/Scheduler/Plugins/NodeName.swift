/// A pod that names its node fits only that node.
public struct NodeNamePlugin: FilterPlugin {
    public let name = "NodeName"
    public static let reason = "node(s) didn't match the requested node name"
    public init() {}

    public func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        let wanted = pod.pod.spec?.nodeName ?? ""
        return wanted.isEmpty || wanted == node.name ? nil : FilterFailure(Self.reason)
    }

    public func skipsFilter(_ pod: PodInfo, _ state: CycleState) -> Bool { (pod.pod.spec?.nodeName ?? "").isEmpty }
}
