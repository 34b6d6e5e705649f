/// Host ports may not collide with those of pods already on the node (same
/// protocol and port, and the same address or a wildcard on either side).
public struct NodePortsPlugin: FilterPlugin {
    public let name = "NodePorts"
    public static let reason = "node(s) didn't have free ports for the requested pod ports"
    public init() {}

    public func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        for hp in pod.hostPorts where node.portInUse(hp) { return FilterFailure(Self.reason) }
        return nil
    }

    public func skipsFilter(_ pod: PodInfo, _ state: CycleState) -> Bool { pod.hostPorts.isEmpty }
}
