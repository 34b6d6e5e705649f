import KubeAPI

/// The pod's claims must be satisfiable on the node: a bound claim's volume
/// must be reachable from it (its node affinity), and each unbound
/// WaitForFirstConsumer claim must find an available static volume there or
/// have a class that can provision there. The claims were sorted out before
/// the nodes were visited (``CycleState/volumeClaims``); which volumes a
/// chosen node takes is decided again for that node when the pod is assumed.
public struct VolumeBindingPlugin: FilterPlugin {
    public let name = "VolumeBinding"
    public init() {}

    public func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        guard let claims = state.volumeClaims else { return nil }
        if case .fails(let f) = claims.find(on: VolumeMatching.Node(name: node.name, labels: node.labels)) { return f }
        return nil
    }

    public func skipsFilter(_ pod: PodInfo, _ state: CycleState) -> Bool { state.volumeClaims == nil }
}
