import KubeAPI

/// The NodeRestriction admission plugin: a kubelet (user `system:node:NAME`
/// in `system:nodes`) may write only its own Node (without setting labels
/// reserved to administrators, nor changing its taints once registered),
/// only its own Lease in `kube-node-lease`, only mirror pods bound to itself,
/// only the status of (and deletions of) pods bound to itself, and only
/// tokens bound to its own pods. Messages as upstream's.
///
/// Our extension for the local-path provisioner's node half: a kubelet may
/// change a PersistentVolume only by removing the provisioner's finalizer
/// (`external-provisioner.volume.kubernetes.io/finalizer`), and only of a
/// volume whose node affinity names it.
struct NodeRestriction: AdmissionPlugin {
    var name: String { "NodeRestriction" }

    /// Labels a kubelet may set on its Node although they are in the
    /// `kubernetes.io` and `k8s.io` namespaces (upstream's kubelet labels).
    static let kubeletLabels: Set<String> = [
        "kubernetes.io/hostname", "kubernetes.io/arch", "kubernetes.io/os", "beta.kubernetes.io/arch", "beta.kubernetes.io/os",
        "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type",
        "failure-domain.beta.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
        "topology.kubernetes.io/region", "topology.kubernetes.io/zone",
    ]
    static let kubeletLabelNamespaces = ["kubelet.kubernetes.io", "node.kubernetes.io"]

