import KubeAPI
import NIOHTTP1

/// Who is making a request.
struct UserInfo: Sendable, Equatable {
    var name: String
    var groups: [String]

    var isAdmin: Bool { groups.contains("system:masters") }
    /// `NAME` for users `system:node:NAME`.
    var nodeName: String? {
        name.hasPrefix("system:node:") ? String(name.dropFirst("system:node:".count)) : nil
    }
    var isNode: Bool { groups.contains("system:nodes") }
}

/// Authentication with impersonation: x509 client certificates signed by
/// the cluster CA, the admin's bearer token, and the users of
/// `--token-auth-file` (service-account and bootstrap tokens, which need
/// the store, are tried by the API handler after these).
struct Authenticator: Sendable {
    let credentials: Credentials
    var staticTokens: StaticTokenFile?
    /// Verifies client certificates; nil serves bearer tokens only.
    var clientCertificates: ClientCertificateAuthenticator?

    enum Outcome: Sendable, Equatable {
        case user(UserInfo)
        case unauthorized
        case forbidden(Status)
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// The bearer token of `Authorization: Bearer TOKEN`, if any.
    static func bearerToken(_ headers: HTTPHeaders) -> String? {
        guard let auth = headers.first(name: "authorization"), auth.lowercased().hasPrefix("bearer ") else { return nil }
        return String(auth.dropFirst(7)).trimmingSpaces
    }

    /// Authenticates and applies impersonation headers.
    func authenticate(_ headers: HTTPHeaders, peerCertificate: [UInt8]? = nil) -> Outcome {
        guard let user = identify(headers, peerCertificate: peerCertificate) else { return .unauthorized }
        return impersonate(user, headers)
    }

    /// Who the certificate or bearer token names, before impersonation; nil
    /// when neither authenticates here. As kube-apiserver's union
    /// authenticator, a certificate that fails verification does not stop a
    /// valid token from authenticating.
    func identify(_ headers: HTTPHeaders, peerCertificate: [UInt8]?) -> UserInfo? {
        if let der = peerCertificate, let clientCertificates, case .success(let user) = clientCertificates.authenticate(der) {
            return user
        }
        guard let token = Self.bearerToken(headers) else { return nil }
        if Self.constantTimeEqual(token, credentials.adminToken) {
            return UserInfo(name: "admin", groups: ["system:masters", "system:authenticated"])
        }
        return staticTokens?.user(token)
    }

    /// Applies `Impersonate-User`/`Impersonate-Group`: the admin may act as
    /// anyone, nobody else (until RBAC's `impersonate` verb).
    func impersonate(_ user: UserInfo, _ headers: HTTPHeaders) -> Outcome {
        guard let target = headers.first(name: "impersonate-user"), !target.isEmpty else { return .user(user) }
        let groups = headers["impersonate-group"]
        if user.isAdmin {
            var g = groups.isEmpty ? [] : groups
            if target.hasPrefix("system:node:") && g.isEmpty { g = ["system:nodes"] }
            return .user(UserInfo(name: target, groups: g + ["system:authenticated"]))
        }
        return .forbidden(APIErrors.forbidden(
            "users \"\(target)\" is forbidden: User \"\(user.name)\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
            kind: "users", name: target))
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
