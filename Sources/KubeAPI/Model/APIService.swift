/// `apiregistration.k8s.io/v1` APIService: a group-version the API server
/// serves itself (`Local`, no `service`) or proxies to a Service (an
/// aggregated API server such as metrics-server). Its name is
/// `VERSION.GROUP` (`v1beta1.metrics.k8s.io`; `v1.` for the core group).
public struct APIService: KubeObject, Hashable {
    public static let apiVersion = "apiregistration.k8s.io/v1"
    public static let kind = "APIService"
    public static let resource = "apiservices"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: APIServiceSpec
    public var status: APIServiceStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: APIServiceSpec = APIServiceSpec()) {
        apiVersion = Self.apiVersion
        kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }

    /// The `Available` condition, if set.
    public var available: APIServiceCondition? { status?.conditions?.first { $0.type == "Available" } }
}

/// Where an APIService's requests go and how it ranks in discovery.
public struct APIServiceSpec: Sendable, Hashable, Codable {
    /// The Service in front of the aggregated API server; nil for a group-version served locally.
    public var service: APIServiceReference?
    public var group: String?
    public var version: String?
    /// Whether the backend's serving certificate goes unverified (discouraged; not with `caBundle`).
    public var insecureSkipTLSVerify: Bool?
    /// Base64 PEM of the CA that signed the backend's serving certificate.
    public var caBundle: String?
    /// The group's rank in discovery (higher first); 1…20000.
    public var groupPriorityMinimum: Int32
    /// The version's rank within its group (higher first); 1…1000.
    public var versionPriority: Int32

    public init(service: APIServiceReference? = nil, group: String? = nil, version: String? = nil,
                groupPriorityMinimum: Int32 = 0, versionPriority: Int32 = 0) {
        self.service = service
        self.group = group
        self.version = version
        self.groupPriorityMinimum = groupPriorityMinimum
        self.versionPriority = versionPriority
    }
}

/// A Service by namespace, name and port (443 by default).
public struct APIServiceReference: Sendable, Hashable, Codable {
    public var namespace: String?
    public var name: String?
    public var port: Int32?

    public init(namespace: String, name: String, port: Int32? = nil) {
        self.namespace = namespace
        self.name = name
        self.port = port
    }
}

public struct APIServiceStatus: Sendable, Hashable, Codable {
    public var conditions: [APIServiceCondition]?
    public init(conditions: [APIServiceCondition]? = nil) { self.conditions = conditions }
}

/// `Available`: whether requests to the group-version can be served.
public struct APIServiceCondition: Sendable, Hashable, Codable {
    public var type: String
    /// `True`, `False` or `Unknown`.
    public var status: String
    public var lastTransitionTime: Timestamp?
    public var reason: String?
    public var message: String?

    public init(type: String, status: String, reason: String? = nil, message: String? = nil, lastTransitionTime: Timestamp? = nil) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}
