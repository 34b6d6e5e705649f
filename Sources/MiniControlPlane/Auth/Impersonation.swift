import KubeAPI
import NIOHTTP1

/// Upstream's impersonation filter: `Impersonate-User`, `Impersonate-Group`
/// and `Impersonate-Uid` (`kubectl --as`, `--as-group`, `--as-uid`) are
/// honoured when RBAC grants the caller the `impersonate` verb on each
/// (users, groups and uids by name; service accounts in their namespace).
enum Impersonation {
    static func apply(_ user: UserInfo, headers: HTTPHeaders, authorizer: Authorizer) -> Authenticator.Outcome {
        let target = headers.first(name: "impersonate-user") ?? ""
        let groups = headers["impersonate-group"]
        let uid = headers.first(name: "impersonate-uid")
        guard !target.isEmpty else {
            if !groups.isEmpty || uid != nil {
                return .forbidden(APIErrors.badRequest("requested \(groups.isEmpty ? "uid" : "groups") without impersonating a user"))
            }
            return .user(user)
        }
        var checks: [RequestAttributes] = []
        var impersonated = groups
        let saPrefix = "system:serviceaccount:"
        if target.hasPrefix(saPrefix) {
            let parts = target.dropFirst(saPrefix.count).split(separator: ":", maxSplits: 1).map(String.init)
            checks.append(RequestAttributes(verb: "impersonate", group: "", resource: "serviceaccounts",
                                            namespace: parts.first, name: parts.count > 1 ? parts[1] : ""))
            if let ns = parts.first {
                for g in ["system:serviceaccounts", "system:serviceaccounts:\(ns)"] where !impersonated.contains(g) { impersonated.append(g) }
            }
        } else {
            checks.append(RequestAttributes(verb: "impersonate", group: "", resource: "users", name: target))
        }
        for g in groups { checks.append(RequestAttributes(verb: "impersonate", group: "", resource: "groups", name: g)) }
        if let uid { checks.append(RequestAttributes(verb: "impersonate", group: "authentication.k8s.io", resource: "uids", name: uid)) }
        for check in checks where !authorizer.allows(user, check) {
            return .forbidden(Authorizer.forbidden(user, check))
        }
        if target == Authenticator.anonymous.name {
            if !impersonated.contains("system:unauthenticated") { impersonated.append("system:unauthenticated") }
        } else if !impersonated.contains("system:authenticated") {
            impersonated.append("system:authenticated")
        }
        return .user(UserInfo(name: target, groups: impersonated))
    }
}
