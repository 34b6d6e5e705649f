public import KubeAPI

/// The scheduler's view of the cluster: nodes with the pods bound to them,
/// plus pods *assumed* onto a node whose binding is still in flight, so the
/// next decision already counts them (no overcommit when decisions race the
/// API). Indexes pods by label and aggregates placed pods' affinity terms.
public struct SchedulerCache: Sendable {
    public private(set) var nodes: [String: NodeInfo] = [:]
    /// Names of nodes that have a Node object, in a stable order.
    public private(set) var nodeNames: [String] = []
    private var nodeSlot: [String: Int] = [:]
    /// Pod key → node, for bound and assumed pods.
    public private(set) var podNodes: [String: String] = [:]
    /// Pods whose binding is in flight.
    public private(set) var assumed: Set<String> = []
    /// label key → value → pod keys (bound and assumed pods).
    private var labelIndex: [String: [String: Set<String>]] = [:]
    /// Placed pods' (anti-)affinity terms.
    public private(set) var terms = AffinityTermIndex()
    /// Labels of namespaces, for namespaceSelector in affinity terms.
    public var namespaceLabels: [String: [String: String]] = [:] {
        didSet { termMatches.clear() }
    }
    /// Remembered counts of placed pods matching incoming pods' terms.
    var termMatches = TermMatchCounts()
    /// Nodes carrying the zone label (default spreading by zone is skipped without any).
    public private(set) var zonedNodes = 0
    /// Claims, volumes and classes, with the assumptions of volume bindings in flight.
    public var volumes = VolumeCache()
    /// Bound and assumed pods per claim they use (`namespace/claim`), for ReadWriteOncePod.
    public private(set) var claimUsers: [String: Int] = [:]
    /// Pending pods nominated to a node by a preemption: node → pod key → pod
    /// (see SchedulerCache+Nominated.swift).
    public internal(set) var nominated: [String: [String: PodInfo]] = [:]
    /// Pod key → the node it is nominated to.
    var nominatedNodes: [String: String] = [:]

    public static let zoneLabel = "topology.kubernetes.io/zone"

    public init() {}

    // MARK: nodes

    /// Adds or updates a node. Returns true when the change may let pending pods fit.
    @discardableResult
    public mutating func upsertNode(_ n: Node) -> Bool {
        let name = n.metadata.name ?? ""
        var info = nodes.removeValue(forKey: name) ?? NodeInfo(name: name)
        let hadNode = info.hasNode
        let oldLabels = info.labels
        let old = info.node
        if old?.metadata.labels?[Self.zoneLabel] != nil { zonedNodes -= 1 }
        if n.metadata.labels?[Self.zoneLabel] != nil { zonedNodes += 1 }
        info.setNode(n)
        if !hadNode || oldLabels != info.labels { termMatches.clear() }
        if hadNode && oldLabels != info.labels {
            for p in info.pods.values where p.hasAffinityTerms {
                terms.update(p, nodeLabels: oldLabels, sign: -1)
                terms.update(p, nodeLabels: info.labels, sign: 1)
            }
        } else if !hadNode {
            for p in info.pods.values where p.hasAffinityTerms { terms.update(p, nodeLabels: info.labels, sign: 1) }
        }
        nodes[name] = info
        if nodeSlot[name] == nil {
            nodeSlot[name] = nodeNames.count
            nodeNames.append(name)
        }
        guard let old else { return true }
        return old.metadata.labels != n.metadata.labels || old.spec?.taints != n.spec?.taints
            || old.spec?.unschedulable != n.spec?.unschedulable || old.status?.allocatable != n.status?.allocatable
    }

    /// Removes a node (its pods stay counted until they are deleted).
    public mutating func removeNode(_ name: String) {
        guard nodes[name]?.hasNode == true, var info = nodes.removeValue(forKey: name) else { return }
        if info.labels[Self.zoneLabel] != nil { zonedNodes -= 1 }
        for p in info.pods.values where p.hasAffinityTerms { terms.update(p, nodeLabels: info.labels, sign: -1) }
        info.clearNode()
        termMatches.clear()
        if info.podCount > 0 { nodes[name] = info }
        if let slot = nodeSlot.removeValue(forKey: name) {
            let last = nodeNames.removeLast()
            if last != name {
                nodeNames[slot] = last
                nodeSlot[last] = slot
            }
        }
    }

    // MARK: pods

    /// A bound or assumed pod.
    public func pod(_ key: String) -> PodInfo? {
        guard let n = podNodes[key] else { return nil }
        return nodes[n]?.pod(key)
    }

