import Foundation
import KubeAPI

/// A (topology key, value) pair such as (`kubernetes.io/hostname`, `node-1`).
public struct TopologyPair: Sendable, Hashable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// What the filters and scores of one scheduling attempt share: counts
/// computed once per pod before the nodes are visited (kube-scheduler's
/// PreFilter and PreScore).
public struct CycleState: Sendable {
    /// Pods matching all of the incoming pod's required affinity terms, per topology pair.
    public var affinityCounts: [TopologyPair: Int] = [:]
    /// Pods matching each of the incoming pod's required anti-affinity terms
    /// (in the pod's order), per value of the term's topology key.
    public var antiAffinity: [TopologyCounts] = []
    /// Placed pods whose required anti-affinity matches the incoming pod: one
    /// entry per distinct term, its pods per value of its topology key (shared
    /// with the cache's term index, not copied).
    public var existingAntiAffinity: [TopologyCounts] = []
    /// Preferred (anti-)affinity, both directions, as a score per topology pair.
    public var affinityScores: [String: [String: Int64]] = [:]
    /// Hard spread constraints: matching pods per domain and the smallest domain count.
    public var hardSpread: [SpreadCounts] = []
    /// Soft spread constraints (or the system default by owner).
    public var softSpread: [SpreadCounts] = []
    /// Default spreading by controller owner (when the pod declares no constraints).
    public var defaultSpreadOwner: String?
    /// Owner's pods per zone, for default spreading across zones.
    public var defaultSpreadZoneCounts: [String: Int] = [:]
    /// The pod's claims as VolumeBinding's PreFilter sorted them out (nil: the pod uses no claims).
    public var volumeClaims: PodVolumeClaims?
    /// Why the pod fits no node, whatever the node (a PreFilter's UnschedulableAndUnresolvable).
    public var preFilterFailure: String?
    /// Another pod already uses one of the pod's ReadWriteOncePod claims (VolumeRestrictions' PreFilter).
    public var readWriteOncePodConflict = false

    public init() {}

    /// Pods per value of one topology key.
    public struct TopologyCounts: Sendable {
        public var key: String
        public var counts: [String: Int]
    }

    /// Counts for one spread constraint.
    public struct SpreadCounts: Sendable {
        public var constraint: SpreadConstraint
        public var counts: [String: Int]
        public var minCount: Int
        public var selfMatch: Bool
        public var weight: Double
    }

    /// Computes what the plugins need for `pod` over `cache`.
    public static func prepare(_ pod: PodInfo, _ cache: SchedulerCache) -> CycleState {
        var s = CycleState()
        s.prepareVolumes(pod, cache)
        if s.preFilterFailure != nil { return s }
        s.prepareInterPodAffinity(pod, cache)
        s.prepareSpread(pod, cache)
        return s
    }

    /// VolumeRestrictions' PreFilter (ReadWriteOncePod claims in use), then VolumeBinding's.
    mutating func prepareVolumes(_ pod: PodInfo, _ cache: SchedulerCache) {
        guard !pod.claims.isEmpty else { return }
        for key in pod.claimKeys where (cache.claimUsers[key] ?? 0) > 0 {
            if cache.volumes.claims[key]?.spec?.accessModes?.contains("ReadWriteOncePod") == true { readWriteOncePodConflict = true }
        }
        switch PodVolumeClaims.prepare(pod, cache.volumes) {
        case .success(let claims): volumeClaims = claims
        case .failure(let f): preFilterFailure = f.message
        case nil: break
        }
    }

