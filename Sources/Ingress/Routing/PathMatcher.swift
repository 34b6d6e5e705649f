/// Upstream's path matching for Ingress paths.
///
/// - `Exact`: the request path equals the rule's path (case-sensitive).
/// - `Prefix`: the rule's path, split by `/`, is an element-wise prefix of the
///   request path: `/foo` matches `/foo`, `/foo/` and `/foo/bar`, not
///   `/foobar`; a trailing slash on the rule is ignored; `/` matches all.
/// - `ImplementationSpecific`: treated as `Prefix` here (as Traefik does).
public enum PathMatcher {
    /// Whether `requestPath` (without the query) matches a rule.
    public static func matches(pathType: PathType, rulePath: String, requestPath: String) -> Bool {
        switch pathType {
        case .exact:
            return requestPath == rulePath
        case .prefix, .implementationSpecific:
            let rule = elements(rulePath)
            let request = elements(requestPath)
            guard rule.count <= request.count else { return false }
            return zip(rule, request).allSatisfy { $0 == $1 }
        }
    }

    /// The non-empty `/`-separated elements of a path.
    static func elements(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }

    /// How many elements a prefix path has (longest prefix wins).
    static func length(_ path: String) -> Int { elements(path).count }
}

/// The three path types of networking.k8s.io/v1.
public enum PathType: String, Sendable, Hashable {
    case exact = "Exact"
    case prefix = "Prefix"
    case implementationSpecific = "ImplementationSpecific"
}
