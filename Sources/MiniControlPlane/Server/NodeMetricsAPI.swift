import AsyncHTTPClient
import Foundation
import KubeAPI
import Logging
import HTTPServing
import Synchronization
import Controllers

/// `metrics.k8s.io/v1beta1` served in-process (no metrics-server): node and
/// pod usage read from each kubelet's `/stats/summary` through the kubelet
/// client, cached for a few seconds. `kubectl top nodes|pods` read it.
/// CPU is the kubelet's rate over its last two samples, memory the working
/// set, as metrics-server reports them.
final class NodeMetricsAPI: Sendable {
    static let group = "metrics.k8s.io"
    static let version = "v1beta1"
    /// The window of a reading (the kubelet's CPU rate is over its last two samples).
    static let windowSeconds = 10
    static let window = "\(windowSeconds)s"

    let kubelets: KubeletProxy
    let registry: ResourceStorage
    let cacheSeconds: Double
    let cache = Mutex<[String: (summary: JSONValue, at: Double)]>([:])
    let logger: Logger

    init(kubelets: KubeletProxy, registry: ResourceStorage, cacheSeconds: Double = 5, logger: Logger = Logger(label: "metrics")) {
        self.kubelets = kubelets
        self.registry = registry
        self.cacheSeconds = cacheSeconds
        self.logger = logger
    }

    // MARK: Discovery

    static var groupVersion: JSONValue { ["groupVersion": .string("\(group)/\(version)"), "version": .string(version)] }

    static var groupDocument: JSONValue {
        ["kind": "APIGroup", "apiVersion": "v1", "name": .string(group), "versions": [groupVersion], "preferredVersion": groupVersion]
    }

    static var groupListEntry: JSONValue {
        ["name": .string(group), "versions": [groupVersion], "preferredVersion": groupVersion]
    }

