/// One permission of an RBAC role (`rbac.authorization.k8s.io/v1`): the
/// verbs it allows on resources of API groups (optionally only the named
/// objects), or on non-resource URLs such as `/healthz`. `*` matches any.
public struct PolicyRule: Codable, Sendable, Hashable {
    public var verbs: [String]
    public var apiGroups: [String]?
    /// Plural resource names, `pods/log` for a subresource, `*/scale` for a
    /// subresource of any resource.
    public var resources: [String]?
    public var resourceNames: [String]?
    /// Paths; a trailing `*` matches any suffix.
    public var nonResourceURLs: [String]?

    public init(verbs: [String], apiGroups: [String]? = nil, resources: [String]? = nil,
                resourceNames: [String]? = nil, nonResourceURLs: [String]? = nil) {
        self.verbs = verbs
        self.apiGroups = apiGroups
        self.resources = resources
        self.resourceNames = resourceNames
        self.nonResourceURLs = nonResourceURLs
    }
}

/// Who a binding grants its role to: a `User`, a `Group` or a
/// `ServiceAccount` (with its namespace).
public struct RBACSubject: Codable, Sendable, Hashable {
    public var kind: String
    public var apiGroup: String?
    public var name: String
    public var namespace: String?

    public init(kind: String, name: String, namespace: String? = nil) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.apiGroup = kind == "ServiceAccount" ? nil : "rbac.authorization.k8s.io"
    }
}

/// The role a binding grants: a `Role` of the binding's namespace or a
/// `ClusterRole`. Immutable once bound.
public struct RoleRef: Codable, Sendable, Hashable {
    public var apiGroup: String
    public var kind: String
    public var name: String

    public init(kind: String, name: String) {
        self.apiGroup = "rbac.authorization.k8s.io"
        self.kind = kind
        self.name = name
    }
}

/// Which ClusterRoles an aggregated ClusterRole collects the rules of.
public struct AggregationRule: Codable, Sendable, Hashable {
    public var clusterRoleSelectors: [LabelSelector]?
    public init(clusterRoleSelectors: [LabelSelector]) { self.clusterRoleSelectors = clusterRoleSelectors }
}

/// A set of permissions within one namespace.
public struct Role: KubeObject, Hashable {
    public static let apiVersion = "rbac.authorization.k8s.io/v1"
    public static let kind = "Role"
    public static let resource = "roles"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var rules: [PolicyRule]?

    public init(metadata: ObjectMeta = ObjectMeta(), rules: [PolicyRule] = []) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.rules = rules
    }
}

/// A set of permissions across the cluster (or reused by RoleBindings in
/// any namespace); with an `aggregationRule` its rules are those of the
/// ClusterRoles the selectors match, kept so by a controller.
public struct ClusterRole: KubeObject, Hashable {
    public static let apiVersion = "rbac.authorization.k8s.io/v1"
    public static let kind = "ClusterRole"
    public static let resource = "clusterroles"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var rules: [PolicyRule]?
    public var aggregationRule: AggregationRule?

    public init(metadata: ObjectMeta = ObjectMeta(), rules: [PolicyRule] = [], aggregationRule: AggregationRule? = nil) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.rules = rules
        self.aggregationRule = aggregationRule
    }
}

/// Grants a Role or ClusterRole to subjects within one namespace.
public struct RoleBinding: KubeObject, Hashable {
    public static let apiVersion = "rbac.authorization.k8s.io/v1"
    public static let kind = "RoleBinding"
    public static let resource = "rolebindings"
    public static let namespaced = true
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var subjects: [RBACSubject]?
    public var roleRef: RoleRef

    public init(metadata: ObjectMeta = ObjectMeta(), subjects: [RBACSubject] = [], roleRef: RoleRef) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.subjects = subjects
        self.roleRef = roleRef
    }
}

/// Grants a ClusterRole to subjects across the cluster.
public struct ClusterRoleBinding: KubeObject, Hashable {
    public static let apiVersion = "rbac.authorization.k8s.io/v1"
    public static let kind = "ClusterRoleBinding"
    public static let resource = "clusterrolebindings"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var subjects: [RBACSubject]?
    public var roleRef: RoleRef

    public init(metadata: ObjectMeta = ObjectMeta(), subjects: [RBACSubject] = [], roleRef: RoleRef) {
        self.apiVersion = Self.apiVersion
        self.kind = Self.kind
        self.metadata = metadata
        self.subjects = subjects
        self.roleRef = roleRef
    }
}
