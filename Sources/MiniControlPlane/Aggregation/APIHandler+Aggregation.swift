import KubeAPI
import HTTPServing

/// Where requests for aggregated group-versions leave the local path, and
/// how their groups join discovery.
extension APIHandler {
    /// Serves `/apis/GROUP[/VERSION[/...]]` when APIServices send the group to a
    /// Service: the group document from the APIServices, everything below a
    /// version proxied (after authorization, as kube-apiserver authorizes before
    /// its aggregator). Nil when the group is served here.
    func aggregatedRequest(_ req: HTTPRequest, segs: [String], served: ResourceSet, user: UserInfo,
                           record: inout RequestRecord) async -> HTTPResponse? {
        guard let aggregator, segs.count >= 2 else { return nil }
        let group = segs[1]
        if served.groups.contains(group) || group == AccessReview.group || group == SelfSubjectReview.group { return nil }
        if segs.count == 2 {
            let remote = await aggregator.remote(group: group)
            guard !remote.isEmpty else { return nil }
            var doc = Self.groupEntry(group, remote)
            doc["kind"] = "APIGroup"
            doc["apiVersion"] = "v1"
            return .jsonBytes(JSONWriter.bytes(doc))
        }
        guard let s = await aggregator.remote(group: group, version: segs[2]) else { return nil }
        if segs.count > 3 {
            let attrs = Self.aggregatedAttributes(req, group: group, segs[3...])
            record.verb = attrs.verb
            record.resource = attrs.resource
            if !authorizer.allows(user, attrs) { return Self.status(Authorizer.forbidden(user, attrs)) }
        }
        return await aggregator.proxy(req, to: s, user: user)
    }

    /// OpenAPI v3 of aggregated group-versions, as kube-aggregator serves it:
    /// the index lists each available remote group-version beside the local
    /// ones, and a remote one's document is the backend's own, fetched through
    /// the proxy (so `kubectl explain` works on aggregated kinds). Nil for
    /// everything served here.
    func aggregatedOpenAPI(_ req: HTTPRequest, segs: [String], documents: OpenAPI.Documents, user: UserInfo) async -> HTTPResponse? {
        guard let aggregator, segs.count >= 2, segs[1] == "v3" else { return nil }
        if segs.count == 5, segs[2] == "apis", let s = await aggregator.remote(group: segs[3], version: segs[4]) {
            return await aggregator.proxy(req, to: s, user: user)
        }
        guard segs.count == 2, OpenAPI.negotiate(req.headers.first(name: "accept") ?? "", offers: [OpenAPI.jsonType]) != nil else { return nil }
        let remote = await aggregator.apiServices().filter { $0.spec.service != nil && $0.available?.status == "True" }
        guard !remote.isEmpty, var index = try? JSONParser.parse(documents.v3Index.bytes),
              case .object(var paths)? = index["paths"] else { return nil }
        for s in remote {
            guard let group = s.spec.group, let version = s.spec.version else { continue }
            paths["apis/\(group)/\(version)"] = ["serverRelativeURL": .string("/openapi/v3/apis/\(group)/\(version)")]
        }
        index["paths"] = .object(paths)
        // Served as the local index is: with an ETag, answering If-None-Match.
        return OpenAPI.serve(OpenAPI.Document(JSONWriter.bytes(index)), contentType: OpenAPI.jsonType, req: req)
    }

    /// The request's verb and resource, as upstream's `RequestInfoFactory` reads any API path:
    /// `[namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]]`.
    static func aggregatedAttributes(_ req: HTTPRequest, group: String, _ segs: ArraySlice<String>) -> RequestAttributes {
        var parts = Array(segs)
        var namespace: String?
        if parts.first == "namespaces", parts.count > 1 {
            namespace = parts[1]
            if parts.count > 2 { parts = Array(parts.dropFirst(2)) }
        }
        let resource = parts.first ?? ""
        let name = parts.count > 1 ? parts[1] : nil
        let subresource = parts.count > 2 ? parts[2] : nil
        let verb: String = switch req.method {
        case .GET, .HEAD: name == nil ? (req.flag("watch") ? "watch" : "list") : "get"
        case .POST: "create"
        case .PUT: "update"
        case .PATCH: "patch"
        case .DELETE: name == nil ? "deletecollection" : "delete"
        default: req.method.rawValue.lowercased()
        }
        return RequestAttributes(verb: verb, group: group, resource: resource, subresource: subresource, namespace: namespace, name: name)
    }

