public import KubeAPI

/// What the scheduler knows about one node: the Node, the pods bound or
/// assumed to it, and running totals the filters and scores read.
///
/// A value type whose fields live in one copy-on-write box: the scheduling
/// loop reads hundreds of these per pod, and a copy costs one reference
/// count instead of one per field (the Node object alone has dozens).
public struct NodeInfo: Sendable {
    /// The fields; shared between copies until one of them is mutated.
    final class Storage: @unchecked Sendable {
        // Mutated only through `NodeInfo.mutable`, i.e. when uniquely referenced.
        var node: Node?
        /// `node != nil`, kept apart: testing the optional copies the whole Node.
        var hasNode = false
        let name: String
        var labels: [String: String] = [:]
        var allocatable = Resources()
        var requested = Resources()
        var nonZeroMilliCPU: Int64 = 0
        var nonZeroMemory: Int64 = 0
        var hardTaints: [Taint] = []
        var softTaints: [Taint] = []
        var unschedulable = false
        var pods: [String: PodInfo] = [:]
        var usedPorts: [String: [String: Int]] = [:]
        var ownerCounts: [String: Int] = [:]

        init(name: String) { self.name = name }

        func copy() -> Storage {
            let c = Storage(name: name)
            c.node = node
            c.hasNode = hasNode
            c.labels = labels
            c.allocatable = allocatable
            c.requested = requested
            c.nonZeroMilliCPU = nonZeroMilliCPU
            c.nonZeroMemory = nonZeroMemory
            c.hardTaints = hardTaints
            c.softTaints = softTaints
            c.unschedulable = unschedulable
            c.pods = pods
            c.usedPorts = usedPorts
            c.ownerCounts = ownerCounts
            return c
        }
    }

    private var storage: Storage

    /// The box, copied first when another NodeInfo shares it.
    private var mutable: Storage {
        mutating get {
            if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
            return storage
        }
    }

    /// Nil while pods reference a node the cache has not seen yet.
    public var node: Node? { storage.node }
    public var name: String { storage.name }
    public var labels: [String: String] { storage.labels }
    public var allocatable: Resources { storage.allocatable }
    /// Sum of the effective requests of the pods here.
    public var requested: Resources { storage.requested }
    /// CPU and memory with the non-zero defaults, for scoring.
    public var nonZeroMilliCPU: Int64 { storage.nonZeroMilliCPU }
    public var nonZeroMemory: Int64 { storage.nonZeroMemory }
    /// NoSchedule and NoExecute taints (the filter's concern).
    public var hardTaints: [Taint] { storage.hardTaints }
    /// PreferNoSchedule taints (the score's concern).
    public var softTaints: [Taint] { storage.softTaints }
    public var unschedulable: Bool { storage.unschedulable }
    public var pods: [String: PodInfo] { storage.pods }
    /// Used host ports: `proto/port` → addresses (with multiplicity).
    public var usedPorts: [String: [String: Int]] { storage.usedPorts }
    /// Pods here per controller owner UID (default spreading).
    public var ownerCounts: [String: Int] { storage.ownerCounts }
    /// True when a Node object is known.
    public var hasNode: Bool { storage.hasNode }

    public init(name: String) { storage = Storage(name: name) }

    /// A node with pods, for tests and snapshots.
    public init(node: Node, pods: [Pod] = []) {
        storage = Storage(name: node.metadata.name ?? "")
        setNode(node)
        for p in pods { add(PodInfo(p)) }
    }

    /// Replaces the Node object.
    public mutating func setNode(_ n: Node) {
        let s = mutable
        s.node = n
        s.hasNode = true
        s.labels = n.metadata.labels ?? [:]
        s.allocatable = Resources(n.status?.allocatable ?? n.status?.capacity)
        let taints = n.spec?.taints ?? []
        s.hardTaints = taints.filter { $0.effect == "NoSchedule" || $0.effect == "NoExecute" }
        s.softTaints = taints.filter { $0.effect == "PreferNoSchedule" }
        s.unschedulable = n.spec?.unschedulable ?? false
    }

    /// Forgets the Node object (pods stay until removed).
    public mutating func clearNode() {
        let s = mutable
        s.node = nil
        s.hasNode = false
    }

    public var podCount: Int { storage.pods.count }

    /// The pod with this key, if it is here.
    public func pod(_ key: String) -> PodInfo? { storage.pods[key] }

    /// Adds a pod (replacing one with the same key).
    public mutating func add(_ p: PodInfo) {
        if storage.pods[p.key] != nil { remove(key: p.key) }
        let s = mutable
        s.pods[p.key] = p
        s.requested.add(p.requests)
        s.nonZeroMilliCPU += p.nonZeroMilliCPU
        s.nonZeroMemory += p.nonZeroMemory
        for hp in p.hostPorts { s.usedPorts["\(hp.proto)/\(hp.port)", default: [:]][hp.ip, default: 0] += 1 }
        if let o = p.ownerUID { s.ownerCounts[o, default: 0] += 1 }
    }

    /// Removes a pod; returns it.
    @discardableResult
    public mutating func remove(key: String) -> PodInfo? {
        guard storage.pods[key] != nil else { return nil }
        let s = mutable
        guard let p = s.pods.removeValue(forKey: key) else { return nil }
        s.requested.subtract(p.requests)
        s.nonZeroMilliCPU -= p.nonZeroMilliCPU
        s.nonZeroMemory -= p.nonZeroMemory
        for hp in p.hostPorts {
            let k = "\(hp.proto)/\(hp.port)"
            let n = (s.usedPorts[k]?[hp.ip] ?? 1) - 1
            s.usedPorts[k]?[hp.ip] = n > 0 ? n : nil
            if s.usedPorts[k]?.isEmpty == true { s.usedPorts[k] = nil }
        }
        if let o = p.ownerUID {
            let n = (s.ownerCounts[o] ?? 1) - 1
            s.ownerCounts[o] = n > 0 ? n : nil
        }
        return p
    }

    /// Whether a wanted host port collides with one in use here.
    public func portInUse(_ hp: HostPort) -> Bool {
        guard let used = storage.usedPorts["\(hp.proto)/\(hp.port)"], !used.isEmpty else { return false }
        if hp.isWildcard { return true }
        return used.keys.contains { $0 == hp.ip || HostPort(proto: hp.proto, ip: $0, port: hp.port).isWildcard }
    }
}
