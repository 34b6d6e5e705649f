public import KubeAPI

/// A pod (anti-)affinity term with its selectors parsed: which pods it
/// matches (namespaces and labels) and the topology key that groups nodes.
public struct AffinityTerm: Sendable, Hashable {
    /// Namespaces named explicitly, or the owning pod's namespace when the term names none.
    public var namespaces: Set<String>
    /// `namespaceSelector` (an empty one matches every namespace); nil when absent.
    public var namespaceSelector: LabelRequirements?
    public var selector: LabelRequirements
    public var topologyKey: String

    public init(namespaces: Set<String>, namespaceSelector: LabelRequirements?, selector: LabelRequirements, topologyKey: String) {
        self.namespaces = namespaces
        self.namespaceSelector = namespaceSelector
        self.selector = selector
        self.topologyKey = topologyKey
    }

    /// Parses a term of a pod in `namespace` with `labels` (for matchLabelKeys).
    public init(_ t: PodAffinityTerm, namespace: String, podLabels: [String: String]) throws(SelectorParseError) {
        var sel: LabelRequirements
        if let s = t.labelSelector {
            sel = try LabelRequirements(s)
        } else {
            sel = LabelRequirements(requirements: [])
            sel.matchesNothing = true
        }
        for k in t.matchLabelKeys ?? [] { if let v = podLabels[k] { sel.requirements.append(.in(k, [v])) } }
        for k in t.mismatchLabelKeys ?? [] { if let v = podLabels[k] { sel.requirements.append(.notIn(k, [v])) } }
        selector = sel
        namespaceSelector = try t.namespaceSelector.map { s throws(SelectorParseError) in try LabelRequirements(s) }
        var ns = Set(t.namespaces ?? [])
        if ns.isEmpty && t.namespaceSelector == nil { ns.insert(namespace) }
        namespaces = ns
        topologyKey = t.topologyKey
    }

    /// Whether a pod in `namespace` with `labels` matches the term.
    public func matches(namespace: String, labels: [String: String], namespaceLabels: [String: [String: String]]) -> Bool {
        guard selector.matches(labels) else { return false }
        if namespaces.contains(namespace) { return true }
        if let nsSel = namespaceSelector {
            if nsSel.isEmpty { return true }
            return nsSel.matches(namespaceLabels[namespace] ?? [:])
        }
        return false
    }

    /// The label pairs a candidate pod must have (to narrow a search through a label index).
    var indexHint: (key: String, values: [String])? {
        for r in selector.requirements {
            switch r {
            case .equals(let k, let v): return (k, [v])
            case .in(let k, let vs): return (k, vs)
            default: continue
            }
        }
        return nil
    }
}

/// An affinity term with a weight (preferred terms).
public struct WeightedAffinityTerm: Sendable, Hashable {
    public var weight: Int
    public var term: AffinityTerm
}
