public import Foundation

/// A bootstrap token (`abcdef.0123456789abcdef`), stored as a Secret of
/// type `bootstrap.kubernetes.io/token` named `bootstrap-token-<id>` in
/// `kube-system`, as kubeadm and upstream's bootstrap authenticator use them.
///
/// ```swift
/// let token = BootstrapToken.generate(ttl: 86400, description: "join node-2")
/// try await client.create(token.secret())
/// BootstrapToken.parse("abcdef.0123456789abcdef")?.id  // "abcdef"
/// ```
public struct BootstrapToken: Sendable, Equatable {
    public var id: String
    public var secret: String
    /// When the token stops authenticating; nil never.
    public var expiration: Date?
    public var description: String?
    /// `usage-bootstrap-*` keys set to "true" (`authentication`, `signing`).
    public var usages: [String]
    /// Groups besides `system:bootstrappers` (each `system:bootstrappers:…`).
    public var extraGroups: [String]

    public static let secretType = "bootstrap.kubernetes.io/token"
    public static let secretPrefix = "bootstrap-token-"
    public static let namespace = "kube-system"
    /// The group every bootstrap token authenticates in.
    public static let group = "system:bootstrappers"
    /// The user name prefix: `system:bootstrap:<id>`.
    public static let userPrefix = "system:bootstrap:"
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")

    public init(id: String, secret: String, expiration: Date? = nil, description: String? = nil,
                usages: [String] = ["authentication", "signing"], extraGroups: [String] = []) {
        self.id = id
        self.secret = secret
        self.expiration = expiration
        self.description = description
        self.usages = usages
        self.extraGroups = extraGroups
    }

    /// `id.secret`.
    public var token: String { "\(id).\(secret)" }
    /// `bootstrap-token-<id>`.
    public var secretName: String { Self.secretPrefix + id }
    /// `system:bootstrap:<id>`.
    public var userName: String { Self.userPrefix + id }
    /// The groups it authenticates in.
    public var groups: [String] { [Self.group] + extraGroups }

    /// A new random token, expiring after `ttl` seconds (0 or nil: never).
    public static func generate(ttl: TimeInterval? = 86400, description: String? = nil, now: Date = Date()) -> BootstrapToken {
        var rng = SystemRandomNumberGenerator()
        func random(_ n: Int) -> String { String((0..<n).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] }) }
        let expiration = ttl.flatMap { $0 > 0 ? now.addingTimeInterval($0) : nil }
        return BootstrapToken(id: random(6), secret: random(16), expiration: expiration, description: description)
    }

    /// The id and secret of a token matching `[a-z0-9]{6}\.[a-z0-9]{16}`, else nil.
    public static func parse(_ token: String) -> (id: String, secret: String)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 6, parts[1].count == 16,
              token.allSatisfy({ $0 == "." || alphabet.contains($0) }) else { return nil }
        return (String(parts[0]), String(parts[1]))
    }

    /// Whether `id` is a valid token id (`[a-z0-9]{6}`).
    public static func isValidID(_ id: String) -> Bool {
        id.count == 6 && id.allSatisfy { alphabet.contains($0) }
    }

    /// Whether the token has expired at `now`.
    public func isExpired(at now: Date = Date()) -> Bool {
        expiration.map { $0 <= now } ?? false
    }

    /// The Secret that stores this token.
    public func secretObject() -> Secret {
        var data: [String: String] = ["token-id": id, "token-secret": secret]
        if let expiration { data["expiration"] = Self.formatTime(expiration) }
        if let description { data["description"] = description }
        for usage in usages { data["usage-bootstrap-\(usage)"] = "true" }
        if !extraGroups.isEmpty { data["auth-extra-groups"] = extraGroups.joined(separator: ",") }
        var s = Secret(metadata: ObjectMeta(name: secretName, namespace: Self.namespace),
                       data: data.mapValues { Data($0.utf8).base64EncodedString() })
        s.type = Self.secretType
        return s
    }

    /// Why a Secret is not a usable bootstrap token.
    public enum SecretError: Error, Equatable, CustomStringConvertible {
        case wrongType(String)
        case wrongName(String)
        case missingField(String)
        case badExpiration(String)

        public var description: String {
            switch self {
            case .wrongType(let t): return "secret type \"\(t)\" is not \(BootstrapToken.secretType)"
            case .wrongName(let n): return "secret name \"\(n)\" does not match its token-id"
            case .missingField(let k): return "secret has no valid \(k)"
            case .badExpiration(let v): return "expiration \"\(v)\" is not an RFC 3339 time"
            }
        }
    }

    /// The token a bootstrap-token Secret holds (`data` base64-decoded).
    public init(secret s: Secret) throws(SecretError) {
        guard s.type == Self.secretType else { throw .wrongType(s.type ?? "") }
        let data = (s.data ?? [:]).compactMapValues { Data(base64Encoded: $0).flatMap { String(data: $0, encoding: .utf8) } }
        guard let id = data["token-id"], Self.isValidID(id) else { throw .missingField("token-id") }
        guard s.metadata.name == Self.secretPrefix + id else { throw .wrongName(s.metadata.name ?? "") }
        guard let secret = data["token-secret"], secret.count == 16, secret.allSatisfy({ Self.alphabet.contains($0) }) else {
            throw .missingField("token-secret")
        }
        var expiration: Date?
        if let e = data["expiration"] {
            guard let d = Self.parseTime(e) else { throw .badExpiration(e) }
            expiration = d
        }
        let usages = data.keys.filter { $0.hasPrefix("usage-bootstrap-") && data[$0] == "true" }
            .map { String($0.dropFirst("usage-bootstrap-".count)) }.sorted()
        let extra = (data["auth-extra-groups"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.init(id: id, secret: secret, expiration: expiration, description: data["description"],
                  usages: usages, extraGroups: extra)
    }

    static func formatTime(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }

    static func parseTime(_ s: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: s) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: s)
    }
}
