/// The (anti-)affinity terms of the pods already placed, merged: identical
/// terms of many pods (a Deployment's replicas) become one entry with a count
/// of pods per topology value. The scheduler then checks an incoming pod
/// against each distinct term once, instead of against every placed pod.
public struct AffinityTermIndex: Sendable {
    public enum Kind: Sendable, Hashable {
        case requiredAffinity, requiredAntiAffinity, preferredAffinity, preferredAntiAffinity
    }

    struct Key: Hashable, Sendable {
        var kind: Kind
        var weight: Int
        var term: AffinityTerm
    }

    /// One distinct term and where the pods carrying it are.
    public struct Entry: Sendable {
        public var kind: Kind
        public var weight: Int
        public var term: AffinityTerm
        /// Topology value (of `term.topologyKey` on the pod's node) → pods with the term.
        public var counts: [String: Int]
        var total: Int
    }

    private(set) var entries: [Key: Entry] = [:]

    public init() {}

    /// Distinct terms of one kind.
    public func entries(_ kind: Kind) -> [Entry] { entries.values.filter { $0.kind == kind } }

    public var isEmpty: Bool { entries.isEmpty }

    /// Adds (`sign` 1) or removes (-1) a pod's terms, placed on a node with `nodeLabels`.
    public mutating func update(_ p: PodInfo, nodeLabels: [String: String], sign: Int) {
        guard p.hasAffinityTerms else { return }
        for t in p.requiredAffinity { bump(Key(kind: .requiredAffinity, weight: 1, term: t), nodeLabels, sign) }
        for t in p.requiredAntiAffinity { bump(Key(kind: .requiredAntiAffinity, weight: 1, term: t), nodeLabels, sign) }
        for w in p.preferredAffinity { bump(Key(kind: .preferredAffinity, weight: w.weight, term: w.term), nodeLabels, sign) }
        for w in p.preferredAntiAffinity { bump(Key(kind: .preferredAntiAffinity, weight: w.weight, term: w.term), nodeLabels, sign) }
    }

    private mutating func bump(_ k: Key, _ labels: [String: String], _ sign: Int) {
        guard let value = labels[k.term.topologyKey] else { return }
        var e = entries[k] ?? Entry(kind: k.kind, weight: k.weight, term: k.term, counts: [:], total: 0)
        let n = (e.counts[value] ?? 0) + sign
        e.counts[value] = n > 0 ? n : nil
        e.total += sign
        entries[k] = e.total > 0 ? e : nil
    }
}
