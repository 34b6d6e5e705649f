import KubeAPI

/// Discovery documents: legacy (`/api`, `/apis`, `/api/v1`, `/apis/G/V`) and
/// aggregated (`apidiscovery.k8s.io/v2`, asked for by kubectl 1.30+).
enum Discovery {
    static let statusVerbs: JSONValue = ["get", "patch", "update"]

    static func versions(serverAddress: String) -> JSONValue {
        ["kind": "APIVersions", "versions": ["v1"],
         "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]]]
    }

    static func groupVersion(_ g: String, _ v: String = "v1") -> JSONValue {
        ["groupVersion": .string("\(g)/\(v)"), "version": .string(v)]
    }

    /// A group's versions, the preferred one first (v1 for the review groups).
    static func versions(_ g: String, in served: ResourceSet) -> [String] {
        let versions = served.versions(group: g)
        return versions.isEmpty ? ["v1"] : versions
    }

    static func groupEntry(_ g: String, in served: ResourceSet) -> JSONValue {
        let vs = versions(g, in: served)
        return ["name": .string(g), "versions": .array(vs.map { groupVersion(g, $0) }), "preferredVersion": groupVersion(g, vs[0])]
    }

    /// `/apis/GROUP` (the review groups are served in v1 alone, whatever `served` holds).
    static func group(_ g: String, in served: ResourceSet = ResourceCatalog.builtins) -> JSONValue {
        var doc = groupEntry(g, in: served)
        doc["kind"] = "APIGroup"
        doc["apiVersion"] = "v1"
        return doc
    }

    static func groupList(_ served: ResourceSet) -> JSONValue {
        ["kind": "APIGroupList", "apiVersion": "v1",
         "groups": .array((served.groups + [AccessReview.group, SelfSubjectReview.group]).map { groupEntry($0, in: served) }
                          + [NodeMetricsAPI.groupListEntry])]
    }

    /// Subresources as (name, kind, group, version, verbs).
    static func subresources(_ r: ResourceInfo) -> [(String, String, String, String, JSONValue)] {
        r.subresources.compactMap { s in
            switch s {
            case "status", "ephemeralcontainers", "approval": return (s, r.kind, r.group, r.version, statusVerbs)
            case "scale": return (s, "Scale", "autoscaling", "v1", statusVerbs)
            case "binding": return (s, "Binding", "", "v1", ["create"])
            case "eviction": return (s, "Eviction", "policy", "v1", ["create"])
            case "log": return (s, "Pod", "", "v1", ["get"])
            case "token": return (s, "TokenRequest", "authentication.k8s.io", "v1", ["create"])
            case "finalize": return (s, r.kind, r.group, r.version, ["update"])
            case "exec": return (s, "PodExecOptions", "", "v1", ["create", "get"])
            case "attach": return (s, "PodAttachOptions", "", "v1", ["create", "get"])
            case "portforward": return (s, "PodPortForwardOptions", "", "v1", ["create", "get"])
            default: return nil
            }
        }
    }

    static func resourceList(group: String, version: String = "v1", in served: ResourceSet = ResourceCatalog.builtins) -> JSONValue {
        var resources: [JSONValue] = []
        for r in served.resources(group: group, version: version) {
            var entry: JSONValue = ["name": .string(r.plural), "singularName": .string(r.singular), "namespaced": .bool(r.namespaced),
                                    "kind": .string(r.kind), "verbs": .array(r.verbs.map(JSONValue.string))]
            if !r.shortNames.isEmpty { entry["shortNames"] = .array(r.shortNames.map(JSONValue.string)) }
            if !r.categories.isEmpty { entry["categories"] = .array(r.categories.map(JSONValue.string)) }
            resources.append(entry)
            for (name, kind, g, v, verbs) in subresources(r) {
                var sub: JSONValue = ["name": .string("\(r.plural)/\(name)"), "singularName": "", "namespaced": .bool(r.namespaced),
                                      "kind": .string(kind), "verbs": verbs]
                if g != r.group || v != r.version {
                    sub["group"] = .string(g)
                    sub["version"] = .string(v)
                }
                resources.append(sub)
            }
        }
        return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(group.isEmpty ? version : "\(group)/\(version)"),
                "resources": .array(resources)]
    }

    /// The aggregated document for `/api` (core) or `/apis` (named groups).
    static func aggregated(core: Bool, in served: ResourceSet = ResourceCatalog.builtins) -> JSONValue {
        let groups = core ? [""] : served.groups
        let items: [JSONValue] = groups.map { g in
            let versions: [JSONValue] = served.versions(group: g).map { v in
                ["version": .string(v), "resources": .array(served.resources(group: g, version: v).map(aggregatedEntry)),
                 "freshness": "Current"]
            }
            return ["metadata": ["name": .string(g), "creationTimestamp": .null], "versions": .array(versions)]
        }
        let all = core ? items : items + [AccessReview.aggregatedGroup, SelfSubjectReview.aggregatedGroup, NodeMetricsAPI.aggregatedGroup]
        return ["kind": "APIGroupDiscoveryList", "apiVersion": "apidiscovery.k8s.io/v2", "metadata": .emptyObject, "items": .array(all)]
    }

    /// One resource of an aggregated group-version.
    static func aggregatedEntry(_ r: ResourceInfo) -> JSONValue {
        var entry: JSONValue = [
            "resource": .string(r.plural),
            "responseKind": ["group": .string(r.group), "version": .string(r.version), "kind": .string(r.kind)],
            "scope": r.namespaced ? "Namespaced" : "Cluster",
            "singularResource": .string(r.singular),
            "verbs": .array(r.verbs.map(JSONValue.string)),
        ]
        if !r.shortNames.isEmpty { entry["shortNames"] = .array(r.shortNames.map(JSONValue.string)) }
        if !r.categories.isEmpty { entry["categories"] = .array(r.categories.map(JSONValue.string)) }
        let subs = subresources(r)
        if !subs.isEmpty {
            entry["subresources"] = .array(subs.map { name, kind, sg, sv, verbs in
                ["subresource": .string(name), "responseKind": ["group": .string(sg), "version": .string(sv), "kind": .string(kind)],
                 "verbs": verbs]
            })
        }
        return entry
    }

    static let aggregatedContentType = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"

    /// Whether the Accept header asks for aggregated v2 discovery.
    static func wantsAggregated(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains { part in
            let p = part.replacingOccurrences(of: " ", with: "")
            return p.contains("as=APIGroupDiscoveryList") && p.contains("v=v2") && !p.contains("v=v2beta1")
        }
    }
}
