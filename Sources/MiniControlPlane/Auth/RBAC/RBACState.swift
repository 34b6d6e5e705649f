import KubeAPI

/// The roles and bindings an RBAC decision reads, indexed by subject so a
/// decision costs a few hash lookups however many bindings exist (a
/// value type: the authorizer keeps one behind a lock and applies watch
/// events to it).
struct RBACState: Sendable {
    /// A binding as the index keeps it.
    struct Binding: Sendable, Hashable {
        var kind: String
        var name: String
        var namespace: String?
        var roleRef: RoleRef
        var subjectKeys: [String]
    }

    private(set) var clusterRoles: [String: [PolicyRule]] = [:]
    /// Namespace → name → rules.
    private(set) var roles: [String: [String: [PolicyRule]]] = [:]
    private var clusterBindings: [String: Binding] = [:]
    /// Subject key → ClusterRoleBinding names.
    private var clusterBySubject: [String: Set<String>] = [:]
    /// Namespace → name → binding.
    private var roleBindings: [String: [String: Binding]] = [:]
    /// Namespace → subject key → RoleBinding names.
    private var roleBySubject: [String: [String: Set<String>]] = [:]

    /// Counts, for logs and tests.
    var bindingCount: Int { clusterBindings.count + roleBindings.values.reduce(0) { $0 + $1.count } }

    /// The index key of a subject: users (service accounts as their user
    /// names) `u:NAME`, groups `g:NAME`.
    static func key(_ s: RBACSubject, bindingNamespace: String?) -> String? {
        switch s.kind {
        case "User": return "u:" + s.name
        case "Group": return "g:" + s.name
        case "ServiceAccount":
            let ns = (s.namespace ?? "").isEmpty ? (bindingNamespace ?? "") : (s.namespace ?? "")
            return "u:system:serviceaccount:\(ns):\(s.name)"
        default: return nil
        }
    }

    /// The keys a user matches.
    static func keys(of user: UserInfo) -> [String] {
        ["u:" + user.name] + user.groups.map { "g:" + $0 }
    }

    // MARK: updates

    /// Applies a created, changed (`object` set) or deleted (`nil`) RBAC object.
    mutating func apply(kind: String, namespace: String?, name: String, object: JSONValue?) {
        switch kind {
        case "ClusterRole":
            clusterRoles[name] = object.map { Self.rules($0) }
        case "Role":
            let ns = namespace ?? ""
            roles[ns, default: [:]][name] = object.map { Self.rules($0) }
            if roles[ns]?.isEmpty == true { roles[ns] = nil }
        case "ClusterRoleBinding":
            if let old = clusterBindings.removeValue(forKey: name) {
                for k in old.subjectKeys { clusterBySubject[k]?.remove(name); if clusterBySubject[k]?.isEmpty == true { clusterBySubject[k] = nil } }
            }
            guard let object, let b = Self.binding(kind, nil, name, object) else { return }
            clusterBindings[name] = b
            for k in b.subjectKeys { clusterBySubject[k, default: []].insert(name) }
        case "RoleBinding":
            let ns = namespace ?? ""
            if let old = roleBindings[ns]?.removeValue(forKey: name) {
                for k in old.subjectKeys {
                    roleBySubject[ns]?[k]?.remove(name)
                    if roleBySubject[ns]?[k]?.isEmpty == true { roleBySubject[ns]?[k] = nil }
                }
            }
            guard let object, let b = Self.binding(kind, ns, name, object) else { return }
            roleBindings[ns, default: [:]][name] = b
            for k in b.subjectKeys { roleBySubject[ns, default: [:]][k, default: []].insert(name) }
        default:
            return
        }
    }

    static func rules(_ o: JSONValue) -> [PolicyRule] {
        (o["rules"]?.arrayValue ?? []).compactMap { try? JSONValueDecoder.decode(PolicyRule.self, from: $0) }
    }

    static func binding(_ kind: String, _ ns: String?, _ name: String, _ o: JSONValue) -> Binding? {
        guard let refJSON = o["roleRef"], let ref = try? JSONValueDecoder.decode(RoleRef.self, from: refJSON) else { return nil }
        let subjects = (o["subjects"]?.arrayValue ?? []).compactMap { try? JSONValueDecoder.decode(RBACSubject.self, from: $0) }
        return Binding(kind: kind, name: name, namespace: ns, roleRef: ref, subjectKeys: subjects.compactMap { key($0, bindingNamespace: ns) })
    }

    // MARK: decisions

    /// The rules a binding grants (none when its role does not exist).
    func rules(of b: Binding) -> [PolicyRule] {
        if b.roleRef.kind == "ClusterRole" { return clusterRoles[b.roleRef.name] ?? [] }
        return roles[b.namespace ?? ""]?[b.roleRef.name] ?? []
    }

    /// The bindings that apply to `user` in `namespace` (cluster-wide ones first).
    func bindings(for user: UserInfo, namespace: String?) -> [Binding] {
        var out: [Binding] = []
        let keys = Self.keys(of: user)
        for k in keys { for n in clusterBySubject[k] ?? [] { if let b = clusterBindings[n] { out.append(b) } } }
        if let ns = namespace, let byKey = roleBySubject[ns] {
            for k in keys { for n in byKey[k] ?? [] { if let b = roleBindings[ns]?[n] { out.append(b) } } }
        }
        return out
    }

    /// The binding that allows the request, if one does.
    func allowingBinding(_ user: UserInfo, _ a: RequestAttributes) -> Binding? {
        let keys = Self.keys(of: user)
        for k in keys {
            for n in clusterBySubject[k] ?? [] {
                if let b = clusterBindings[n], rules(of: b).contains(where: { $0.allows(a) }) { return b }
            }
        }
        // A non-resource URL or cluster-scoped request is granted by ClusterRoleBindings only.
        guard a.path == nil, let ns = a.namespace, let byKey = roleBySubject[ns] else { return nil }
        for k in keys {
            for n in byKey[k] ?? [] {
                if let b = roleBindings[ns]?[n], rules(of: b).contains(where: { $0.allows(a) }) { return b }
            }
        }
        return nil
    }

    /// Every rule `user` holds in `namespace` (cluster-wide rules included).
    func rules(for user: UserInfo, namespace: String?) -> [PolicyRule] {
        bindings(for: user, namespace: namespace).flatMap { rules(of: $0) }
    }
}
