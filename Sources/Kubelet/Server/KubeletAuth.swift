import Foundation
public import HTTPServing
public import KubeAPI
import LinuxSystem
public import NIOHTTP1
import Synchronization
public import X509

/// Who may use the kubelet API on :10250, as upstream's kubelet decides it
/// with `--client-ca-file`, `--authentication-token-webhook` and
/// `--authorization-mode=Webhook`:
///
/// - **Authentication.** A client certificate the cluster CA signed names
///   its user (CN) and groups (O). A bearer token is checked with a
///   TokenReview, answered for 2 minutes from a cache. A request with
///   neither is `system:anonymous` with `--anonymous-auth`, else a 401.
/// - **Authorization.** A SubjectAccessReview on the node object, with the
///   verb from the HTTP method and the subresource from the path: `/stats/…`
///   needs `nodes/stats`, `/metrics/…` `nodes/metrics`, `/logs/…`
///   `nodes/log`, everything else (pods, exec, containerLogs, …)
///   `nodes/proxy`. Allowed answers are kept 5 minutes and denials 30
///   seconds. A denial is upstream's 403 text, which names what to grant.
public struct KubeletAuth: Sendable {
    /// `--authorization-mode`.
    public enum Mode: String, Sendable, CaseIterable {
        /// Every authenticated request is allowed.
        case alwaysAllow = "AlwaysAllow"
        /// The API server decides (SubjectAccessReview).
        case webhook = "Webhook"
    }

    let certificates: ClientCertificateAuthenticator?
    let anonymous: Bool
    let mode: Mode
    let nodeName: String
    let reviewer: any KubeletReviewer
    let cache: ReviewCache

    /// - Parameters:
    ///   - clientCA: the CA whose client certificates authenticate; nil: bearer tokens only.
    ///   - now: seconds on a monotonic clock, for the caches (injected in tests).
    public init(clientCA: Certificate?, anonymous: Bool, mode: Mode, nodeName: String, reviewer: any KubeletReviewer,
                now: (@Sendable () -> Double)? = nil) {
        certificates = clientCA.map(ClientCertificateAuthenticator.init(ca:))
        self.anonymous = anonymous
        self.mode = mode
        self.nodeName = nodeName
        self.reviewer = reviewer
        cache = ReviewCache(now: now ?? { Monotonic.now() })
    }

    /// What one request asks of the node, in the API server's terms.
    public struct Attributes: Sendable, Hashable {
        public var verb: String
        public var subresource: String
        public var name: String
    }

