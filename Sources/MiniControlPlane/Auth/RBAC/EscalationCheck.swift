import KubeAPI

/// Upstream's RBAC escalation prevention (`pkg/registry/rbac`): a user may
/// write a Role or ClusterRole only with permissions they hold themselves
/// (or the `escalate` verb on it), and bind a role only when they hold its
/// permissions (or the `bind` verb on it). `system:masters` and the API
/// server's own writes are exempt; an aggregated ClusterRole needs full
/// authority.
enum EscalationCheck {
    static let kinds: Set<String> = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]

    static func check(_ info: ResourceInfo, _ obj: JSONValue, old: JSONValue?, user: UserInfo, authorizer: Authorizer,
                      registry: ResourceStorage) async throws(Status) {
        guard kinds.contains(info.kind), !user.isAdmin else { return }
        let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
        let ns = info.namespaced ? obj[path: ["metadata", "namespace"]]?.stringValue : nil
        let rbac = BootstrapPolicy.rbacGroup
        switch info.kind {
        case "Role", "ClusterRole":
            if let old, old["rules"] == obj["rules"], old["aggregationRule"] == obj["aggregationRule"] { return }
            let escalate = RequestAttributes(verb: "escalate", group: rbac, resource: info.plural, namespace: ns, name: name)
            if authorizer.allows(user, escalate) { return }
            let held = authorizer.rbac.rules(for: user, namespace: ns)
            if obj["aggregationRule"] != nil, obj["aggregationRule"]?.isNull != true {
                let full = [PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]), PolicyRule(verbs: ["*"], nonResourceURLs: ["*"])]
                if !PolicyRule.uncovered(full, by: held).isEmpty {
                    throw forbidden(info, name, "must have cluster-admin privileges to use the aggregationRule")
                }
                return
            }
            try confirmNoEscalation(RBACState.rules(obj), held: held, user: user, info: info, name: name)
        default:
            if let old, old["roleRef"] == obj["roleRef"], old["subjects"] == obj["subjects"] { return }
            guard let refJSON = obj["roleRef"], let ref = try? JSONValueDecoder.decode(RoleRef.self, from: refJSON) else { return }
            let roleResource = ref.kind == "Role" ? "roles" : "clusterroles"
            // Upstream's BindingAuthorized: `bind` on the role, asked in the binding's namespace.
            let bind = RequestAttributes(verb: "bind", group: rbac, resource: roleResource, namespace: ns, name: ref.name)
            if authorizer.allows(user, bind) { return }
            // Read from storage, as upstream's rule resolver: a role created just before is there.
            let roleInfo = ref.kind == "Role" ? ResourceCatalog.info(for: Role.self) : ResourceCatalog.info(for: ClusterRole.self)
            let granted: [PolicyRule]
            do {
                granted = RBACState.rules(try await registry.get(roleInfo, ref.kind == "Role" ? ns : nil, ref.name))
            } catch where error.code == 404 {
                throw forbidden(info, name, "\(roleInfo.groupResource) \"\(ref.name)\" not found")
            }
            try confirmNoEscalation(granted, held: authorizer.rbac.rules(for: user, namespace: ns), user: user, info: info, name: name)
        }
    }

    static func confirmNoEscalation(_ requested: [PolicyRule], held: [PolicyRule], user: UserInfo, info: ResourceInfo, name: String) throws(Status) {
        let missing = PolicyRule.uncovered(requested, by: held)
        guard !missing.isEmpty else { return }
        let groups = "[" + user.groups.map { "\"\($0)\"" }.joined(separator: " ") + "]"
        let lines = compact(missing).map(\.compactDescription).joined(separator: "\n")
        throw forbidden(info, name, "user \"\(user.name)\" (groups=\(groups)) is attempting to grant RBAC permissions not currently held:\n\(lines)")
    }

    /// Atoms that differ only in their verb merged into one rule, as upstream's `CompactRules`.
    static func compact(_ atoms: [PolicyRule]) -> [PolicyRule] {
        var out: [PolicyRule] = []
        for a in atoms {
            if a.nonResourceURLs == nil,
               let i = out.firstIndex(where: { $0.apiGroups == a.apiGroups && $0.resources == a.resources && $0.resourceNames == a.resourceNames && $0.nonResourceURLs == nil }) {
                if !out[i].verbs.contains(a.verbs[0]) { out[i].verbs.append(contentsOf: a.verbs) }
            } else {
                out.append(a)
            }
        }
        return out
    }

    static func forbidden(_ info: ResourceInfo, _ name: String, _ reason: String) -> Status {
        APIErrors.forbidden("\(info.groupResource) \"\(name)\" is forbidden: \(reason)", kind: info.plural, name: name)
    }
}
