import KubeAPI

/// What a request wants to do.
struct RequestAttributes: Sendable {
    var verb: String
    var info: ResourceInfo
    var subresource: String?
    var namespace: String?
    var name: String?
    var fieldSelector: FieldSelector
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

/// Admin may do everything. Nodes (`system:node:NAME`) may read what their
/// pods and the proxy need and write only their own Node and Lease, events,
/// and the status of (and final deletion of) pods bound to them. The shared
/// node token without a node name (kube-proxy) may only read and write events.
enum Authorizer {
    static let nodeReadable: Set<String> = ["nodes", "pods", "services", "endpoints", "endpointslices", "namespaces", "leases", "events"]
    static let readVerbs: Set<String> = ["get", "list", "watch"]

    static func authorize(_ user: UserInfo, _ a: RequestAttributes) -> AuthorizationDecision {
        if user.isAdmin { return .allow }
        let resource = a.info.plural
        let read = readVerbs.contains(a.verb)
        // Until RBAC: system:node-bootstrapper for bootstrap tokens and nodes
        // (kubelets request and renew their certificates), system:node-proxier
        // for kube-proxy's certificate.
        if resource == "certificatesigningrequests", a.subresource == nil, read || a.verb == "create",
           user.groups.contains(BootstrapToken.group) || user.isNode {
            return .allow
        }
        if user.name == Credentials.kubeProxyUser {
            if resource == "events", ["create", "update", "patch"].contains(a.verb) || read { return .allow }
            return read && nodeReadable.contains(resource) ? .allow : .deny
        }
        guard user.isNode else { return .deny }
        if resource == "events", ["create", "update", "patch"].contains(a.verb) || read { return .allow }
        guard let node = user.nodeName else {
            return read && nodeReadable.contains(resource) ? .allow : .deny
        }
        switch resource {
        case "nodes":
            if read { return .allow }
            if a.verb == "create" { return .bodyNamed(node) }
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
        default:
            return read && nodeReadable.contains(resource) ? .allow : .deny
        }
    }

    /// The 403 message Kubernetes gives.
    static func forbidden(_ user: UserInfo, _ a: RequestAttributes) -> Status {
        let res = a.subresource.map { "\(a.info.plural)/\($0)" } ?? a.info.plural
        let subject = a.name.map { "\(a.info.groupResource) \"\($0)\"" } ?? a.info.groupResource
        let scope = a.namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
        return APIErrors.forbidden(
            "\(subject) is forbidden: User \"\(user.name)\" cannot \(a.verb) resource \"\(res)\" in API group \"\(a.info.group)\" \(scope)",
            kind: a.info.plural, name: a.name)
    }

    /// Names of configmaps, secrets and service accounts a pod references.
    static func references(of pod: JSONValue) -> (configMaps: Set<String>, secrets: Set<String>, serviceAccounts: Set<String>) {
        var cms = Set<String>(), secrets = Set<String>(), sas = Set<String>()
        let spec = pod["spec"] ?? .emptyObject
        if let sa = spec["serviceAccountName"]?.stringValue { sas.insert(sa) }
        for s in spec["imagePullSecrets"]?.arrayValue ?? [] { if let n = s["name"]?.stringValue { secrets.insert(n) } }
        for v in spec["volumes"]?.arrayValue ?? [] {
            if let n = v[path: ["configMap", "name"]]?.stringValue { cms.insert(n) }
            if let n = v[path: ["secret", "secretName"]]?.stringValue { secrets.insert(n) }
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
        return (cms, secrets, sas)
    }
}
