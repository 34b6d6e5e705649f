import KubeAPI

/// What a request wants to do: a verb on a resource (group, plural,
/// subresource, namespace, name) or on a non-resource path.
struct RequestAttributes: Sendable {
    var verb: String
    var group = ""
    var resource = ""
    var subresource: String?
    var namespace: String?
    var name: String?
    var fieldSelector: FieldSelector = .everything
    /// The path of a non-resource request (`/healthz`); nil for resources.
    var path: String?

    init(verb: String, group: String, resource: String, subresource: String? = nil, namespace: String? = nil,
         name: String? = nil, fieldSelector: FieldSelector = .everything) {
        self.verb = verb
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
        self.fieldSelector = fieldSelector
    }

    init(verb: String, info: ResourceInfo, subresource: String?, namespace: String?, name: String?, fieldSelector: FieldSelector) {
        self.init(verb: verb, group: info.group, resource: info.plural, subresource: subresource, namespace: namespace,
                  name: name, fieldSelector: fieldSelector)
    }

    init(verb: String, path: String) {
        self.verb = verb
        self.path = path
    }

    /// `pods` or `deployments.apps`.
    var groupResource: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

/// The authorizer's answer. Some node permissions depend on the object, so
/// the registry checks them once it has the object.
enum AuthorizationDecision: Sendable, Equatable {
    case allow
    case deny
    /// Allowed when the (existing or new) pod is bound to this node.
    case podBoundTo(String)
    /// Allowed when a pod bound to this node references the object.
    case referencedBy(String)
    /// Allowed when the object in the request body has this name.
    case bodyNamed(String)
}

/// An authorizer kube-apiserver's `--authorization-mode` names.
public enum AuthorizationMode: String, Sendable, CaseIterable {
    case node = "Node"
    case rbac = "RBAC"
    case alwaysAllow = "AlwaysAllow"

    /// Parses `Node,RBAC`, refusing unknown and repeated modes with upstream's words.
    public static func parse(_ text: String) throws(ControlPlaneError) -> [AuthorizationMode] {
        var modes: [AuthorizationMode] = []
        for part in text.split(separator: ",").map({ String($0).trimmingSpaces }) {
            guard let m = AuthorizationMode(rawValue: part) else {
                throw ControlPlaneError(description: "--authorization-mode: authorization-mode \"\(part)\" is not a valid mode (supported: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard !modes.contains(m) else { throw ControlPlaneError(description: "--authorization-mode: \"\(part)\" is specified more than once") }
            modes.append(m)
        }
        guard !modes.isEmpty else { throw ControlPlaneError(description: "--authorization-mode: at least one authorization mode must be passed") }
        return modes
    }
}

/// The authorizer chain kube-apiserver builds from `--authorization-mode`
/// (`Node,RBAC` by default): members of `system:masters` may do everything
/// (upstream's privileged-group authorizer, ahead of the modes), then each
/// mode in order; the first to allow decides. A node permission that
/// depends on the object is returned for the registry to check when no
/// later mode allows the request outright.
struct Authorizer: Sendable {
    let rbac: RBACAuthorizer
    var modes: [AuthorizationMode] = [.node, .rbac]

    func authorize(_ user: UserInfo, _ a: RequestAttributes) -> AuthorizationDecision {
        if user.isAdmin { return .allow }
        var conditional = AuthorizationDecision.deny
        for mode in modes {
            switch mode {
            case .node:
                let d = NodeAuthorizer.authorize(user, a)
                if d == .allow { return .allow }
                if conditional == .deny { conditional = d }
            case .rbac:
                if rbac.allowingBinding(user, a) != nil { return .allow }
            case .alwaysAllow:
                return .allow
            }
        }
        return conditional
    }

    /// Whether the request is allowed without conditions.
    func allows(_ user: UserInfo, _ a: RequestAttributes) -> Bool { authorize(user, a) == .allow }

    /// Why a request is allowed, as upstream's SubjectAccessReview reason.
    func reason(_ user: UserInfo, _ a: RequestAttributes) -> String {
        if user.isAdmin { return "" }
        if modes.contains(.rbac), let b = rbac.allowingBinding(user, a) {
            let subject = user.name.hasPrefix("system:serviceaccount:") ? "ServiceAccount" : "User"
            let binding = b.namespace.map { "RoleBinding \"\(b.name)/\($0)\"" } ?? "ClusterRoleBinding \"\(b.name)\""
            return "RBAC: allowed by \(binding) of \(b.roleRef.kind) \"\(b.roleRef.name)\" to \(subject) \"\(user.name)\""
        }
        return ""
    }

    /// The 403 message Kubernetes gives.
    static func forbidden(_ user: UserInfo, _ a: RequestAttributes) -> Status {
        guard a.path == nil else {
            return APIErrors.forbidden("forbidden: User \"\(user.name)\" cannot \(a.verb) path \"\(a.path ?? "")\"")
        }
        let res = a.subresource.map { "\(a.resource)/\($0)" } ?? a.resource
        let subject = a.name.map { "\(a.groupResource) \"\($0)\"" } ?? a.groupResource
        let scope = a.namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        return APIErrors.forbidden(
            "\(subject) is forbidden: User \"\(user.name)\" cannot \(a.verb) resource \"\(res)\" in API group \"\(a.group)\" \(scope)",
            kind: a.resource, name: a.name)
    }
}