    mutating func prepareInterPodAffinity(_ pod: PodInfo, _ cache: SchedulerCache) {
        let nsLabels = cache.namespaceLabels
        // Placed pods' required anti-affinity against the incoming pod.
        if !cache.terms.isEmpty {
            for e in cache.terms.entries(.requiredAntiAffinity)
            where e.term.matches(namespace: pod.namespace, labels: pod.labels, namespaceLabels: nsLabels) {
                existingAntiAffinity.append(TopologyCounts(key: e.term.topologyKey, counts: e.counts))
            }
            // Placed pods' preferred terms (and required affinity, weight 1) towards the incoming pod.
            for e in cache.terms.entries(.preferredAffinity) + cache.terms.entries(.requiredAffinity)
            where e.term.matches(namespace: pod.namespace, labels: pod.labels, namespaceLabels: nsLabels) {
                for (v, n) in e.counts { affinityScores[e.term.topologyKey, default: [:]][v, default: 0] += Int64(e.weight * n) }
            }
            for e in cache.terms.entries(.preferredAntiAffinity)
            where e.term.matches(namespace: pod.namespace, labels: pod.labels, namespaceLabels: nsLabels) {
                for (v, n) in e.counts { affinityScores[e.term.topologyKey, default: [:]][v, default: 0] -= Int64(e.weight * n) }
            }
        }
        // The incoming pod's required terms against placed pods.
        if !pod.requiredAffinity.isEmpty, let first = pod.requiredAffinity.first {
            for (p, labels) in cache.podsMatching(first)
            where pod.requiredAffinity.dropFirst().allSatisfy({ $0.matches(namespace: p.namespace, labels: p.labels, namespaceLabels: nsLabels) }) {
                for t in pod.requiredAffinity {
                    if let v = labels[t.topologyKey] { affinityCounts[TopologyPair(t.topologyKey, v), default: 0] += 1 }
                }
            }
        }
        for t in pod.requiredAntiAffinity {
            antiAffinity.append(TopologyCounts(key: t.topologyKey, counts: cache.matchCounts(t)))
        }
        for w in pod.preferredAffinity {
            for (v, n) in cache.matchCounts(w.term) { affinityScores[w.term.topologyKey, default: [:]][v, default: 0] += Int64(w.weight * n) }
        }
        for w in pod.preferredAntiAffinity {
            for (v, n) in cache.matchCounts(w.term) { affinityScores[w.term.topologyKey, default: [:]][v, default: 0] -= Int64(w.weight * n) }
        }
    }

    mutating func prepareSpread(_ pod: PodInfo, _ cache: SchedulerCache) {
        if pod.spreadConstraints.isEmpty {
            guard let owner = pod.ownerUID else { return }
            defaultSpreadOwner = owner
            if cache.zonedNodes > 0 {
                for name in cache.nodeNames {
                    guard let info = cache.nodes[name], let zone = info.labels[SchedulerCache.zoneLabel] else { continue }
                    defaultSpreadZoneCounts[zone, default: 0] += info.ownerCounts[owner] ?? 0
                }
            }
            return
        }
        for c in pod.spreadConstraints {
            // Nodes that count: they carry the key and (by policy) match the pod's node affinity and tolerate its taints.
            var counts: [String: Int] = [:]
            var eligible: Set<String> = []
            for name in cache.nodeNames {
                guard let info = cache.nodes[name], let v = info.labels[c.topologyKey] else { continue }
                if c.honorNodeAffinity && !NodeSelectorMatching.podMatches(nodeSelector: pod.nodeSelector, affinity: pod.requiredNodeAffinity,
                                                                           labels: info.labels, nodeName: name) { continue }
                if c.honorNodeTaints && info.hardTaints.contains(where: { t in !pod.tolerations.contains { $0.tolerates(t) } }) { continue }
                eligible.insert(name)
                if counts[v] == nil { counts[v] = 0 }
            }
            for (p, node) in cache.podsMatching(namespace: pod.namespace, selector: c.selector) where eligible.contains(node) {
                guard p.pod.metadata.deletionTimestamp == nil, let v = cache.nodes[node]?.labels[c.topologyKey] else { continue }
                counts[v, default: 0] += 1
            }
            var minCount = counts.values.min() ?? 0
            if counts.count < c.minDomains { minCount = 0 }
            let entry = SpreadCounts(constraint: c, counts: counts, minCount: minCount, selfMatch: c.selector.matches(pod.labels),
                                     weight: log(Double(counts.count + 2)))
            if c.hard { hardSpread.append(entry) } else { softSpread.append(entry) }
        }
    }
}
