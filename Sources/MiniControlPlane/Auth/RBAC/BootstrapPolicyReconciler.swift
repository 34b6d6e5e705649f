import KubeAPI
import Logging

/// Writes ``BootstrapPolicy`` into the store at every start as upstream's
/// `rbac/bootstrap-roles` post-start hook does: missing objects are
/// created; existing ones get missing rules, subjects, labels and
/// annotations added (never removed), unless annotated
/// `rbac.authorization.kubernetes.io/autoupdate: "false"`; a binding whose
/// roleRef changed is recreated. Objects users made are never touched.
enum BootstrapPolicyReconciler {
    static func run(_ registry: ResourceStorage, logger: Logger) async throws(Status) {
        let roleInfo = ResourceCatalog.info(for: ClusterRole.self)
        for role in BootstrapPolicy.clusterRoles {
            try await reconcile(registry, roleInfo, try encode(role), merge: mergeRole)
        }
        let namespacedInfo = ResourceCatalog.info(for: Role.self)
        for role in BootstrapPolicy.namespacedRoles {
            try await reconcile(registry, namespacedInfo, try encode(role), merge: mergeRole)
        }
        let bindingInfo = ResourceCatalog.info(for: ClusterRoleBinding.self)
        for binding in BootstrapPolicy.clusterRoleBindings {
            try await reconcile(registry, bindingInfo, try encode(binding), merge: mergeBinding)
        }
    }

    static func encode<T: Encodable>(_ value: T) throws(Status) -> JSONValue {
        do { return try JSONValueEncoder.encode(value) } catch { throw APIErrors.internalError("encoding the default RBAC policy: \(error)") }
    }

    /// The merged object, or nil when `existing` needs no change.
    typealias Merge = (_ existing: JSONValue, _ expected: JSONValue) -> JSONValue?

    static func reconcile(_ registry: ResourceStorage, _ info: ResourceInfo, _ expected: JSONValue, merge: Merge) async throws(Status) {
        let name = expected[path: ["metadata", "name"]]?.stringValue ?? ""
        let ns = expected[path: ["metadata", "namespace"]]?.stringValue
        let existing: JSONValue
        do {
            existing = try await registry.get(info, ns, name)
        } catch where error.code == 404 {
            _ = try await registry.create(info, ns, expected, WriteOptions())
            return
        }
        if existing[path: ["metadata", "annotations", BootstrapPolicy.autoupdateAnnotation]]?.stringValue == "false" { return }
        if info.kind == "ClusterRoleBinding", existing["roleRef"] != expected["roleRef"] {
            _ = try await registry.delete(info, nil, name, options: DeleteOptions(), dryRun: false)
            _ = try await registry.create(info, nil, expected, WriteOptions())
            return
        }
        let withMetadata = mergeMetadata(existing, expected) ?? existing
        guard let merged = merge(withMetadata, expected) ?? (withMetadata == existing ? nil : withMetadata) else { return }
        _ = try await registry.update(info, ns, name, merged, subresource: nil, WriteOptions())
    }

    /// Adds the expected labels and annotations the object lacks (its own values win).
    static func mergeMetadata(_ existing: JSONValue, _ expected: JSONValue) -> JSONValue? {
        var out = existing
        var changed = false
        for field in ["labels", "annotations"] {
            var mine = existing[path: ["metadata", field]]?.objectValue ?? [:]
            for (k, v) in expected[path: ["metadata", field]]?.objectValue ?? [:] where mine[k] == nil {
                mine[k] = v
                changed = true
            }
            out.set(path: ["metadata", field], to: .object(mine))
        }
        return changed ? out : nil
    }

    /// Adds missing rules (and aggregation selectors).
    static func mergeRole(_ existing: JSONValue, _ expected: JSONValue) -> JSONValue? {
        var out = existing
        var changed = false
        if let selectors = expected[path: ["aggregationRule", "clusterRoleSelectors"]]?.arrayValue {
            var mine = existing[path: ["aggregationRule", "clusterRoleSelectors"]]?.arrayValue ?? []
            for s in selectors where !mine.contains(s) {
                mine.append(s)
                changed = true
            }
            out.set(path: ["aggregationRule", "clusterRoleSelectors"], to: .array(mine))
        } else {
            let have = RBACState.rules(existing)
            var rules = existing["rules"]?.arrayValue ?? []
            for (rule, json) in zip(RBACState.rules(expected), expected["rules"]?.arrayValue ?? [])
            where !PolicyRule.uncovered([rule], by: have).isEmpty {
                rules.append(json)
                changed = true
            }
            out["rules"] = .array(rules)
        }
        return changed ? out : nil
    }

    /// Adds missing subjects.
    static func mergeBinding(_ existing: JSONValue, _ expected: JSONValue) -> JSONValue? {
        var subjects = existing["subjects"]?.arrayValue ?? []
        var changed = false
        for s in expected["subjects"]?.arrayValue ?? [] where !subjects.contains(where: {
            $0["kind"] == s["kind"] && $0["name"] == s["name"] && $0["namespace"] == s["namespace"]
        }) {
            subjects.append(s)
            changed = true
        }
        guard changed else { return nil }
        var out = existing
        out["subjects"] = .array(subjects)
        return out
    }
}