    /// Adds or updates a bound pod (`spec.nodeName` set). An assumed pod is confirmed.
    public mutating func addPod(_ p: PodInfo) {
        let node = p.nodeName
        if let current = podNodes[p.key] {
            if current == node, assumed.contains(p.key), let existing = nodes[node]?.pod(p.key),
               existing.labels == p.labels, existing.pod.spec == p.pod.spec {
                // The binding we made, seen: keep the computed info.
                assumed.remove(p.key)
                return
            }
            removePod(p.key)
        }
        place(p, on: node)
    }

    /// Removes a pod (deleted, finished, or a failed assumption).
    public mutating func removePod(_ key: String) {
        assumed.remove(key)
        guard let node = podNodes.removeValue(forKey: key), var info = nodes.removeValue(forKey: node) else { return }
        let removed = info.remove(key: key)
        if info.hasNode || info.podCount > 0 { nodes[node] = info }
        guard let p = removed else { return }
        if info.hasNode, p.hasAffinityTerms { terms.update(p, nodeLabels: info.labels, sign: -1) }
        if info.hasNode, !termMatches.isEmpty { termMatches.update(p, nodeLabels: info.labels, namespaceLabels: namespaceLabels, sign: -1) }
        for k in p.claimKeys {
            let n = (claimUsers[k] ?? 1) - 1
            claimUsers[k] = n > 0 ? n : nil
        }
        for (k, v) in p.labels {
            labelIndex[k]?[v]?.remove(key)
            if labelIndex[k]?[v]?.isEmpty == true { labelIndex[k]?[v] = nil }
        }
    }

    /// Counts a pod on a node before its binding is confirmed.
    public mutating func assume(_ p: PodInfo, on node: String) {
        var placed = p
        placed.pod.spec?.nodeName = node
        if podNodes[p.key] != nil { removePod(p.key) }
        place(placed, on: node)
        assumed.insert(p.key)
    }

    /// Undoes an assumption whose binding failed.
    public mutating func forget(_ key: String) {
        guard assumed.contains(key) else { return }
        removePod(key)
    }

    public func isAssumed(_ key: String) -> Bool { assumed.contains(key) }

    private mutating func place(_ p: PodInfo, on node: String) {
        var info = nodes.removeValue(forKey: node) ?? NodeInfo(name: node)
        info.add(p)
        if info.hasNode, p.hasAffinityTerms { terms.update(p, nodeLabels: info.labels, sign: 1) }
        if info.hasNode, !termMatches.isEmpty { termMatches.update(p, nodeLabels: info.labels, namespaceLabels: namespaceLabels, sign: 1) }
        nodes[node] = info
        podNodes[p.key] = node
        for k in p.claimKeys { claimUsers[k, default: 0] += 1 }
        for (k, v) in p.labels { labelIndex[k, default: [:]][v, default: []].insert(p.key) }
    }

    // MARK: queries

    /// Placed pods a term matches, with the labels of their nodes. Narrowed
    /// through the label index when the selector names a label value.
    public func podsMatching(_ term: AffinityTerm) -> [(pod: PodInfo, nodeLabels: [String: String])] {
        var out: [(PodInfo, [String: String])] = []
        func consider(_ key: String) {
            guard let n = podNodes[key], let info = nodes[n], info.hasNode, let p = info.pod(key) else { return }
            if term.matches(namespace: p.namespace, labels: p.labels, namespaceLabels: namespaceLabels) { out.append((p, info.labels)) }
        }
        if let hint = term.indexHint {
            for v in hint.values { for k in labelIndex[hint.key]?[v] ?? [] { consider(k) } }
        } else {
            for k in podNodes.keys { consider(k) }
        }
        return out
    }

    /// Placed pods in a namespace matching a selector, with their node names.
    public func podsMatching(namespace: String, selector: LabelRequirements) -> [(pod: PodInfo, node: String)] {
        let term = AffinityTerm(namespaces: [namespace], namespaceSelector: nil, selector: selector, topologyKey: "")
        var out: [(PodInfo, String)] = []
        func consider(_ key: String) {
            guard let n = podNodes[key], let p = nodes[n]?.pod(key) else { return }
            if term.matches(namespace: p.namespace, labels: p.labels, namespaceLabels: [:]) { out.append((p, n)) }
        }
        if let hint = term.indexHint {
            for v in hint.values { for k in labelIndex[hint.key]?[v] ?? [] { consider(k) } }
        } else {
            for k in podNodes.keys { consider(k) }
        }
        return out
    }
}
