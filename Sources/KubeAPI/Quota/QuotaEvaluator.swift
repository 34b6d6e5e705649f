public import Foundation

/// What objects count against a ResourceQuota, as upstream's quota
/// evaluators (`pkg/quota/v1/evaluator/core`) count them: every object
/// counts once as `count/<resource>[.<group>]`; pods also as `pods` and
/// with their compute requests and limits (`requests.cpu`, `cpu`,
/// `limits.memory`, ...); services as `services`, `services.nodeports` and
/// `services.loadbalancers`; configmaps, secrets, PVCs, replication
/// controllers and quotas by their plural names. Shared by the ResourceQuota
/// admission plugin and the quota controller.
public enum QuotaEvaluator {
    /// Compute resources of pods, each counted from requests (bare and
    /// `requests.`) and limits (`limits.`).
    static let computeResources = ["cpu", "memory", "ephemeral-storage"]
    /// Resources a missing container request refuses (upstream's validation set).
    public static let mustSpecify: Set<String> = ["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]

    /// `count/pods`, `count/deployments.apps`.
    public static func countName(_ r: ResourceInfo) -> String {
        r.group.isEmpty ? "count/\(r.plural)" : "count/\(r.plural).\(r.group)"
    }

    /// The legacy object-count name of a core resource (`pods`, `services`, ...).
    static let legacyCounts: Set<String> = ["pods", "services", "configmaps", "secrets", "persistentvolumeclaims",
                                             "replicationcontrollers", "resourcequotas"]

    /// Per-class claim quotas are `<class>.storageclass.storage.k8s.io/requests.storage`
    /// and `<class>.storageclass.storage.k8s.io/persistentvolumeclaims`.
    static let classSuffix = ".storageclass.storage.k8s.io/"

    /// Whether quota `name` can be used by objects of resource `r`.
    public static func tracks(_ name: String, _ r: ResourceInfo) -> Bool {
        if name == countName(r) { return true }
        guard r.group.isEmpty else { return false }
        if name == r.plural && legacyCounts.contains(name) { return true }
        switch r.plural {
        case "pods":
            let base = name.hasPrefix("requests.") ? String(name.dropFirst(9)) : name.hasPrefix("limits.") ? String(name.dropFirst(7)) : name
            return computeResources.contains(base) || base.hasPrefix("hugepages-")
        case "services": return name == "services.nodeports" || name == "services.loadbalancers"
        case "persistentvolumeclaims":
            return name == "requests.storage" || name.hasSuffix(classSuffix + "requests.storage")
                || name.hasSuffix(classSuffix + "persistentvolumeclaims")
        default: return false
        }
    }

    /// The resource whose objects use quota `name` (nil for names nothing here counts).
    public static func resource(for name: String) -> ResourceInfo? {
        if name.hasPrefix("count/") {
            let rest = name.dropFirst(6)
            let parts = rest.split(separator: ".", maxSplits: 1).map(String.init)
            return ResourceCatalog.find(group: parts.count > 1 ? parts[1] : "", plural: parts[0])
        }
        return ResourceCatalog.all.first { $0.group.isEmpty && $0.conversion == nil && tracks(name, $0) }
    }

    /// The usage of one object.
    public static func usage(_ obj: JSONValue, _ r: ResourceInfo) -> [String: Decimal] {
        var u: [String: Decimal] = [countName(r): 1]
        guard r.group.isEmpty else { return u }
        if legacyCounts.contains(r.plural) { u[r.plural] = 1 }
        switch r.plural {
        case "pods":
            guard !isTerminal(obj) else { return [:] }
            u.merge(podCompute(obj["spec"] ?? .emptyObject)) { a, _ in a }
        case "services":
            let type = obj[path: ["spec", "type"]]?.stringValue ?? "ClusterIP"
            let ports = Decimal(obj[path: ["spec", "ports"]]?.arrayValue?.count ?? 0)
            if type == "NodePort" { u["services.nodeports"] = ports }
            if type == "LoadBalancer" {
                u["services.loadbalancers"] = 1
                u["services.nodeports"] = obj[path: ["spec", "allocateLoadBalancerNodePorts"]]?.boolValue == false ? 0 : ports
            }
        case "persistentvolumeclaims":
            // The larger of the request and what an expansion already allocated (upstream's).
            let requested = Quantity(obj[path: ["spec", "resources", "requests", "storage"]]?.stringValue ?? "0").decimal ?? 0
            let allocated = Quantity(obj[path: ["status", "allocatedResources", "storage"]]?.stringValue ?? "0").decimal ?? 0
            let storage = max(requested, allocated)
            u["requests.storage"] = storage
            if let className = obj[path: ["spec", "storageClassName"]]?.stringValue, !className.isEmpty {
                u[className + classSuffix + "requests.storage"] = storage
                u[className + classSuffix + "persistentvolumeclaims"] = 1
            }
        default:
            break
        }
        return u
    }

    /// Pods that finished no longer use quota.
    static func isTerminal(_ pod: JSONValue) -> Bool {
        let phase = pod[path: ["status", "phase"]]?.stringValue
        return phase == "Succeeded" || phase == "Failed"
    }

    static func quantity(_ v: JSONValue?) -> Decimal? {
        guard let v else { return nil }
        if let s = v.stringValue { return Quantity(s).decimal }
        if let i = v.intValue { return Decimal(i) }
        return nil
    }

    /// A pod's compute usage: the larger of its containers' sum and its
    /// largest init container, plus its overhead.
    static func podCompute(_ spec: JSONValue) -> [String: Decimal] {
        func of(_ c: JSONValue) -> [String: Decimal] {
            var u: [String: Decimal] = [:]
            for (k, v) in c[path: ["resources", "requests"]]?.objectValue ?? [:] {
                guard let q = quantity(v) else { continue }
                u["requests.\(k)"] = q
                u[k] = q
            }
            for (k, v) in c[path: ["resources", "limits"]]?.objectValue ?? [:] {
                guard let q = quantity(v) else { continue }
                u["limits.\(k)"] = q
            }
            return u.filter { tracks($0.key, ResourceCatalog.info(for: Pod.self)) }
        }
        var sum: [String: Decimal] = [:]
        for c in spec["containers"]?.arrayValue ?? [] { sum.merge(of(c), uniquingKeysWith: +) }
        for c in spec["initContainers"]?.arrayValue ?? [] { sum.merge(of(c), uniquingKeysWith: max) }
        for (k, v) in spec["overhead"]?.objectValue ?? [:] {
            guard let q = quantity(v) else { continue }
            for name in [k, "requests.\(k)", "limits.\(k)"] where sum[name] != nil { sum[name, default: 0] += q }
        }
        return sum
    }

    /// For each resource of `required` (limited to upstream's validation set),
    /// the containers that do not state it: `must specify limits.cpu for: a,b`.
    public static func missing(_ pod: JSONValue, required: Set<String>) -> [String: [String]] {
        let needed = required.intersection(mustSpecify)
        guard !needed.isEmpty else { return [:] }
        var out: [String: [String]] = [:]
        let spec = pod["spec"] ?? .emptyObject
        for c in (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? []) {
            var stated = Set<String>()
            for k in (c[path: ["resources", "requests"]]?.objectValue ?? [:]).keys { stated.formUnion([k, "requests.\(k)"]) }
            for k in (c[path: ["resources", "limits"]]?.objectValue ?? [:]).keys { stated.insert("limits.\(k)") }
            for r in needed.subtracting(stated) { out[r, default: []].append(c["name"]?.stringValue ?? "") }
        }
        return out
    }

    /// Whether a quota's scopes select an object (scopes select pods only;
    /// a quota with scopes counts nothing else).
    public static func matches(_ quotaSpec: JSONValue, _ obj: JSONValue, _ r: ResourceInfo) -> Bool {
        var terms: [(scope: String, op: String, values: [String])] = (quotaSpec["scopes"]?.arrayValue ?? []).compactMap {
            $0.stringValue.map { ($0, "Exists", []) }
        }
        for e in quotaSpec[path: ["scopeSelector", "matchExpressions"]]?.arrayValue ?? [] {
            terms.append((e["scopeName"]?.stringValue ?? "", e["operator"]?.stringValue ?? "",
                          (e["values"]?.arrayValue ?? []).compactMap(\.stringValue)))
        }
        guard !terms.isEmpty else { return true }
        guard r.group.isEmpty, r.plural == "pods" else { return false }
        let spec = obj["spec"] ?? .emptyObject
        for t in terms {
            let hit: Bool
            switch t.scope {
            case "Terminating": hit = spec["activeDeadlineSeconds"]?.intValue != nil
            case "NotTerminating": hit = spec["activeDeadlineSeconds"]?.intValue == nil
            case "BestEffort": hit = Defaulter.qosClass(spec) == "BestEffort"
            case "NotBestEffort": hit = Defaulter.qosClass(spec) != "BestEffort"
            case "PriorityClass":
                let pc = spec["priorityClassName"]?.stringValue ?? ""
                switch t.op {
                case "In": hit = t.values.contains(pc)
                case "NotIn": hit = !t.values.contains(pc)
                case "Exists": hit = !pc.isEmpty
                case "DoesNotExist": hit = pc.isEmpty
                default: hit = false
                }
                if !hit { return false }
                continue
            default: hit = false
            }
            let want = t.op != "NotIn" && t.op != "DoesNotExist"
            if hit != want { return false }
        }
        return true
    }

    /// Sums usages.
    public static func add(_ a: [String: Decimal], _ b: [String: Decimal]) -> [String: Decimal] {
        a.merging(b, uniquingKeysWith: +)
    }

    /// A quantity as Kubernetes prints one in canonical form: binary
    /// suffixes for values stated in binary units (`1Gi`), decimal ones
    /// otherwise (`500m`, `2`, `3k`).
    public static func format(_ d: Decimal, binary: Bool) -> String {
        if d == 0 { return "0" }
        let n = NSDecimalNumber(decimal: d).int64Value
        if Decimal(n) == d {
            if binary { return Quantity(bytes: n).text }
            var v = n, i = 0
            let suffixes = ["", "k", "M", "G", "T", "P", "E"]
            while v != 0, v % 1000 == 0, i < suffixes.count - 1 { v /= 1000; i += 1 }
            return "\(v)\(suffixes[i])"
        }
        var milli = d * 1000
        var m = Decimal()
        NSDecimalRound(&m, &milli, 0, .up)
        return "\(NSDecimalNumber(decimal: m).int64Value)m"
    }

    /// Whether a quantity text uses binary suffixes.
    public static func isBinary(_ text: String?) -> Bool {
        guard let text else { return false }
        return ["Ki", "Mi", "Gi", "Ti", "Pi", "Ei"].contains { text.hasSuffix($0) }
    }
}