    /// Upstream's mapping of a kubelet request to attributes on `nodes/NAME`.
    public static func attributes(method: HTTPMethod, path: String, nodeName: String) -> Attributes {
        let verb: String
        switch method {
        case .POST: verb = "create"
        case .PUT: verb = "update"
        case .PATCH: verb = "patch"
        case .DELETE: verb = "delete"
        default: verb = "get"
        }
        func under(_ prefix: String) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }
        let subresource = under("/stats") ? "stats" : under("/metrics") ? "metrics" : under("/logs") ? "log" : "proxy"
        return Attributes(verb: verb, subresource: subresource, name: nodeName)
    }

    /// Nil when the request may go on, else the 401 or 403 to answer.
    public func check(_ request: HTTPRequest) async -> HTTPResponse? {
        let user: CertificateUser
        switch await authenticate(request) {
        case .some(let u): user = u
        case .none: return .text("Unauthorized\n", status: .unauthorized)
        }
        guard mode == .webhook else { return nil }
        let attrs = Self.attributes(method: request.method, path: request.path, nodeName: nodeName)
        let key = ReviewCache.AccessKey(user: user, attributes: attrs)
        let decision: Bool
        if let known = cache.access(key) {
            decision = known
        } else {
            do {
                decision = try await reviewer.authorize(user: user, attributes: attrs)
            } catch {
                return .text("Authorization error (user=\(user.name), verb=\(attrs.verb), resource=nodes, subresource=\(attrs.subresource)): \(error)\n",
                             status: .internalServerError)
            }
            cache.remember(key, allowed: decision)
        }
        guard decision else {
            return .text("Forbidden (user=\(user.name), verb=\(attrs.verb), resource=nodes, subresource=\(attrs.subresource))\n", status: .forbidden)
        }
        return nil
    }

    /// The requester, or nil for a 401.
    func authenticate(_ request: HTTPRequest) async -> CertificateUser? {
        if let der = request.peerCertificate, let certificates, case .success(let user) = certificates.authenticate(der) {
            return user
        }
        if let token = Self.bearerToken(request.headers) {
            if let known = cache.token(token) { return known.user }
            guard let user = try? await reviewer.reviewToken(token) else { return nil }
            cache.remember(token: token, user: user)
            return user.user
        }
        if request.peerCertificate == nil && anonymous {
            return CertificateUser(name: "system:anonymous", groups: ["system:unauthenticated"])
        }
        return nil
    }

    static func bearerToken(_ headers: HTTPHeaders) -> String? {
        guard let value = headers.first(name: "authorization"), value.count > 7,
              value.prefix(7).lowercased() == "bearer " else { return nil }
        let token = value.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

/// The API server's answers the kubelet asks for (TokenReview and
/// SubjectAccessReview); a fake in unit tests.
public protocol KubeletReviewer: Sendable {
    /// Who the token authenticates as; `.user == nil` when it does not.
    func reviewToken(_ token: String) async throws -> TokenOutcome
    /// Whether the user may do what the attributes say.
    func authorize(user: CertificateUser, attributes: KubeletAuth.Attributes) async throws -> Bool
}

/// A TokenReview's answer (an unauthenticated token is cached too).
public struct TokenOutcome: Sendable {
    public var user: CertificateUser?
    public init(user: CertificateUser?) { self.user = user }
}

/// The reviews of ``KubeletAuth``, answered by the API server with the
/// kubelet's own credentials (`system:node` may create both).
public struct APIKubeletReviewer: KubeletReviewer {
    let client: KubeClient

    public init(client: KubeClient) { self.client = client }

    public func reviewToken(_ token: String) async throws -> TokenOutcome {
        let body: JSONValue = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": ["token": .string(token)]]
        let reply = try JSONParser.parse(try await client.request(.POST, client.server + "/apis/authentication.k8s.io/v1/tokenreviews",
                                                                  body: JSONWriter.bytes(body), timeout: .seconds(10)))
        guard reply[path: ["status", "authenticated"]]?.boolValue == true,
              let name = reply[path: ["status", "user", "username"]]?.stringValue else { return TokenOutcome(user: nil) }
        let groups = (reply[path: ["status", "user", "groups"]]?.arrayValue ?? []).compactMap(\.stringValue)
        return TokenOutcome(user: CertificateUser(name: name, groups: groups))
    }

    public func authorize(user: CertificateUser, attributes a: KubeletAuth.Attributes) async throws -> Bool {
        let body: JSONValue = [
            "apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
            "spec": ["user": .string(user.name), "groups": .array(user.groups.map(JSONValue.string)),
                     "resourceAttributes": ["verb": .string(a.verb), "version": "v1", "resource": "nodes",
                                            "subresource": .string(a.subresource), "name": .string(a.name)]],
        ]
        let reply = try JSONParser.parse(try await client.request(.POST, client.server + "/apis/authorization.k8s.io/v1/subjectaccessreviews",
                                                                  body: JSONWriter.bytes(body), timeout: .seconds(10)))
        return reply[path: ["status", "allowed"]]?.boolValue == true
    }
}

/// Upstream's webhook caches: token reviews for 2 minutes, allowed access
/// for 5 minutes, denied access for 30 seconds; each bounded in size (full:
/// emptied, so a flood of distinct tokens costs memory for a moment only).
final class ReviewCache: Sendable {
    static let tokenTTL = 120.0
    static let allowedTTL = 300.0
    static let deniedTTL = 30.0
    static let capacity = 4_096

    struct AccessKey: Hashable, Sendable {
        var user: CertificateUser
        var attributes: KubeletAuth.Attributes
    }
    struct Entry<Value: Sendable>: Sendable {
        var value: Value
        var expires: Double
    }
    let now: @Sendable () -> Double
    let tokens = Mutex<[String: Entry<TokenOutcome>]>([:])
    let accesses = Mutex<[AccessKey: Entry<Bool>]>([:])

    init(now: @escaping @Sendable () -> Double) { self.now = now }

    func token(_ token: String) -> TokenOutcome? {
        let t = now()
        return tokens.withLock { $0[token].flatMap { $0.expires > t ? $0.value : nil } }
    }

    func remember(token: String, user: TokenOutcome) {
        let entry = Entry(value: user, expires: now() + Self.tokenTTL)
        tokens.withLock { map in
            if map.count >= Self.capacity { map.removeAll(keepingCapacity: true) }
            map[token] = entry
        }
    }

    func access(_ key: AccessKey) -> Bool? {
        let t = now()
        return accesses.withLock { $0[key].flatMap { $0.expires > t ? $0.value : nil } }
    }

    func remember(_ key: AccessKey, allowed: Bool) {
        let entry = Entry(value: allowed, expires: now() + (allowed ? Self.allowedTTL : Self.deniedTTL))
        accesses.withLock { map in
            if map.count >= Self.capacity { map.removeAll(keepingCapacity: true) }
            map[key] = entry
        }
    }
}
