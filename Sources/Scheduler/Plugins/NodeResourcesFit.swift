/// Requests must fit into allocatable minus what the node's pods request,
/// and the node must have a free pod slot (filter). Scores prefer the node
/// with the most room left after placing the pod (LeastAllocated, cpu and
/// memory weighted equally, with kube-scheduler's non-zero defaults for
/// containers that request nothing).
public struct NodeResourcesFitPlugin: FilterPlugin, ScorePlugin {
    public let name = "NodeResourcesFit"
    public let weight: Int
    public init(weight: Int = 1) { self.weight = weight }

    public func filter(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> FilterFailure? {
        var reasons: [String] = []
        if Int64(node.podCount) + 1 > node.allocatable.pods { reasons.append("Too many pods") }
        let r = pod.requests
        let used = node.requested
        let a = node.allocatable
        if r.milliCPU > 0 && r.milliCPU > a.milliCPU - used.milliCPU { reasons.append("Insufficient cpu") }
        if r.memory > 0 && r.memory > a.memory - used.memory { reasons.append("Insufficient memory") }
        if r.ephemeralStorage > 0 && r.ephemeralStorage > a.ephemeralStorage - used.ephemeralStorage {
            reasons.append("Insufficient ephemeral-storage")
        }
        for (k, v) in r.scalar.sorted(by: { $0.key < $1.key }) where v > 0 {
            if v > (a.scalar[k] ?? 0) - (used.scalar[k] ?? 0) { reasons.append("Insufficient \(k)") }
        }
        return reasons.isEmpty ? nil : FilterFailure(reasons: reasons)
    }

    static func leastAllocated(requested: Int64, capacity: Int64) -> Int64 {
        guard capacity > 0, requested <= capacity else { return 0 }
        return (capacity - requested) * maxNodeScore / capacity
    }

    public func score(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> Int64 {
        let cpu = Self.leastAllocated(requested: node.nonZeroMilliCPU + pod.nonZeroMilliCPU, capacity: node.allocatable.milliCPU)
        let mem = Self.leastAllocated(requested: node.nonZeroMemory + pod.nonZeroMemory, capacity: node.allocatable.memory)
        return (cpu + mem) / 2
    }
}