    static var resourceList: JSONValue {
        ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string("\(group)/\(version)"),
         "resources": [
            ["name": "nodes", "singularName": "", "namespaced": false, "kind": "NodeMetrics", "verbs": ["get", "list"]],
            ["name": "pods", "singularName": "", "namespaced": true, "kind": "PodMetrics", "verbs": ["get", "list"]],
         ]]
    }

    static var aggregatedGroup: JSONValue {
        func resource(_ plural: String, _ kind: String, _ scope: String) -> JSONValue {
            ["resource": .string(plural), "singularResource": "", "scope": .string(scope), "verbs": ["get", "list"],
             "responseKind": ["group": .string(group), "version": .string(version), "kind": .string(kind)]]
        }
        return ["metadata": ["name": .string(group), "creationTimestamp": .null],
                "versions": [["version": .string(version), "freshness": "Current",
                              "resources": [resource("nodes", "NodeMetrics", "Cluster"), resource("pods", "PodMetrics", "Namespaced")]]]]
    }

    // MARK: Requests

    /// `/apis/metrics.k8s.io/...`; `segs` starts with "apis".
    func handle(_ req: HTTPRequest, segs: [String], user: UserInfo, authorizer: Authorizer) async -> HTTPResponse {
        if segs.count == 2 { return .jsonBytes(JSONWriter.bytes(Self.groupDocument)) }
        guard segs[2] == Self.version else { return APIHandler.status(APIErrors.notFoundPath(req.path)) }
        if segs.count == 3 { return .jsonBytes(JSONWriter.bytes(Self.resourceList)) }
        guard req.method == .GET else { return APIHandler.status(APIErrors.methodNotAllowed()) }
        let rest = Array(segs[3...])
        let resource: String, namespace: String?, name: String?
        switch rest.count {
        case 1: (resource, namespace, name) = (rest[0], nil, nil)
        case 2: (resource, namespace, name) = (rest[0], nil, rest[1])
        case 3 where rest[0] == "namespaces": (resource, namespace, name) = (rest[2], rest[1], nil)
        case 4 where rest[0] == "namespaces": (resource, namespace, name) = (rest[2], rest[1], rest[3])
        default: return APIHandler.status(APIErrors.notFoundPath(req.path))
        }
        let attrs = RequestAttributes(verb: name == nil ? "list" : "get", group: Self.group, resource: resource, namespace: namespace, name: name)
        guard authorizer.allows(user, attrs) else { return APIHandler.status(Authorizer.forbidden(user, attrs)) }
        do {
            let query = try APIHandler.listQuery(req, nil)
            switch (resource, namespace) {
            case ("nodes", nil): return try await nodes(name: name, query: query)
            case ("pods", _) where !(namespace == nil && name != nil): return try await pods(namespace: namespace, name: name, query: query)
            default: return APIHandler.status(APIErrors.notFoundPath(req.path))
            }
        } catch {
            return APIHandler.status(error)
        }
    }

    func nodes(name: String?, query: ListQuery) async throws(Status) -> HTTPResponse {
        let nodes = try await objects(ResourceCatalog.info(for: Node.self), nil, query).filter { name == nil || $0[path: ["metadata", "name"]]?.stringValue == name }
        let summaries = await summaries(of: nodes)
        var items: [JSONValue] = []
        for node in nodes {
            guard let nodeName = node[path: ["metadata", "name"]]?.stringValue, let s = summaries[nodeName],
                  let usage = Self.usage(s[path: ["node", "cpu"]], s[path: ["node", "memory"]]) else { continue }
            items.append(["metadata": Self.metadata(node), "timestamp": s[path: ["node", "cpu", "time"]] ?? .null,
                          "window": .string(Self.window), "usage": usage])
        }
        if let name {
            guard let item = items.first else { throw Status(message: "nodemetrics.metrics.k8s.io \"\(name)\" not found", reason: "NotFound", code: 404) }
            return .jsonBytes(JSONWriter.bytes(Self.typed(item, kind: "NodeMetrics")))
        }
        return .jsonBytes(JSONWriter.bytes(Self.list(items, kind: "NodeMetricsList")))
    }

    func pods(namespace: String?, name: String?, query: ListQuery) async throws(Status) -> HTTPResponse {
        var items: [JSONValue] = []
        for (pod, stats) in try await podStats(namespace: namespace, name: name, query: query) {
            let containers: [JSONValue] = (stats["containers"]?.arrayValue ?? []).compactMap { c in
                guard let usage = Self.usage(c["cpu"], c["memory"]) else { return nil }
                return ["name": c["name"] ?? "", "usage": usage]
            }
            guard !containers.isEmpty else { continue }
            items.append(["metadata": Self.metadata(pod), "timestamp": stats[path: ["cpu", "time"]] ?? .null,
                          "window": .string(Self.window), "containers": .array(containers)])
        }
        if let name {
            guard let item = items.first else { throw Status(message: "podmetrics.metrics.k8s.io \"\(name)\" not found", reason: "NotFound", code: 404) }
            return .jsonBytes(JSONWriter.bytes(Self.typed(item, kind: "PodMetrics")))
        }
        return .jsonBytes(JSONWriter.bytes(Self.list(items, kind: "PodMetricsList")))
    }

    /// The pods matching the query with their kubelet's summary stats.
    func podStats(namespace: String?, name: String?, query: ListQuery) async throws(Status) -> [(pod: JSONValue, stats: JSONValue)] {
        let pods = try await objects(ResourceCatalog.info(for: Pod.self), namespace, query)
            .filter { name == nil || $0[path: ["metadata", "name"]]?.stringValue == name }
        let nodeNames = Set(pods.compactMap { $0[path: ["spec", "nodeName"]]?.stringValue })
        let nodes = try await objects(ResourceCatalog.info(for: Node.self), nil, ListQuery())
            .filter { nodeNames.contains($0[path: ["metadata", "name"]]?.stringValue ?? "") }
        let summaries = await summaries(of: nodes)
        var byUID: [String: JSONValue] = [:]
        for s in summaries.values {
            for p in s["pods"]?.arrayValue ?? [] {
                if let uid = p[path: ["podRef", "uid"]]?.stringValue { byUID[uid] = p }
            }
        }
        return pods.compactMap { pod in
            guard let uid = pod[path: ["metadata", "uid"]]?.stringValue, let stats = byUID[uid] else { return nil }
            return (pod, stats)
        }
    }

    func objects(_ info: ResourceInfo, _ namespace: String?, _ query: ListQuery) async throws(Status) -> [JSONValue] {
        var q = query
        q.limit = 0
        q.continueToken = nil
        return try await registry.list(info, namespace, q).items.compactMap { try? StoredObject.decode($0.value, revision: $0.modRevision) }
    }

    /// Each node's summary (nodes whose kubelet does not answer are left out, as metrics-server does).
    func summaries(of nodes: [JSONValue]) async -> [String: JSONValue] {
        let now = Date().timeIntervalSince1970
        return await withTaskGroup(of: (String, JSONValue?, fresh: Bool).self) { group in
            for node in nodes {
                guard let name = node[path: ["metadata", "name"]]?.stringValue else { continue }
                if let hit = cache.withLock({ $0[name] }), now - hit.at < cacheSeconds {
                    group.addTask { (name, hit.summary, false) }
                    continue
                }
                guard let base = KubeletProxy.baseURL(node: node) else { continue }
                group.addTask { [kubelets, logger] in
                    do {
                        let response = try await kubelets.client.execute(HTTPClientRequest(url: base + "/stats/summary"), timeout: .seconds(5))
                        guard response.status == .ok else {
                            logger.warning("node \(name): kubelet /stats/summary answered \(response.status.code)")
                            return (name, nil, true)
                        }
                        let body = try await response.body.collect(upTo: 64 << 20)
                        return (name, try JSONParser.parse(Array(body.readableBytesView)), true)
                    } catch {
                        logger.warning("node \(name): cannot read the kubelet's /stats/summary: \(error)")
                        return (name, nil, true)
                    }
                }
            }
            var out: [String: JSONValue] = [:]
            for await (name, summary, fresh) in group {
                guard let summary else { continue }
                out[name] = summary
                // Only a fetched summary restarts the clock; hits keep their age.
                if fresh { cache.withLock { $0[name] = (summary, now) } }
            }
            return out
        }
    }

    /// `{"cpu": "<n>n", "memory": "<k>Ki"}` from summary CPU and memory stats, if both are known.
    static func usage(_ cpu: JSONValue?, _ memory: JSONValue?) -> JSONValue? {
        guard let nanoCores = cpu?["usageNanoCores"]?.intValue, let workingSet = memory?["workingSetBytes"]?.intValue else { return nil }
        return ["cpu": .string("\(nanoCores)n"), "memory": .string("\(workingSet / 1024)Ki")]
    }

    static func metadata(_ object: JSONValue) -> JSONValue {
        var m: JSONValue = ["name": object[path: ["metadata", "name"]] ?? "", "creationTimestamp": .string(Timestamp().description)]
        if let ns = object[path: ["metadata", "namespace"]] { m["namespace"] = ns }
        if let labels = object[path: ["metadata", "labels"]] { m["labels"] = labels }
        return m
    }

    static func typed(_ item: JSONValue, kind: String) -> JSONValue {
        var v = item
        v["kind"] = .string(kind)
        v["apiVersion"] = .string("\(group)/\(version)")
        return v
    }

    static func list(_ items: [JSONValue], kind: String) -> JSONValue {
        ["kind": .string(kind), "apiVersion": .string("\(group)/\(version)"), "metadata": .emptyObject, "items": .array(items)]
    }
}