    /// A group's entry in `/apis` from its remote APIServices (preferred version first).
    static func groupEntry(_ group: String, _ services: [APIService]) -> JSONValue {
        let versions = services.compactMap(\.spec.version)
        let gvs: [JSONValue] = versions.map { Discovery.groupVersion(group, $0) }
        return ["name": .string(group), "versions": .array(gvs), "preferredVersion": gvs.first ?? .null]
    }

    /// The remote groups not served here, by group, each with its APIServices in order.
    func remoteGroups(served: ResourceSet) async -> [(String, [APIService])] {
        guard let aggregator else { return [] }
        var byGroup: [String: [APIService]] = [:]
        var order: [(String, Int32)] = []
        for s in await aggregator.apiServices() where s.spec.service != nil {
            let g = s.spec.group ?? ""
            guard !g.isEmpty, !served.groups.contains(g) else { continue }
            if byGroup[g] == nil { order.append((g, s.spec.groupPriorityMinimum)) }
            byGroup[g, default: []].append(s)
            if let i = order.firstIndex(where: { $0.0 == g }), s.spec.groupPriorityMinimum > order[i].1 { order[i].1 = s.spec.groupPriorityMinimum }
        }
        // Higher priority first, as upstream sorts the groups of /apis.
        return order.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.map { ($0.0, Aggregator.ordered(byGroup[$0.0] ?? [])) }
    }

    /// `/apis` (legacy): the local groups, then the remote ones (a remote metrics.k8s.io in place of the local one).
    func mergedGroupList(served: ResourceSet) async -> JSONValue {
        var doc = Discovery.groupList(served)
        let remote = await remoteGroups(served: served)
        guard !remote.isEmpty else { return doc }
        let names = Set(remote.map(\.0))
        var groups = (doc["groups"]?.arrayValue ?? []).filter { !names.contains($0["name"]?.stringValue ?? "") }
        for (g, services) in remote { groups.append(Self.groupEntry(g, services)) }
        doc["groups"] = .array(groups)
        return doc
    }

    /// `/apis` (aggregated, v2): remote group-versions from the resource lists their backends last gave
    /// (`Stale` and empty when the last read failed, as upstream marks them).
    func mergedAggregatedDiscovery(served: ResourceSet) async -> JSONValue {
        var doc = Discovery.aggregated(core: false, in: served)
        let remote = await remoteGroups(served: served)
        guard let aggregator, !remote.isEmpty else { return doc }
        let names = Set(remote.map(\.0))
        var items = (doc["items"]?.arrayValue ?? []).filter { !names.contains($0[path: ["metadata", "name"]]?.stringValue ?? "") }
        for (g, services) in remote {
            let versions: [JSONValue] = services.map { s in
                let version = s.spec.version ?? ""
                guard let list = aggregator.resources(of: s) else {
                    return ["version": .string(version), "resources": [], "freshness": "Stale"]
                }
                return ["version": .string(version), "resources": .array(Self.aggregatedResources(list, group: g, version: version)),
                        "freshness": "Current"]
            }
            items.append(["metadata": ["name": .string(g), "creationTimestamp": .null], "versions": .array(versions)])
        }
        doc["items"] = .array(items)
        return doc
    }

    /// An `APIResourceList` as the resources of an aggregated (v2) group-version; `NAME/SUB` entries become subresources.
    static func aggregatedResources(_ list: JSONValue, group: String, version: String) -> [JSONValue] {
        let entries = list["resources"]?.arrayValue ?? []
        var out: [JSONValue] = []
        for r in entries {
            guard let name = r["name"]?.stringValue, !name.contains("/") else { continue }
            var entry: JSONValue = [
                "resource": .string(name),
                "responseKind": ["group": .string(r["group"]?.stringValue ?? group), "version": .string(r["version"]?.stringValue ?? version),
                                 "kind": r["kind"] ?? ""],
                "scope": r["namespaced"]?.boolValue == true ? "Namespaced" : "Cluster",
                "singularResource": r["singularName"] ?? "",
                "verbs": r["verbs"] ?? [],
            ]
            if let short = r["shortNames"] { entry["shortNames"] = short }
            if let categories = r["categories"] { entry["categories"] = categories }
            let subs: [JSONValue] = entries.compactMap { s in
                guard let full = s["name"]?.stringValue, full.hasPrefix(name + "/") else { return nil }
                return ["subresource": .string(String(full.dropFirst(name.count + 1))),
                        "responseKind": ["group": .string(s["group"]?.stringValue ?? group), "version": .string(s["version"]?.stringValue ?? version),
                                         "kind": s["kind"] ?? ""],
                        "verbs": s["verbs"] ?? []]
            }
            if !subs.isEmpty { entry["subresources"] = .array(subs) }
            out.append(entry)
        }
        return out
    }
}
