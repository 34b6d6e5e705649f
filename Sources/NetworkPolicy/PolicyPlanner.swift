public import KubeAPI

/// One element of the table's sets: an address (`proto` and `port` 0), or
/// an address, protocol and port (the named-port sets).
public struct SetElement: Sendable, Hashable, Comparable {
    public var ip: UInt32
    public var proto: UInt8
    public var port: UInt16
    public init(ip: UInt32, proto: UInt8 = 0, port: UInt16 = 0) {
        self.ip = ip
        self.proto = proto
        self.port = port
    }
    public static func < (a: SetElement, b: SetElement) -> Bool { (a.ip, a.proto, a.port) < (b.ip, b.proto, b.port) }
}

/// What the table's sets hold, kept up to date incrementally as pods,
/// namespaces and policies come and go: per policy the pods of this node it
/// selects and each rule's peer pods; per named port the pods that have it;
/// the pods isolated for ingress and for egress. Every change names the sets
/// it touched (``takeDirty()``), so a sync rewrites only their elements.
///
/// Upstream's semantics: a pod selected by a policy of a type is isolated
/// for that type; an empty `podSelector` selects every pod of the policy's
/// namespace; a peer's `namespaceSelector` and `podSelector` both must match;
/// a peer with only a `podSelector` means pods of the policy's namespace.
public struct PolicyPlanner: Sendable {
    /// The node whose pods are enforced; nil: every node (the cluster's view, for tracing).
    public let nodeName: String?
    public private(set) var pods: [ObjectRef: PodInfo] = [:]
    public private(set) var namespaces: [String: [String: String]] = [:]
    public private(set) var policies: [ObjectRef: CompiledPolicy] = [:]
    /// Named ports in use, with how many policies name each.
    public private(set) var namedPorts: [NamedPortKey: Int] = [:]
    /// Set name → element → how many reasons it is there (two pods may share an address for a while).
    public private(set) var sets: [String: [SetElement: Int]] = [:]
    /// Sets whose elements changed since the last ``takeDirty()``.
    public private(set) var dirty: Set<String> = []
    /// Per set, the elements that came or went (their count crossed zero)
    /// since the last ``takeDirty()``: a sync checks only these.
    public private(set) var touched: [String: Set<SetElement>] = [:]
    /// Sets made since the last ``takeChanges()`` (not remade after a
    /// removal): a sync writes them whole, so their elements are not tracked.
    var fresh: Set<String> = []
    /// Sets removed since the last ``takeChanges()``.
    var removedSets: Set<String> = []
    /// Bumped when policies change (the chains must be rebuilt).
    public private(set) var policyGeneration = 0
    var podsByNamespace: [String: Set<ObjectRef>] = [:]

    public static let ingressIsolated = "ingress-isolated"
    public static let egressIsolated = "egress-isolated"

    public init(nodeName: String?) {
        self.nodeName = nodeName
        sets[Self.ingressIsolated] = [:]
        sets[Self.egressIsolated] = [:]
    }

    /// The elements of a set.
    public func elements(_ set: String) -> Set<SetElement> { Set(sets[set].map { Array($0.keys) } ?? []) }

    /// The sets touched since the last call, and forgets them.
    @discardableResult
    public mutating func takeDirty() -> Set<String> { takeChanges().sets }

    /// The sets and their elements touched since the last ``takeDirty()``, and forgets them.
    public mutating func takeChanges() -> (sets: Set<String>, elements: [String: Set<SetElement>]) {
        defer {
            dirty = []
            touched = [:]
            fresh = []
            removedSets = []
        }
        return (dirty, touched)
    }

    /// Makes an empty set (a new policy's, a named port's).
    mutating func create(_ name: String) {
        sets[name] = [:]
        dirty.insert(name)
        if !removedSets.contains(name) { fresh.insert(name) }
    }

    /// Drops a set (a deleted policy's, a named port no policy names any more).
    mutating func drop(_ name: String) {
        sets[name] = nil
        dirty.insert(name)
        fresh.remove(name)
        removedSets.insert(name)
        touched[name] = nil
    }

    /// Every set the chains use, by name, with whether its key has a port.
    public var setNames: [String: Bool] {
        var out: [String: Bool] = [Self.ingressIsolated: false, Self.egressIsolated: false]
        for p in policies.values {
            out[p.targetSet] = false
            for r in p.rules where !r.selectorPeers.isEmpty { out[p.peerSet(r)] = false }
        }
        for k in namedPorts.keys { out[k.set] = true }
        return out
    }

    // MARK: - Changes

    public mutating func update(pod: PodInfo) {
        if let old = pods[pod.key] {
            if old == pod { return }
            remove(podAt: old.key)
        }
        pods[pod.key] = pod
        podsByNamespace[pod.namespace, default: []].insert(pod.key)
        place(pod, count: 1)
    }

    public mutating func remove(pod key: ObjectRef) { remove(podAt: key) }

    mutating func remove(podAt key: ObjectRef) {
        guard let old = pods.removeValue(forKey: key) else { return }
        podsByNamespace[old.namespace]?.remove(key)
        place(old, count: -1)
    }

    /// A namespace's labels: only its own pods' places in peer sets with a namespace selector change.
    public mutating func update(namespace name: String, labels: [String: String]) {
        if namespaces[name] == labels { return }
        let affected = policies.values.filter { p in p.rules.contains { r in r.selectorPeers.contains { $0.namespaceSelector != nil } } }
        for p in affected { placePeers(p, count: -1, in: name) }
        namespaces[name] = labels
        for p in affected { placePeers(p, count: 1, in: name) }
    }

