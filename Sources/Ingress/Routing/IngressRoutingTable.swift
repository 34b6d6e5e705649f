import Foundation
import KubeAPI

/// The routes of every ingress of one class, built from a snapshot of
/// Ingresses, Services, EndpointSlices and Secrets. A pure value: the proxy
/// swaps a new one in atomically on every change, so requests already
/// routed finish on the table they started with.
///
/// Matching, as upstream's Ingress semantics:
/// - hosts: a precise rule host first, then a `*.domain` wildcard (one label),
///   then rules without a host; a group without a matching path falls through
///   to the next;
/// - paths: `Exact` before any prefix, then the longest `Prefix` by path
///   elements (`/foo` matches `/foo/bar`, not `/foobar`);
/// - the same host, path and type in two ingresses: the older ingress wins
///   (then namespace/name order);
/// - nothing matched: the oldest ingress's `spec.defaultBackend`, else 404.
public struct IngressRoutingTable: Sendable {
    /// One routable path.
    public struct Route: Sendable, Hashable {
        public var host: String?
        public var pathType: PathType
        public var path: String
        public var backend: Backend
        /// `namespace/name` of the ingress the route came from.
        public var ingress: String
        var created: String
    }

    /// A routing decision.
    public struct Match: Sendable, Hashable {
        public var backend: Backend
        public var ingress: String
        public var path: String
    }

    /// A TLS certificate chosen by SNI.
    public struct Certificate: Sendable, Hashable {
        /// `*.example.com` or a precise host.
        public var host: String
        /// `namespace/name` of the Secret.
        public var secret: String
        public var certificatePEM: String
        public var keyPEM: String
    }

    var exact: [String: [Route]] = [:]
    var wildcard: [String: [Route]] = [:]
    var anyHost: [Route] = []
    /// The default backend of the oldest ingress that has one.
    public private(set) var defaultBackend: Match?
    /// Certificates by host, the older ingress's first.
    public private(set) var certificates: [Certificate] = []
    /// Every route, for status and debugging.
    public var routes: [Route] { exact.values.flatMap { $0 } + wildcard.values.flatMap { $0 } + anyHost }

    /// An empty table (every request gets 404).
    public init() {}

    /// Builds the table and lists the problems (missing Services, ports and Secrets) to report.
    public static func build(_ snapshot: IngressSnapshot) -> (table: IngressRoutingTable, problems: [IngressProblem]) {
        var resolver = BackendResolver(snapshot)
        var table = IngressRoutingTable()
        var problems: [IngressProblem] = []
        let ingresses = snapshot.ingresses.sorted { a, b in
            (a.metadata.creationTimestamp?.description ?? "", a.namespace, a.name) < (b.metadata.creationTimestamp?.description ?? "", b.namespace, b.name)
        }
        var seenCertHosts = Set<String>()
        for ing in ingresses {
            let key = "\(ing.namespace)/\(ing.name)"
            let created = ing.metadata.creationTimestamp?.description ?? ""
            guard let spec = ing.spec else { continue }
            if let b = spec.defaultBackend, table.defaultBackend == nil {
                table.defaultBackend = Match(backend: resolver.resolve(b, namespace: ing.namespace, ingress: key, problems: &problems),
                                             ingress: key, path: "/")
            }
            for rule in spec.rules ?? [] {
                let host = rule.host.flatMap { $0.isEmpty ? nil : $0.lowercased() }
                for p in rule.http?.paths ?? [] {
                    let type = PathType(rawValue: p.pathType ?? "") ?? .implementationSpecific
                    let path = (p.path ?? "").isEmpty ? "/" : p.path ?? "/"
                    let route = Route(host: host, pathType: type, path: path,
                                      backend: resolver.resolve(p.backend, namespace: ing.namespace, ingress: key, problems: &problems),
                                      ingress: key, created: created)
                    switch host {
                    case nil: table.anyHost.append(route)
                    case let h? where h.hasPrefix("*."): table.wildcard[String(h.dropFirst(2)), default: []].append(route)
                    case let h?: table.exact[h, default: []].append(route)
                    }
                }
            }
            for tls in spec.tls ?? [] {
                guard let secretName = tls.secretName, !secretName.isEmpty else { continue }
                let hosts = (tls.hosts ?? []).isEmpty ? (spec.rules ?? []).compactMap(\.host) : tls.hosts ?? []
                guard let pair = resolver.keyPair(namespace: ing.namespace, name: secretName, ingress: key, problems: &problems) else { continue }
                for h in hosts.map({ $0.lowercased() }) where seenCertHosts.insert(h).inserted {
                    table.certificates.append(Certificate(host: h, secret: "\(ing.namespace)/\(secretName)",
                                                          certificatePEM: pair.cert, keyPEM: pair.key))
                }
            }
        }
        table.sortRoutes()
        return (table, problems)
    }

    /// Orders each group: Exact first, then longer prefixes, then older ingresses.
    mutating func sortRoutes() {
        func order(_ a: Route, _ b: Route) -> Bool {
            let ra = a.pathType == .exact ? 0 : 1, rb = b.pathType == .exact ? 0 : 1
            if ra != rb { return ra < rb }
            let la = PathMatcher.length(a.path), lb = PathMatcher.length(b.path)
            if la != lb { return la > lb }
            return (a.created, a.ingress) < (b.created, b.ingress)
        }
        for k in exact.keys { exact[k]?.sort(by: order) }
        for k in wildcard.keys { wildcard[k]?.sort(by: order) }
        anyHost.sort(by: order)
    }

    /// The backend for a request, or nil (404) when nothing matches and there is no default backend.
    /// - Parameters:
    ///   - host: the `Host` header or `:authority` (a port is ignored).
    ///   - path: the request target; a query string is ignored.
    public func route(host: String?, path: String) -> Match? {
        let h = HostMatcher.normalize(host ?? "")
        let p = path.utf8.firstIndex(of: UInt8(ascii: "?")).map { path[..<$0] } ?? path[...]
        if let g = exact[h], let m = Self.first(in: g, path: p) { return m }
        if !wildcard.isEmpty, let dot = h.firstIndex(of: "."), dot != h.startIndex,
           let g = wildcard[String(h[h.index(after: dot)...])], let m = Self.first(in: g, path: p) { return m }
        return Self.first(in: anyHost, path: p) ?? defaultBackend
    }

    /// The first route of a group (already in precedence order) whose path matches.
    static func first(in group: [Route], path: Substring) -> Match? {
        guard let i = group.firstIndex(where: { PathMatcher.matches(pathType: $0.pathType, rulePath: $0.path, requestPath: path) }) else { return nil }
        return Match(backend: group[i].backend, ingress: group[i].ingress, path: group[i].path)
    }

    /// The certificate for a TLS server name: a precise host first, then a wildcard one.
    public func certificate(serverName: String?) -> Certificate? {
        guard let name = serverName.map(HostMatcher.normalize), !name.isEmpty else { return nil }
        if let c = certificates.first(where: { $0.host == name }) { return c }
        return certificates.first { $0.host.hasPrefix("*.") && HostMatcher.matches(ruleHost: $0.host, requestHost: name) }
    }
}
