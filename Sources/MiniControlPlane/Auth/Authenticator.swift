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

/// Bearer-token authentication with impersonation: the cluster's admin and
/// node tokens, service-account tokens (elsewhere), and the users of
/// `--token-auth-file`.
struct Authenticator: Sendable {
    let credentials: Credentials
    var staticTokens: StaticTokenFile?

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

    func authenticate(_ headers: HTTPHeaders) -> Outcome {
        guard let auth = headers.first(name: "authorization"), auth.lowercased().hasPrefix("bearer ") else { return .unauthorized }
        let token = String(auth.dropFirst(7)).trimmingSpaces
        var user: UserInfo
        if Self.constantTimeEqual(token, credentials.adminToken) {
            user = UserInfo(name: "admin", groups: ["system:masters", "system:authenticated"])
        } else if Self.constantTimeEqual(token, credentials.nodeToken) {
            user = UserInfo(name: "system:node-bootstrap", groups: ["system:nodes", "system:authenticated"])
        } else if let u = staticTokens?.user(token) {
            user = u
        } else {
            return .unauthorized
        }
        if let target = headers.first(name: "impersonate-user"), !target.isEmpty {
            let groups = headers["impersonate-group"]
            if user.isAdmin {
                var g = groups.isEmpty ? [] : groups
                if target.hasPrefix("system:node:") && g.isEmpty { g = ["system:nodes"] }
                user = UserInfo(name: target, groups: g + ["system:authenticated"])
            } else if target.hasPrefix("system:node:"), target.count > "system:node:".count,
                      groups.allSatisfy({ $0 == "system:nodes" }) {
                user = UserInfo(name: target, groups: ["system:nodes", "system:authenticated"])
            } else {
                return .forbidden(APIErrors.forbidden(
                    "users \"\(target)\" is forbidden: User \"\(user.name)\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
                    kind: "users", name: target))
            }
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
