/// Placed pods matching given affinity terms, counted per value of each
/// term's topology key, and kept current as pods are placed and removed.
///
/// The incoming pods of a workload carry the same terms, so instead of
/// scanning every matching placed pod for each of them (kube-scheduler's
/// PreFilter does that scan), the cache remembers the counts of the terms
/// seen recently and adjusts them as pods come and go. Any change of node or
/// namespace labels clears them; they are computed again on demand.
struct TermMatchCounts: Sendable {
    /// Term → topology value → matching placed pods (nodes with a Node object only).
    private(set) var counts: [AffinityTerm: [String: Int]] = [:]
    /// Terms remembered at most; past that everything is forgotten and rebuilt.
    static let capacity = 64

    var isEmpty: Bool { counts.isEmpty }

    mutating func clear() { counts.removeAll() }

    /// Starts tracking a term with counts computed by a scan.
    mutating func track(_ term: AffinityTerm, _ initial: [String: Int]) {
        if counts.count >= Self.capacity { counts.removeAll() }
        counts[term] = initial
    }

    /// A pod placed (`sign` 1) or removed (-1) on a node with `nodeLabels`.
    mutating func update(_ p: PodInfo, nodeLabels: [String: String], namespaceLabels: [String: [String: String]], sign: Int) {
        // The matching terms first: mutating `counts` while iterating it would copy every count.
        let matching = counts.keys.filter { $0.matches(namespace: p.namespace, labels: p.labels, namespaceLabels: namespaceLabels) }
        for term in matching {
            guard let v = nodeLabels[term.topologyKey] else { continue }
            let n = (counts[term]?[v] ?? 0) + sign
            counts[term]?[v] = n > 0 ? n : nil
        }
    }
}

extension SchedulerCache {
    /// Placed pods matching `term` per value of its topology key: remembered
    /// counts when ``trackMatches(of:)`` was called for the term, else a scan.
    public func matchCounts(_ term: AffinityTerm) -> [String: Int] {
        if let known = termMatches.counts[term] { return known }
        return scanMatchCounts(term)
    }

    func scanMatchCounts(_ term: AffinityTerm) -> [String: Int] {
        var out: [String: Int] = [:]
        for (_, labels) in podsMatching(term) {
            if let v = labels[term.topologyKey] { out[v, default: 0] += 1 }
        }
        return out
    }

    /// Remembers (and from now on maintains) the counts of the pod's
    /// anti-affinity and preferred terms, so scheduling it and its siblings
    /// reads them instead of scanning placed pods.
    public mutating func trackMatches(of pod: PodInfo) {
        for t in pod.requiredAntiAffinity { track(t) }
        for w in pod.preferredAffinity { track(w.term) }
        for w in pod.preferredAntiAffinity { track(w.term) }
    }

    private mutating func track(_ t: AffinityTerm) {
        guard termMatches.counts[t] == nil else { return }
        termMatches.track(t, scanMatchCounts(t))
    }
}