    public mutating func remove(namespace name: String) {
        guard namespaces[name] != nil else { return }
        let affected = policies.values.filter { p in p.rules.contains { r in r.selectorPeers.contains { $0.namespaceSelector != nil } } }
        for p in affected { placePeers(p, count: -1, in: name) }
        namespaces[name] = nil
        for p in affected { placePeers(p, count: 1, in: name) }
    }

    public mutating func update(policy: NetworkPolicy) {
        let compiled = CompiledPolicy(policy)
        if policies[compiled.ref] == compiled { return }
        remove(policyAt: compiled.ref)
        policies[compiled.ref] = compiled
        policyGeneration += 1
        for k in compiled.namedPorts {
            namedPorts[k, default: 0] += 1
            if namedPorts[k] == 1 { fillNamedPort(k) }
        }
        placeTargets(compiled, count: 1)
        placePeers(compiled, count: 1)
    }

    public mutating func remove(policy ref: ObjectRef) { remove(policyAt: ref) }

    mutating func remove(policyAt ref: ObjectRef) {
        guard let old = policies[ref] else { return }
        placeTargets(old, count: -1)
        placePeers(old, count: -1)
        policies[ref] = nil
        policyGeneration += 1
        for k in old.namedPorts {
            namedPorts[k, default: 0] -= 1
            if namedPorts[k] == 0 {
                namedPorts[k] = nil
                drop(k.set)
            }
        }
        for name in [old.targetSet] + old.rules.filter({ !$0.selectorPeers.isEmpty }).map(old.peerSet) { drop(name) }
    }

    // MARK: - Membership

    mutating func bump(_ set: String, _ e: SetElement, _ count: Int) {
        // In place: a copy of the set per element would make full syncs quadratic.
        let was = sets[set, default: [:]][e, default: 0]
        let n = was + count
        if n > 0 { sets[set, default: [:]][e] = n } else { sets[set]?[e] = nil }
        if (was > 0) != (n > 0), !fresh.contains(set) {
            dirty.insert(set)
            touched[set, default: []].insert(e)
        }
    }

    func isLocal(_ pod: PodInfo) -> Bool { nodeName.map { pod.node == $0 } ?? true }

    /// Adds (count 1) or removes (-1) one pod everywhere it belongs.
    mutating func place(_ pod: PodInfo, count: Int) {
        let local = isLocal(pod)
        let nsLabels = namespaces[pod.namespace] ?? [:]
        for p in policies.values {
            if local && p.selects(pod) { placeTarget(p, pod, count) }
            for r in p.rules where r.selectorPeers.contains(where: { $0.matches(pod, namespaceLabels: nsLabels, policyNamespace: p.ref.namespace) }) {
                bump(p.peerSet(r), SetElement(ip: pod.ip), count)
            }
        }
        for port in pod.namedPorts {
            let k = NamedPortKey(proto: Proto(rawValue: port.proto) ?? .tcp, name: port.name)
            if namedPorts[k] != nil { bump(k.set, SetElement(ip: pod.ip, proto: port.proto, port: port.port), count) }
        }
    }

    mutating func placeTarget(_ p: CompiledPolicy, _ pod: PodInfo, _ count: Int) {
        let e = SetElement(ip: pod.ip)
        bump(p.targetSet, e, count)
        if p.ingress { bump(Self.ingressIsolated, e, count) }
        if p.egress { bump(Self.egressIsolated, e, count) }
    }

    mutating func placeTargets(_ p: CompiledPolicy, count: Int) {
        if count > 0 && sets[p.targetSet] == nil { create(p.targetSet) }
        for key in podsByNamespace[p.ref.namespace] ?? [] {
            guard let pod = pods[key], isLocal(pod), p.selects(pod) else { continue }
            placeTarget(p, pod, count)
        }
    }

    /// Adds (1) or removes (-1) the peer pods of a policy's rules: of every
    /// namespace, or of one (`in`) when only its labels changed.
    mutating func placePeers(_ p: CompiledPolicy, count: Int, in only: String? = nil) {
        for r in p.rules where !r.selectorPeers.isEmpty {
            let name = p.peerSet(r)
            if count > 0 && sets[name] == nil { create(name) }
            // Namespaces first: a peer that does not match a namespace skips all its pods.
            var candidates = r.selectorPeers.contains(where: { $0.namespaceSelector != nil }) ? Array(podsByNamespace.keys) : [p.ref.namespace]
            if let only { candidates = candidates.filter { $0 == only } }
            for ns in candidates {
                let nsLabels = namespaces[ns] ?? [:]
                let peers = r.selectorPeers.filter { peer in
                    if let selector = peer.namespaceSelector { return selector.matches(nsLabels) }
                    return ns == p.ref.namespace
                }
                if peers.isEmpty { continue }
                let everyPod = peers.contains { $0.podSelector == nil }
                for key in podsByNamespace[ns] ?? [] {
                    guard let pod = pods[key], everyPod || peers.contains(where: { $0.podSelector?.matches(pod.labels) ?? true }) else { continue }
                    bump(name, SetElement(ip: pod.ip), count)
                }
            }
        }
    }

    mutating func fillNamedPort(_ k: NamedPortKey) {
        create(k.set)
        for pod in pods.values {
            for port in pod.namedPorts where port.name == k.name && port.proto == k.proto.rawValue {
                bump(k.set, SetElement(ip: pod.ip, proto: port.proto, port: port.port), 1)
            }
        }
    }

    // MARK: - Questions

    /// The policies that select a pod, and for which types.
    public func policies(selecting pod: PodInfo) -> [CompiledPolicy] {
        policies.values.filter { $0.selects(pod) }.sorted { $0.ref < $1.ref }
    }

    /// The pod with this address, if any.
    public func pod(ip: UInt32) -> PodInfo? {
        pods.values.filter { $0.ip == ip }.min { $0.key < $1.key }
    }
}
