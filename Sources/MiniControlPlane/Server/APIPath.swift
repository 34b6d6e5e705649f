import KubeAPI

/// A parsed resource URL: `/api/v1/namespaces/NS/pods/NAME/status` and friends.
struct APIPath: Sendable, Equatable {
    var info: ResourceInfo
    var namespace: String?
    var name: String?
    var subresource: String?

    enum ParseResult: Equatable {
        case resource(APIPath)
        case notFound
    }

    /// Parses the path segments after `/api/v1` or `/apis/G/V`, on the resources `served`.
    static func parse(group: String, version: String = "v1", _ segs: ArraySlice<String>,
                      in served: ResourceSet = ResourceCatalog.builtins) -> ParseResult {
        var s = segs
        var namespace: String?
        if s.first == "namespaces", s.count >= 3, let r = served.find(group: group, version: version, plural: s[s.startIndex + 2]), r.namespaced {
            namespace = s[s.startIndex + 1]
            s = s.dropFirst(2)
            _ = r
        }
        guard let plural = s.first, let info = served.find(group: group, version: version, plural: plural) else { return .notFound }
        s = s.dropFirst()
        if info.namespaced == false && namespace != nil { return .notFound }
        var path = APIPath(info: info, namespace: namespace, name: nil, subresource: nil)
        if let name = s.first {
            path.name = name
            s = s.dropFirst()
        }
        if let sub = s.first {
            guard info.subresources.contains(sub) else { return .notFound }
            path.subresource = sub
            s = s.dropFirst()
            // `proxy` takes the rest of the path for the target.
            if sub == "proxy" { s = [] }
        }
        guard s.isEmpty else { return .notFound }
        return .resource(path)
    }
}
