/// The fields each kind can be selected on, as kube-apiserver 1.32 allows
/// them (its field label conversion functions): `metadata.name` and
/// `metadata.namespace` for every kind, and a few more per kind. Anything
/// else is refused with upstream's `field label not supported: FIELD`.
public enum FieldLabels {
    /// Fields beyond `metadata.name` and `metadata.namespace`, by group and kind.
    private static let extra: [String: Set<String>] = [
        "/Pod": ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
                 "status.phase", "status.podIP", "status.podIPs", "status.nominatedNodeName"],
        "/ReplicationController": ["status.replicas"],
        "/Event": ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                   "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath",
                   "reason", "reportingComponent", "source", "type"],
        "events.k8s.io/Event": ["regarding.kind", "regarding.namespace", "regarding.name", "regarding.uid",
                                "regarding.apiVersion", "regarding.resourceVersion", "regarding.fieldPath",
                                "reason", "reportingController", "source", "type"],
        "/Secret": ["type"],
        "/Service": ["spec.clusterIP", "spec.type"],
        "apps/ReplicaSet": ["status.replicas"],
        "batch/Job": ["status.successful"],
        "certificates.k8s.io/CertificateSigningRequest": ["spec.signerName"],
    ]

    /// Kinds whose only fields are their own list (upstream leaves
    /// `metadata.namespace` out for them).
    private static let exact: [String: Set<String>] = [
        "/Node": ["metadata.name", "spec.unschedulable"],
        "/Namespace": ["metadata.name", "status.phase"],
    ]

    /// Upstream's renames: old clients send `spec.host` for a pod's node.
    private static let renamed: [String: [String: String]] = ["/Pod": ["spec.host": "spec.nodeName"]]

    /// Labels that are not the path of their value in the stored object:
    /// an event's `source` is its source's component, and the labels of
    /// `events.k8s.io/v1` events name their fields in that version, while
    /// the objects are matched in their stored (core/v1) form.
    private static let storedPaths: [String: [String: String]] = [
        "/Event": ["source": "source.component"],
        "events.k8s.io/Event": [
            "regarding.kind": "involvedObject.kind", "regarding.namespace": "involvedObject.namespace",
            "regarding.name": "involvedObject.name", "regarding.uid": "involvedObject.uid",
            "regarding.apiVersion": "involvedObject.apiVersion", "regarding.resourceVersion": "involvedObject.resourceVersion",
            "regarding.fieldPath": "involvedObject.fieldPath", "reportingController": "reportingComponent",
            "source": "source.component",
        ],
    ]

    /// The fields `kind` of `group` can be selected on.
    public static func supported(group: String, kind: String) -> Set<String> {
        let key = group + "/" + kind
        if let only = exact[key] { return only }
        return Set(["metadata.name", "metadata.namespace"]).union(extra[key] ?? [])
    }

    /// `selector` checked against what `info`'s resource can be selected on: a
    /// custom resource's `metadata.name`, `metadata.namespace` and its version's
    /// `selectableFields`; a built-in's as ``check(_:group:kind:)``.
    public static func check(_ selector: FieldSelector, _ info: ResourceInfo) throws(SelectorParseError) -> FieldSelector {
        guard let custom = info.custom else { return try check(selector, group: info.group, kind: info.kind) }
        let fields = Set(["metadata.name", "metadata.namespace"] + custom.selectableFields.map { String($0.drop { $0 == "." }) })
        for t in selector.terms where !fields.contains(t.field) {
            throw SelectorParseError(message: "field label not supported: \(t.field)")
        }
        return selector
    }

    /// `selector` with upstream's renames applied and its fields as paths
    /// into the stored object, or an error naming the first field `kind`
    /// cannot be selected on.
    public static func check(_ selector: FieldSelector, group: String, kind: String) throws(SelectorParseError) -> FieldSelector {
        let key = group + "/" + kind
        let fields = supported(group: group, kind: kind)
        var out = selector
        for i in out.terms.indices {
            if let to = renamed[key]?[out.terms[i].field] { out.terms[i].field = to }
            guard fields.contains(out.terms[i].field) else {
                throw SelectorParseError(message: "field label not supported: \(selector.terms[i].field)")
            }
            if let path = storedPaths[key]?[out.terms[i].field] { out.terms[i].field = path }
        }
        return out
    }
}
