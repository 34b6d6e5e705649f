public import KubeAPI

/// What the scheduler knows about one node: the Node, the pods bound or
/// assumed to it, and running totals the filters and scores read.
public struct NodeInfo: Sendable {
    /// Nil while pods reference a node the cache has not seen yet.
    public private(set) var node: Node?
    public let name: String
    public private(set) var labels: [String: String] = [:]
    public private(set) var allocatable = Resources()
    /// Sum of the effective requests of the pods here.
    public private(set) var requested = Resources()
    /// CPU and memory with the non-zero defaults, for scoring.
    public private(set) var nonZeroMilliCPU: Int64 = 0
    public private(set) var nonZeroMemory: Int64 = 0
    /// NoSchedule and NoExecute taints (the filter's concern).
    public private(set) var hardTaints: [Taint] = []
    /// PreferNoSchedule taints (the score's concern).
    public private(set) var softTaints: [Taint] = []
    public private(set) var unschedulable = false
    public private(set) var pods: [String: PodInfo] = [:]
    /// Used host ports: `proto/port` → addresses (with multiplicity).
    public private(set) var usedPorts: [String: [String: Int]] = [:]
    /// Pods here per controller owner UID (default spreading).
    public private(set) var ownerCounts: [String: Int] = [:]

    public init(name: String) { self.name = name }

    /// A node with pods, for tests and snapshots.
    public init(node: Node, pods: [Pod] = []) {
        self.name = node.metadata.name ?? ""
        setNode(node)
        for p in pods { add(PodInfo(p)) }
    }

    /// Replaces the Node object.
    public mutating func setNode(_ n: Node) {
        node = n
        labels = n.metadata.labels ?? [:]
        allocatable = Resources(n.status?.allocatable ?? n.status?.capacity)
        let taints = n.spec?.taints ?? []
        hardTaints = taints.filter { $0.effect == "NoSchedule" || $0.effect == "NoExecute" }
        softTaints = taints.filter { $0.effect == "PreferNoSchedule" }
        unschedulable = n.spec?.unschedulable ?? false
    }

    /// Forgets the Node object (pods stay until removed).
    public mutating func clearNode() {
        node = nil
    }

    public var podCount: Int { pods.count }

    /// Adds a pod (replacing one with the same key).
    public mutating func add(_ p: PodInfo) {
        if pods[p.key] != nil { remove(key: p.key) }
        pods[p.key] = p
        requested.add(p.requests)
        nonZeroMilliCPU += p.nonZeroMilliCPU
        nonZeroMemory += p.nonZeroMemory
        for hp in p.hostPorts { usedPorts["\(hp.proto)/\(hp.port)", default: [:]][hp.ip, default: 0] += 1 }
        if let o = p.ownerUID { ownerCounts[o, default: 0] += 1 }
    }

    /// Removes a pod; returns it.
    @discardableResult
    public mutating func remove(key: String) -> PodInfo? {
        guard let p = pods.removeValue(forKey: key) else { return nil }
        requested.subtract(p.requests)
        nonZeroMilliCPU -= p.nonZeroMilliCPU
        nonZeroMemory -= p.nonZeroMemory
        for hp in p.hostPorts {
            let k = "\(hp.proto)/\(hp.port)"
            let n = (usedPorts[k]?[hp.ip] ?? 1) - 1
            usedPorts[k]?[hp.ip] = n > 0 ? n : nil
            if usedPorts[k]?.isEmpty == true { usedPorts[k] = nil }
        }
        if let o = p.ownerUID {
            let n = (ownerCounts[o] ?? 1) - 1
            ownerCounts[o] = n > 0 ? n : nil
        }
        return p
    }

    /// Whether a wanted host port collides with one in use here.
    public func portInUse(_ hp: HostPort) -> Bool {
        guard let used = usedPorts["\(hp.proto)/\(hp.port)"], !used.isEmpty else { return false }
        if hp.isWildcard { return true }
        return used.keys.contains { $0 == hp.ip || HostPort(proto: hp.proto, ip: $0, port: hp.port).isWildcard }
    }
}