/// The autoscaler's readings, straight from the kubelets' summaries (what
/// `metrics.k8s.io` serves, without the HTTP round trip).
extension NodeMetricsAPI: PodMetricsSource {
    func podMetrics(namespace: String, selector: String) async throws(PodMetricsError) -> [String: PodMetricsSample] {
        var query = ListQuery()
        do {
            query.labels = try LabelRequirements(parsing: selector)
        } catch {
            throw PodMetricsError("invalid selector \"\(selector)\": \(error.message)")
        }
        let stats: [(pod: JSONValue, stats: JSONValue)]
        do { stats = try await podStats(namespace: namespace, name: nil, query: query) } catch { throw PodMetricsError(error.message ?? "cannot list pods") }
        var out: [String: PodMetricsSample] = [:]
        for (pod, s) in stats {
            guard let name = pod[path: ["metadata", "name"]]?.stringValue else { continue }
            var containers: [String: [String: Int64]] = [:]
            var time: Date?
            for c in s["containers"]?.arrayValue ?? [] {
                guard let cname = c["name"]?.stringValue, let nanoCores = c[path: ["cpu", "usageNanoCores"]]?.intValue,
                      let workingSet = c[path: ["memory", "workingSetBytes"]]?.intValue else { continue }
                containers[cname] = ["cpu": nanoCores / 1_000_000, "memory": workingSet * 1000]
                if let t = c[path: ["cpu", "time"]]?.stringValue.flatMap(Timestamp.init(rfc3339:))?.date { time = max(time ?? t, t) }
            }
            guard !containers.isEmpty else { continue }
            let timestamp = s[path: ["cpu", "time"]]?.stringValue.flatMap(Timestamp.init(rfc3339:))?.date ?? time ?? Date()
            out[name] = PodMetricsSample(containers: containers, timestamp: timestamp, window: TimeInterval(Self.windowSeconds))
        }
        return out
    }
}
