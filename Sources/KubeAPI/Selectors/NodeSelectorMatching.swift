/// Node selector terms (`requiredDuringScheduling…`, preferred terms, DaemonSet
/// placement, PersistentVolume node affinity) against a node's labels and fields.
public enum NodeSelectorMatching {
    public static let knownOperators: Set<String> = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]

    /// One requirement against a value (nil when the label or field is absent).
    public static func matches(_ r: NodeSelectorRequirement, _ value: String?) -> Bool {
        let vals = r.values ?? []
        switch r.operator {
        case "In": return value.map { vals.contains($0) } ?? false
        case "NotIn": return value.map { !vals.contains($0) } ?? true
        case "Exists": return value != nil
        case "DoesNotExist": return value == nil
        case "Gt", "Lt":
            guard let value, let v = Int64(value), vals.count == 1, let bound = Int64(vals[0]) else { return false }
            return r.operator == "Gt" ? v > bound : v < bound
        default: return false
        }
    }

    /// A term: all expressions on labels and all fields (`metadata.name`) hold.
    /// A term with neither matches nothing, as in Kubernetes.
    public static func matches(_ term: NodeSelectorTerm, labels: [String: String], nodeName: String) -> Bool {
        let exprs = term.matchExpressions ?? []
        let fields = term.matchFields ?? []
        if exprs.isEmpty && fields.isEmpty { return false }
        for r in exprs where !matches(r, labels[r.key]) { return false }
        for r in fields {
            let value: String? = r.key == "metadata.name" ? nodeName : nil
            if !matches(r, value) { return false }
        }
        return true
    }

    /// Required node affinity: any term matches (none given: everything matches).
    public static func matches(_ selector: NodeSelector?, labels: [String: String], nodeName: String) -> Bool {
        guard let selector else { return true }
        return selector.nodeSelectorTerms.contains { matches($0, labels: labels, nodeName: nodeName) }
    }

    /// A pod's `nodeSelector` map and required node affinity.
    public static func podMatches(nodeSelector: [String: String], affinity: NodeSelector?, labels: [String: String], nodeName: String) -> Bool {
        for (k, v) in nodeSelector where labels[k] != v { return false }
        return matches(affinity, labels: labels, nodeName: nodeName)
    }
}
