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
        matches(pathType: pathType, rulePath: rulePath, requestPath: requestPath[...])
    }

    /// Whether `requestPath` (without the query) matches a rule; allocates nothing.
    public static func matches(pathType: PathType, rulePath: String, requestPath: Substring) -> Bool {
        switch pathType {
        case .exact:
            return requestPath == rulePath
        case .prefix, .implementationSpecific:
            var rule = Elements(rulePath[...])
            var request = Elements(requestPath)
            while let r = rule.next() {
                guard let q = request.next(), r == q else { return false }
            }
            return true
        }
    }

    /// The non-empty `/`-separated elements of a path, one at a time.
    struct Elements: IteratorProtocol {
        var rest: Substring
        init(_ path: Substring) { rest = path }

        mutating func next() -> Substring? {
            // On UTF-8 code units: `/` is ASCII, so its indices are character boundaries.
            let slash = UInt8(ascii: "/")
            while rest.utf8.first == slash { rest = rest[rest.utf8.index(after: rest.startIndex)...] }
            guard !rest.isEmpty else { return nil }
            let end = rest.utf8.firstIndex(of: slash) ?? rest.endIndex
            defer { rest = rest[end...] }
            return rest[..<end]
        }
    }

    /// How many elements a prefix path has (longest prefix wins).
    static func length(_ path: String) -> Int {
        var elements = Elements(path[...])
        var count = 0
        while elements.next() != nil { count += 1 }
        return count
    }
}

/// The three path types of networking.k8s.io/v1.
public enum PathType: String, Sendable, Hashable {
    case exact = "Exact"
    case prefix = "Prefix"
    case implementationSpecific = "ImplementationSpecific"
}
