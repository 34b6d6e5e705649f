/// Everything the API knows about one resource type.
public struct ResourceInfo: Sendable, Hashable {
    /// API group, "" for core.
    public var group: String
    public var version: String
    public var kind: String
    /// Plural name in URLs.
    public var plural: String
    public var singular: String
    public var shortNames: [String]
    public var namespaced: Bool
    public var categories: [String]
    /// Subresources served (`status`, `scale`, `binding`, `eviction`).
    public var subresources: [String]

    public init(group: String, version: String, kind: String, plural: String, singular: String, shortNames: [String],
                namespaced: Bool, categories: [String], subresources: [String]) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.singular = singular
        self.shortNames = shortNames
        self.namespaced = namespaced
        self.categories = categories
        self.subresources = subresources
    }

    /// `v1` or `apps/v1`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// `pods` or `deployments.apps`.
    public var groupResource: String { group.isEmpty ? plural : "\(plural).\(group)" }
    /// The verbs discovery lists.
    public var verbs: [String] {
        if kind == "Binding" { return ["create"] }
        if kind == "ComponentStatus" { return ["get", "list"] }
        return ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    }

    /// The storage key prefix of this resource, e.g. `/registry/pods/`.
    public var keyPrefix: String { "/registry/\(groupResource)/" }

    /// The storage key of one object.
    public func key(namespace: String?, name: String) -> String {
        if namespaced { return "\(keyPrefix)\(namespace ?? "")/\(name)" }
        return keyPrefix + name
    }

    /// The storage prefix of one namespace (or all objects when nil).
    public func prefix(namespace: String?) -> String {
        if namespaced, let namespace, !namespace.isEmpty { return "\(keyPrefix)\(namespace)/" }
        return keyPrefix
    }
}

/// The resources this API serves.
public enum ResourceCatalog {
    private static func r(
        _ group: String, _ kind: String, _ plural: String, short: [String] = [], namespaced: Bool = true,
        all: Bool = false, sub: [String] = []
    ) -> ResourceInfo {
        ResourceInfo(group: group, version: "v1", kind: kind, plural: plural, singular: kind.lowercased(),
                     shortNames: short, namespaced: namespaced, categories: all ? ["all"] : [], subresources: sub)
    }

    /// All served resources, in discovery order.
    public static let all: [ResourceInfo] = [
        r("", "Namespace", "namespaces", short: ["ns"], namespaced: false, sub: ["status", "finalize"]),
        r("", "Pod", "pods", short: ["po"], all: true, sub: ["status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy"]),
        r("", "Node", "nodes", short: ["no"], namespaced: false, sub: ["status", "proxy"]),
        r("", "Service", "services", short: ["svc"], all: true, sub: ["status", "proxy"]),
        r("", "Endpoints", "endpoints", short: ["ep"]),
        r("", "ConfigMap", "configmaps", short: ["cm"]),
        r("", "Secret", "secrets"),
        r("", "ServiceAccount", "serviceaccounts", short: ["sa"], sub: ["token"]),
        r("", "Event", "events", short: ["ev"]),
        r("", "Binding", "bindings"),
        r("", "PodTemplate", "podtemplates"),
        r("", "ComponentStatus", "componentstatuses", short: ["cs"], namespaced: false),
        r("apps", "Deployment", "deployments", short: ["deploy"], all: true, sub: ["status", "scale"]),
        r("apps", "ReplicaSet", "replicasets", short: ["rs"], all: true, sub: ["status", "scale"]),
        r("apps", "DaemonSet", "daemonsets", short: ["ds"], all: true, sub: ["status"]),
        r("discovery.k8s.io", "EndpointSlice", "endpointslices"),
        r("coordination.k8s.io", "Lease", "leases"),
        r("flowcontrol.apiserver.k8s.io", "FlowSchema", "flowschemas", namespaced: false, sub: ["status"]),
        r("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration", "prioritylevelconfigurations", namespaced: false, sub: ["status"]),
    ]

    /// API groups other than core, with their versions, in discovery order.
    public static let groups: [String] = ["apps", "discovery.k8s.io", "coordination.k8s.io", "flowcontrol.apiserver.k8s.io"]

    /// Looks a resource up by group and plural name.
    public static func find(group: String, plural: String) -> ResourceInfo? {
        all.first { $0.group == group && $0.plural == plural }
    }

    /// Looks a resource up by apiVersion and kind.
    public static func find(apiVersion: String, kind: String) -> ResourceInfo? {
        all.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }

    /// Resources of one group.
    public static func resources(group: String) -> [ResourceInfo] { all.filter { $0.group == group } }

    /// The info of a typed object.
    public static func info<T: KubeObject>(for type: T.Type) -> ResourceInfo {
        let group = T.apiVersion.contains("/") ? String(T.apiVersion.split(separator: "/")[0]) : ""
        return find(group: group, plural: T.resource)
            ?? ResourceInfo(group: group, version: "v1", kind: T.kind, plural: T.resource, singular: T.kind.lowercased(),
                            shortNames: [], namespaced: T.namespaced, categories: [], subresources: [])
    }
}
