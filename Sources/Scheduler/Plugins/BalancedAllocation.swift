/// Prefers nodes whose cpu and memory would be used in similar proportions
/// after placing the pod: score = (1 - |cpu fraction - memory fraction| / 2) × 100.
public struct BalancedAllocationPlugin: ScorePlugin {
    public let name = "NodeResourcesBalancedAllocation"
    public let weight: Int
    public init(weight: Int = 1) { self.weight = weight }

    public func score(_ pod: PodInfo, _ node: NodeInfo, _ state: CycleState) -> Int64 {
        let a = node.allocatable
        guard a.milliCPU > 0, a.memory > 0 else { return 0 }
        let cpu = min(1.0, Double(node.nonZeroMilliCPU + pod.nonZeroMilliCPU) / Double(a.milliCPU))
        let mem = min(1.0, Double(node.nonZeroMemory + pod.nonZeroMemory) / Double(a.memory))
        let std = abs(cpu - mem) / 2
        return Int64((1 - std) * Double(maxNodeScore))
    }
}
