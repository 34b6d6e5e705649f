import KubeAPI
import HTTPServing
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

/// Authentication: x509 client certificates signed by the cluster CA, the
/// admin's bearer token, and the users of
/// `--token-auth-file`; service-account and bootstrap tokens, which need the
/// store, and anonymous requests are decided by the API handler after these,
/// and impersonation after that (``Impersonation``).
struct Authenticator: Sendable {
    let credentials: Credentials
    var staticTokens: StaticTokenFile?
    /// Verifies client certificates; nil serves bearer tokens only.
    var clientCertificates: ClientCertificateAuthenticator?
    /// Whether requests without credentials are `system:anonymous`, as kube-apiserver's `--anonymous-auth`.
    var anonymousAuth = true

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

    /// Requests without credentials, as upstream's anonymous authenticator
    /// (`--anonymous-auth`, on by default): RBAC decides what they may do,
    /// which by default is `system:public-info-viewer`.
    static let anonymous = UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"])

    /// The bearer token of `Authorization: Bearer TOKEN`, if any.
    static func bearerToken(_ headers: HTTPHeaders) -> String? {
        guard let auth = headers.first(name: "authorization"), auth.lowercased().hasPrefix("bearer ") else { return nil }
        return String(auth.dropFirst(7)).trimmingSpaces
    }

    /// Who the credentials name, without the store's tokens: a verified
    /// certificate or a token known here, anonymous without any credentials.
    func authenticate(_ headers: HTTPHeaders, peerCertificate: [UInt8]? = nil) -> Outcome {
        if let user = identify(headers, peerCertificate: peerCertificate) { return .user(user) }
        let none = peerCertificate == nil && headers.first(name: "authorization") == nil
        return none && anonymousAuth ? .user(Self.anonymous) : .unauthorized
    }

    /// Who the certificate or bearer token names, before impersonation; nil
    /// when neither authenticates here. As kube-apiserver's union
    /// authenticator, a certificate that fails verification does not stop a
    /// valid token from authenticating.
    func identify(_ headers: HTTPHeaders, peerCertificate: [UInt8]?) -> UserInfo? {
        if let der = peerCertificate, let clientCertificates, case .success(let user) = clientCertificates.authenticate(der) {
            return UserInfo(name: user.name, groups: user.groups)
        }
        guard let token = Self.bearerToken(headers) else { return nil }
        if Self.constantTimeEqual(token, credentials.adminToken) {
            return UserInfo(name: "admin", groups: ["system:masters", "system:authenticated"])
        }
        return staticTokens?.user(token)
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
