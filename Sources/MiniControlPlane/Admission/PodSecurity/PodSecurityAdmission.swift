import KubeAPI

/// The PodSecurity admission plugin: pods in a namespace labelled
/// `pod-security.kubernetes.io/enforce=LEVEL` that violate LEVEL are refused
/// (`violates PodSecurity "restricted:latest": ...`); `warn=LEVEL` returns
/// `Warning` headers (`would violate PodSecurity ...`) and `audit=LEVEL` an
/// audit annotation, for pods and for the pod templates of workloads
/// (enforce applies to pods only, as upstream). Updates are checked only
/// when they change the pod's spec beyond what upstream ignores; status and
/// other subresources are not checked. Nothing is exempt.
struct PodSecurityAdmission: AdmissionPlugin {
    var name: String { "PodSecurity" }

    /// Where workloads keep their pod template.
    static let templatePaths: [String: [String]] = [
        "Deployment": ["spec", "template"], "ReplicaSet": ["spec", "template"], "StatefulSet": ["spec", "template"],
        "DaemonSet": ["spec", "template"], "Job": ["spec", "template"], "ReplicationController": ["spec", "template"],
        "CronJob": ["spec", "jobTemplate", "spec", "template"], "PodTemplate": ["template"],
    ]

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard a.operation != .delete else { return }
        if a.info.kind == "Namespace" && a.info.group.isEmpty { return try await validateNamespace(&a, registry) }
        guard let ns = a.namespace, let obj = a.object else { return }
        let isPod = a.info.kind == "Pod" && a.info.group.isEmpty
        let template: JSONValue
        if isPod {
            guard a.subresource == nil || a.subresource == "ephemeralcontainers" else { return }
            if a.operation == .update, let old = a.oldObject, !Self.significantUpdate(old: old, new: obj) { return }
            template = obj
        } else if let path = Self.templatePaths[a.info.kind] {
            guard a.subresource == nil, let t = obj[path: path] else { return }
            if a.operation == .update, a.oldObject?[path: path] == t { return }
            template = t
        } else {
            return
        }
        let policy = try await Self.policy(ns, registry)
        if policy.isPrivileged { return }
        let metadata = template["metadata"] ?? .emptyObject
        let spec = template["spec"] ?? .emptyObject
        var enforceFailed = false
        if isPod, policy.enforce.level != .privileged {
            let v = PodSecurityChecks.evaluate(policy.enforce.level, metadata: metadata, spec: spec)
            a.auditAnnotations["pod-security.kubernetes.io/enforce-policy"] = policy.enforce.description
            if !v.isEmpty {
                enforceFailed = true
                throw a.forbidden("violates PodSecurity \"\(policy.enforce)\": \(Self.describe(v))")
            }
        }
        if policy.audit.level != .privileged {
            let v = PodSecurityChecks.evaluate(policy.audit.level, metadata: metadata, spec: spec)
            if !v.isEmpty { a.auditAnnotations["pod-security.kubernetes.io/audit-violations"] = "would violate PodSecurity \"\(policy.audit)\": \(Self.describe(v))" }
        }
        if policy.warn.level != .privileged, !enforceFailed {
            let v = PodSecurityChecks.evaluate(policy.warn.level, metadata: metadata, spec: spec)
            if !v.isEmpty { a.warnings.append("would violate PodSecurity \"\(policy.warn)\": \(Self.describe(v))") }
        }
    }

    /// `reason (detail), reason (detail)`.
    static func describe(_ violations: [PodSecurityChecks.Violation]) -> String {
        violations.map(\.text).joined(separator: ", ")
    }

    /// The namespace's policy.
    static func policy(_ ns: String, _ registry: ResourceStorage) async throws(Status) -> PodSecurityPolicy {
        guard let namespace = try await registry.admissionNamespace(ns) else { return PodSecurityPolicy() }
        return PodSecurityPolicy(labels: namespace[path: ["metadata", "labels"]]?.objectValue ?? [:])
    }

    /// Upstream skips pod updates that change only metadata (other than the
    /// AppArmor and seccomp annotations), images, tolerations or
    /// activeDeadlineSeconds.
    static func significantUpdate(old: JSONValue, new: JSONValue) -> Bool {
        func relevant(_ pod: JSONValue) -> JSONValue {
            var spec = pod["spec"] ?? .emptyObject
            for field in ["initContainers", "containers", "ephemeralContainers"] {
                guard var cs = spec[field]?.arrayValue else { continue }
                for i in cs.indices { cs[i]["image"] = nil }
                spec[field] = .array(cs)
            }
            spec["tolerations"] = nil
            spec["activeDeadlineSeconds"] = nil
            let annotations = (pod[path: ["metadata", "annotations"]]?.objectValue ?? [:]).filter {
                $0.key.hasPrefix("container.apparmor.security.beta.kubernetes.io/") || $0.key.hasPrefix("seccomp.security.alpha.kubernetes.io/")
                    || $0.key.hasPrefix("container.seccomp.security.alpha.kubernetes.io/")
            }
            return ["spec": spec, "annotations": .object(annotations)]
        }
        return relevant(old) != relevant(new)
    }

    /// Namespace labels must name known levels and versions; a new enforce
    /// level warns about the namespace's existing pods that violate it.
    func validateNamespace(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard a.subresource == nil, let obj = a.object else { return }
        let policy = PodSecurityPolicy(labels: obj[path: ["metadata", "labels"]]?.objectValue ?? [:])
        if !policy.errors.isEmpty { throw APIErrors.invalid(a.info, a.name, policy.errors) }
        guard a.operation == .update, let old = a.oldObject, policy.enforce.level != .privileged else { return }
        let before = PodSecurityPolicy(labels: old[path: ["metadata", "labels"]]?.objectValue ?? [:])
        guard before.enforce != policy.enforce else { return }
        let pods = try await registry.list(ResourceCatalog.info(for: Pod.self), a.name, ListQuery())
        // Pods with the same violations are reported together, as upstream does.
        var byReasons: [(reasons: String, pods: [String])] = []
        for item in pods.items {
            guard let pod = try? registry.decode(item, ResourceCatalog.info(for: Pod.self)) else { continue }
            let v = PodSecurityChecks.evaluate(policy.enforce.level, metadata: pod["metadata"] ?? .emptyObject, spec: pod["spec"] ?? .emptyObject)
            guard !v.isEmpty else { continue }
            let reasons = v.map(\.reason).joined(separator: ", ")
            let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
            if let i = byReasons.firstIndex(where: { $0.reasons == reasons }) { byReasons[i].pods.append(name) } else { byReasons.append((reasons, [name])) }
        }
        guard !byReasons.isEmpty else { return }
        a.warnings.append("existing pods in namespace \"\(a.name)\" violate the new PodSecurity enforce level \"\(policy.enforce)\"")
        for (reasons, names) in byReasons {
            let who = names.count == 1 ? names[0] : "\(names[0]) (and \(names.count - 1) other \(names.count == 2 ? "pod" : "pods"))"
            a.warnings.append("\(who): \(reasons)")
        }
    }
}