    /// Whether a kubelet may not set label `key` on its own Node.
    static func isForbiddenLabel(_ key: String) -> Bool {
        guard let slash = key.firstIndex(of: "/") else { return false }
        let domain = String(key[..<slash])
        if domain == "node-restriction.kubernetes.io" || domain.hasSuffix(".node-restriction.kubernetes.io") { return true }
        if kubeletLabels.contains(key) { return false }
        if kubeletLabelNamespaces.contains(where: { domain == $0 || domain.hasSuffix("." + $0) }) { return false }
        return ["kubernetes.io", "k8s.io"].contains { domain == $0 || domain.hasSuffix("." + $0) }
    }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard let user = a.user, user.isNode else { return }
        guard let node = user.nodeName, !node.isEmpty else {
            if ["Pod", "Node", "Lease", "ServiceAccount"].contains(a.info.kind) {
                throw a.forbidden("could not determine node from user \"\(user.name)\"")
            }
            return
        }
        switch (a.info.group, a.info.kind) {
        case ("", "Pod"): try admitPod(&a, node: node)
        case ("", "Node"): try admitNode(a, node: node)
        case ("coordination.k8s.io", "Lease"): try admitLease(a, node: node)
        case ("", "ServiceAccount"): try await admitTokenRequest(a, node: node, registry)
        case ("", "PersistentVolume"): try admitPersistentVolume(a, node: node)
        case ("", "PersistentVolumeClaim"): try admitClaimStatus(a, node: node)
        default: return
        }
    }

    func admitPod(_ a: inout AdmissionAttributes, node: String) throws(Status) {
        let bound = { (p: JSONValue?) in p?[path: ["spec", "nodeName"]]?.stringValue == node }
        switch (a.operation, a.subresource) {
        case (.create, nil):
            guard let pod = a.object else { return }
            if pod[path: ["metadata", "annotations", "kubernetes.io/config.mirror"]] == nil {
                throw a.forbidden("pod does not have \"kubernetes.io/config.mirror\" annotation, node \"\(node)\" can only create mirror pods")
            }
            if !bound(pod) { throw a.forbidden("node \"\(node)\" can only create pods with spec.nodeName set to itself") }
            let owners = pod[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []
            if !owners.isEmpty {
                guard owners.count == 1, owners[0]["kind"]?.stringValue == "Node", owners[0]["name"]?.stringValue == node else {
                    throw a.forbidden("node \"\(node)\" can only create pods with a single owner reference set to itself")
                }
            }
            // A node's pods may refer to no other API object.
            let spec = pod["spec"] ?? .emptyObject
            if !(spec["serviceAccountName"]?.stringValue ?? "").isEmpty {
                throw a.forbidden("node \"\(node)\" can not create pods that reference a service account")
            }
            if !PodReferences.secrets(spec).isEmpty { throw a.forbidden("node \"\(node)\" can not create pods that reference secrets") }
            if !PodReferences.configMaps(spec).isEmpty { throw a.forbidden("node \"\(node)\" can not create pods that reference configmaps") }
            if (spec["volumes"]?.arrayValue ?? []).contains(where: { $0["persistentVolumeClaim"] != nil }) {
                throw a.forbidden("node \"\(node)\" can not create pods that reference persistentvolumeclaims")
            }
        case (.delete, _):
            if !bound(a.oldObject) { throw a.forbidden("node \"\(node)\" can only delete pods with spec.nodeName set to itself") }
        case (.update, "status"):
            if !bound(a.oldObject) { throw a.forbidden("node \"\(node)\" can only update pod status for pods with spec.nodeName set to itself") }
        default:
            throw a.forbidden("unexpected operation \(a.operation.rawValue), node \"\(node)\" can only create and delete mirror pods")
        }
    }

    func admitNode(_ a: AdmissionAttributes, node: String) throws(Status) {
        let requested = a.operation == .create ? (a.object?[path: ["metadata", "name"]]?.stringValue ?? a.name) : a.name
        if requested != node { throw a.forbidden("node \"\(node)\" is not allowed to modify node \"\(requested)\"") }
        guard let obj = a.object else { return }
        let labels = obj[path: ["metadata", "labels"]]?.objectValue ?? [:]
        if a.operation == .create {
            let forbidden = labels.keys.filter(Self.isForbiddenLabel).sorted()
            if !forbidden.isEmpty {
                throw a.forbidden("node \"\(node)\" is not allowed to set the following labels: \(forbidden.joined(separator: ", "))")
            }
            return
        }
        guard a.operation == .update, let old = a.oldObject else { return }
        if (obj[path: ["spec", "taints"]]?.arrayValue ?? []) != (old[path: ["spec", "taints"]]?.arrayValue ?? []) {
            throw a.forbidden("node \"\(node)\" is not allowed to modify taints")
        }
        let oldLabels = old[path: ["metadata", "labels"]]?.objectValue ?? [:]
        let modified = Set(labels.keys).union(oldLabels.keys).filter { labels[$0] != oldLabels[$0] }
        let forbidden = modified.filter(Self.isForbiddenLabel).sorted()
        if !forbidden.isEmpty {
            throw a.forbidden("node \"\(node)\" is not allowed to modify labels: \(forbidden.joined(separator: ", "))")
        }
    }

    func admitLease(_ a: AdmissionAttributes, node: String) throws(Status) {
        if a.namespace != "kube-node-lease" {
            throw a.forbidden("can only access leases in the \"kube-node-lease\" system namespace")
        }
        let name = a.operation == .create ? (a.object?[path: ["metadata", "name"]]?.stringValue ?? a.name) : a.name
        if name != node { throw a.forbidden("can only access node lease with the same name as the requesting node") }
    }

    /// `serviceaccounts/NAME/token`: bound to a pod (by name and UID) on this node.
    func admitTokenRequest(_ a: AdmissionAttributes, node: String, _ registry: ResourceStorage) async throws(Status) {
        guard a.operation == .create, a.subresource == "token" else { return }
        guard let ref = a.object?[path: ["spec", "boundObjectRef"]], ref["apiVersion"]?.stringValue == "v1",
              ref["kind"]?.stringValue == "Pod", let podName = ref["name"]?.stringValue, !podName.isEmpty else {
            throw a.forbidden("node requested token not bound to a pod")
        }
        guard let uid = ref["uid"]?.stringValue, !uid.isEmpty else {
            throw a.forbidden("node requested token with a pod binding without a uid")
        }
        let pod = try await registry.get(ResourceCatalog.info(for: Pod.self), a.namespace, podName)
        if pod[path: ["metadata", "uid"]]?.stringValue != uid {
            throw a.forbidden("the UID in the bound object reference (\(uid)) does not match the UID in record. The object might have been deleted and then recreated")
        }
        if pod[path: ["spec", "nodeName"]]?.stringValue != node {
            throw a.forbidden("node requested token bound to a pod scheduled on a different node")
        }
    }

    static let provisionerFinalizer = StorageNames.provisionerFinalizer

    /// A PersistentVolume write: only the removal of the provisioner's
    /// finalizer, only from a volume with node affinity to this node.
    func admitPersistentVolume(_ a: AdmissionAttributes, node: String) throws(Status) {
        let onlyFinalizer = "node \"\(node)\" can only remove the \"\(Self.provisionerFinalizer)\" finalizer of persistent volumes"
        guard a.operation == .update, a.subresource == nil, let old = a.oldObject, let new = a.object else {
            throw a.forbidden(onlyFinalizer)
        }
        if !Self.volumeAffinityNames(old, node: node) {
            throw a.forbidden("node \"\(node)\" can only modify persistent volumes with node affinity to itself")
        }
        var expected = old[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        guard let index = expected.firstIndex(of: .string(Self.provisionerFinalizer)) else { throw a.forbidden(onlyFinalizer) }
        expected.remove(at: index)
        func comparable(_ object: JSONValue, finalizers: [JSONValue]) -> JSONValue {
            var o = object
            for key in ["resourceVersion", "managedFields", "generation"] { o.set(path: ["metadata", key][...], to: nil) }
            o.set(path: ["metadata", "finalizers"][...], to: finalizers.isEmpty ? nil : .array(finalizers))
            return o
        }
        let newFinalizers = new[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        guard newFinalizers == expected, comparable(new, finalizers: newFinalizers) == comparable(old, finalizers: expected) else {
            throw a.forbidden(onlyFinalizer)
        }
    }

    /// As upstream's `admitPVCStatus`: a kubelet finishing a file-system
    /// resize may change a claim's status capacity, conditions and
    /// allocated resource statuses, and nothing else.
    func admitClaimStatus(_ a: AdmissionAttributes, node: String) throws(Status) {
        guard a.operation == .update, a.subresource == "status", let old = a.oldObject, let new = a.object else {
            throw a.forbidden("node \"\(node)\" is not allowed to modify persistentvolumeclaims other than through status updates")
        }
        func comparable(_ object: JSONValue) -> JSONValue {
            var o = object
            for key in ["resourceVersion", "managedFields", "generation"] { o.set(path: ["metadata", key][...], to: nil) }
            for key in ["capacity", "conditions", "allocatedResourceStatuses"] { o.set(path: ["status", key][...], to: nil) }
            return o
        }
        guard comparable(old) == comparable(new) else {
            throw a.forbidden("node \"\(node)\" is not allowed to update fields other than status.capacity, status.conditions and status.allocatedResourceStatuses")
        }
    }

    /// Whether a PersistentVolume's required node affinity has a term
    /// `kubernetes.io/hostname In [… node …]`.
    static func volumeAffinityNames(_ pv: JSONValue, node: String) -> Bool {
        let terms = pv[path: ["spec", "nodeAffinity", "required", "nodeSelectorTerms"]]?.arrayValue ?? []
        return terms.contains { term in
            (term["matchExpressions"]?.arrayValue ?? []).contains { e in
                e["key"]?.stringValue == "kubernetes.io/hostname" && e["operator"]?.stringValue == "In"
                    && (e["values"]?.arrayValue ?? []).contains(.string(node))
            }
        }
    }
}
