/// A resource quota (core/v1): the most a namespace may hold of each named
/// resource (`pods`, `requests.cpu`, `count/deployments.apps`, ...); the
/// ResourceQuota admission plugin refuses writes beyond it and the quota
/// controller keeps `status.used` current.
public struct ResourceQuota: KubeObject, Hashable {
    public static let apiVersion = "v1"
    public static let kind = "ResourceQuota"
    public static let resource = "resourcequotas"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ResourceQuotaSpec?
    public var status: ResourceQuotaStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: ResourceQuotaSpec? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// What a quota limits and which objects it counts.
public struct ResourceQuotaSpec: Sendable, Hashable, Codable {
    public var hard: ResourceList?
    /// `Terminating`, `NotTerminating`, `BestEffort`, `NotBestEffort`, `PriorityClass`, `CrossNamespacePodAffinity`.
    public var scopes: [String]?
    public var scopeSelector: ScopeSelector?
    public init(hard: ResourceList? = nil) { self.hard = hard }
}

/// Scopes as match expressions.
public struct ScopeSelector: Sendable, Hashable, Codable {
    public var matchExpressions: [ScopedResourceSelectorRequirement]?
    public init() {}
}

/// One scope expression (`scopeName`, `operator` In/NotIn/Exists/DoesNotExist, `values`).
public struct ScopedResourceSelectorRequirement: Sendable, Hashable, Codable {
    public var scopeName: String
    public var `operator`: String
    public var values: [String]?
    public init(scopeName: String, operator op: String, values: [String]? = nil) {
        self.scopeName = scopeName
        self.operator = op
        self.values = values
    }
}

/// The enforced limits and the current use.
public struct ResourceQuotaStatus: Sendable, Hashable, Codable {
    public var hard: ResourceList?
    public var used: ResourceList?
    public init(hard: ResourceList? = nil, used: ResourceList? = nil) {
        self.hard = hard
        self.used = used
    }
}
