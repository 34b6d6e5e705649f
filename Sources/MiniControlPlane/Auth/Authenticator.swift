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
    /// Whether this is the shared node token's identity (before it names a node).
    var isSharedNodeToken: Bool { name == "system:node-bootstrap" && isNode }
}

/// Bearer-token authentication: the cluster's admin and node tokens,
/// service-account tokens (elsewhere), the users of `--token-auth-file`, and
/// anonymous requests. Impersonation is decided after it (``Impersonation``).
struct Authenticator: Sendable {
    let credentials: Credentials
    var staticTokens: StaticTokenFile?
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

    func authenticate(_ headers: HTTPHeaders) -> Outcome {
        guard let auth = headers.first(name: "authorization") else { return anonymousAuth ? .user(Self.anonymous) : .unauthorized }
        guard auth.lowercased().hasPrefix("bearer ") else { return .unauthorized }
        let token = String(auth.dropFirst(7)).trimmingSpaces
        let user: UserInfo
        if Self.constantTimeEqual(token, credentials.adminToken) {
            user = UserInfo(name: "admin", groups: ["system:masters", "system:authenticated"])
        } else if Self.constantTimeEqual(token, credentials.nodeToken) {
            user = UserInfo(name: "system:node-bootstrap", groups: ["system:nodes", "system:authenticated"])
        } else if let u = staticTokens?.user(token) {
            user = u
        } else {
            return .unauthorized
        }
        return .user(user)
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
