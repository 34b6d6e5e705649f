import KubeAPI

/// Upstream's Node authorizer: nodes (`system:node:NAME` in `system:nodes`)
/// may read what their pods and the proxy need and write only their own
/// Node and Lease, events, and the status of (and final deletion of) pods
/// bound to them; create TokenReviews and SubjectAccessReviews (to decide
/// who may use the kubelet API); secrets, configmaps, service-account tokens and
/// persistent volume claims only of pods bound to them, and persistent
/// volumes only when bound to such a claim. No opinion on anyone else (a
/// member of `system:nodes` without a node name included, as upstream's).
///
/// Our extension, for the node half of the local-path provisioner
/// (docs/storage.md): a node may also list and watch persistent volumes and
/// patch or update one, which NodeRestriction narrows to removing the
/// provisioner's finalizer from a volume with node affinity to that node.
/// For CSI, a node keeps its own CSINode, reads CSIDrivers and gets
/// VolumeAttachments (by name; upstream limits these to its own node's).
enum NodeAuthorizer {
    static let nodeReadable: Set<String> = ["nodes", "pods", "services", "endpoints", "endpointslices", "namespaces", "leases", "events"]
    static let readVerbs: Set<String> = ["get", "list", "watch"]

    static func authorize(_ user: UserInfo, _ a: RequestAttributes) -> AuthorizationDecision {
        guard user.isNode, a.path == nil, let node = user.nodeName else { return .deny }
        let resource = a.resource
        let read = readVerbs.contains(a.verb)
        if resource == "events", ["create", "update", "patch"].contains(a.verb) || read { return .allow }
        switch resource {
        case "certificatesigningrequests":
            // Renewing its own client and serving certificates (upstream's node rules).
            return a.subresource == nil && (read || a.verb == "create") ? .allow : .deny
        case "nodes":
            // The Node objects and their status only: nodes/proxy, stats, metrics and log
            // are other kubelets' APIs, which no node may use (upstream's node rules).
            guard a.subresource == nil || a.subresource == "status" else { return .deny }
            if read { return .allow }
            if a.verb == "create" { return a.subresource == nil ? .bodyNamed(node) : .deny }
            if a.name == node { return ["update", "patch", "delete"].contains(a.verb) ? .allow : .deny }
            return .deny
        case "leases":
            if read { return .allow }
            guard a.namespace == "kube-node-lease" else { return .deny }
            if a.verb == "create" { return .bodyNamed(node) }
            if a.name == node { return ["update", "patch", "delete"].contains(a.verb) ? .allow : .deny }
            return .deny
        case "pods":
            if read && a.subresource == nil { return .allow }
            if a.subresource == "status", ["get", "update", "patch"].contains(a.verb) { return .podBoundTo(node) }
            if a.subresource == nil, a.verb == "delete" || a.verb == "create" { return .podBoundTo(node) }
            return .deny
        case "configmaps", "secrets", "serviceaccounts":
            // TokenRequest for the service account of a pod bound to the node.
            if a.subresource == "token" { return a.verb == "create" ? .referencedBy(node) : .deny }
            if a.verb == "get" { return .referencedBy(node) }
            if a.verb == "list" || a.verb == "watch", a.fieldSelector.requiredValue("metadata.name") != nil {
                return .referencedBy(node)
            }
            return .deny
        case "persistentvolumeclaims":
            if a.verb == "get" && a.subresource == nil { return .referencedBy(node) }
            // Finishing a file-system resize (NodeRestriction narrows the change).
            return a.subresource == "status" && ["get", "update", "patch"].contains(a.verb) ? .referencedBy(node) : .deny
        case "csinodes":
            // Its own CSINode, which the kubelet keeps as drivers register.
            if a.verb == "get" { return a.name == node ? .allow : .deny }
            if a.verb == "create" { return .bodyNamed(node) }
            return a.name == node && ["update", "patch", "delete"].contains(a.verb) ? .allow : .deny
        case "csidrivers":
            return read ? .allow : .deny
        case "tokenreviews", "subjectaccessreviews", "localsubjectaccessreviews":
            // The kubelet's webhook authentication and authorization of its own API (upstream's node rules).
            return a.verb == "create" && a.subresource == nil ? .allow : .deny
        case "volumeattachments":
            // Upstream reads only its own node's through the graph; the
            // attachment's name is a hash of the volume and node, so a node
            // asks only for those it computed.
            return a.verb == "get" ? .allow : .deny
        case "persistentvolumes":
            guard a.subresource == nil else { return .deny }
            if a.verb == "get" { return .referencedBy(node) }
            return ["list", "watch", "patch", "update"].contains(a.verb) ? .allow : .deny
        default:
            return read && nodeReadable.contains(resource) ? .allow : .deny
        }
    }

    /// Names of configmaps, secrets, service accounts and persistent volume
    /// claims a pod references (a generic ephemeral volume's claim is
    /// `<pod>-<volume>`).
    static func references(of pod: JSONValue)
        -> (configMaps: Set<String>, secrets: Set<String>, serviceAccounts: Set<String>, claims: Set<String>) {
        var cms = Set<String>(), secrets = Set<String>(), sas = Set<String>(), claims = Set<String>()
        let podName = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        let spec = pod["spec"] ?? .emptyObject
        if let sa = spec["serviceAccountName"]?.stringValue { sas.insert(sa) }
        for s in spec["imagePullSecrets"]?.arrayValue ?? [] { if let n = s["name"]?.stringValue { secrets.insert(n) } }
        for v in spec["volumes"]?.arrayValue ?? [] {
            if let n = v[path: ["configMap", "name"]]?.stringValue { cms.insert(n) }
            if let n = v[path: ["secret", "secretName"]]?.stringValue { secrets.insert(n) }
            if let n = v[path: ["persistentVolumeClaim", "claimName"]]?.stringValue { claims.insert(n) }
            if v["ephemeral"] != nil, let n = v["name"]?.stringValue { claims.insert(podName + "-" + n) }
            for src in v[path: ["projected", "sources"]]?.arrayValue ?? [] {
                if let n = src[path: ["configMap", "name"]]?.stringValue { cms.insert(n) }
                if let n = src[path: ["secret", "name"]]?.stringValue { secrets.insert(n) }
            }
        }
        let containers = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
            + (spec["ephemeralContainers"]?.arrayValue ?? [])
        for c in containers {
            for e in c["env"]?.arrayValue ?? [] {
                if let n = e[path: ["valueFrom", "configMapKeyRef", "name"]]?.stringValue { cms.insert(n) }
                if let n = e[path: ["valueFrom", "secretKeyRef", "name"]]?.stringValue { secrets.insert(n) }
            }
            for e in c["envFrom"]?.arrayValue ?? [] {
                if let n = e[path: ["configMapRef", "name"]]?.stringValue { cms.insert(n) }
                if let n = e[path: ["secretRef", "name"]]?.stringValue { secrets.insert(n) }
            }
        }
        return (cms, secrets, sas, claims)
    }
}
