import Crypto
import Foundation
import KubeAPI
import Synchronization

/// Bound service account tokens (TokenRequest): ES256-signed JWTs with the
/// claims Kubernetes puts in them (`iss`, `sub`, `aud`, `exp`, `iat`, `nbf`,
/// `jti`, and `kubernetes.io` naming the namespace, service account and the
/// pod the token is bound to). The signing key lives in the store, so every
/// API server sharing one etcd issues and accepts the same tokens. A token is
/// accepted while it has not expired, its audience includes the API server's,
/// its ServiceAccount still exists with the same UID, and its pod (if bound)
/// too; it authenticates as `system:serviceaccount:NS:NAME` in the groups
/// `system:serviceaccounts` and `system:serviceaccounts:NS`.
final class ServiceAccountTokens: Sendable {
    static let keyPath = "/registry/swiftkube/service-account-signing-key"
    /// The API server's audience and issuer.
    static let audience = "https://kubernetes.default.svc.cluster.local"

    /// The raw private key (the key type itself is not Sendable).
    private let keyBytes = Mutex<[UInt8]?>(nil)

    private var signingKey: P256.Signing.PrivateKey? {
        keyBytes.withLock { $0 }.flatMap { try? P256.Signing.PrivateKey(rawRepresentation: $0) }
    }
    private let verified = Mutex<[String: (UserInfo, Date)]>([:])

    /// Loads the signing key from the store, creating it on first start.
    func load(store: any Store) async throws {
        for _ in 0..<3 {
            if let found = try await store.get(key: Self.keyPath) {
                let k = try P256.Signing.PrivateKey(pemRepresentation: String(decoding: found.value, as: UTF8.self))
                let raw = Array(k.rawRepresentation)
                keyBytes.withLock { $0 = raw }
                return
            }
            let fresh = P256.Signing.PrivateKey()
            // Fails when another API server made one first: read that one.
            if (try? await store.create(key: Self.keyPath, value: Array(fresh.pemRepresentation.utf8))) != nil {
                let raw = Array(fresh.rawRepresentation)
                keyBytes.withLock { $0 = raw }
                return
            }
        }
        throw ControlPlaneError(description: "cannot load the service account signing key from storage")
    }

    var keyID: String {
        guard let k = signingKey else { return "" }
        return Self.base64url(Array(SHA256.hash(data: k.publicKey.derRepresentation)))
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unbase64url(_ s: Substring) -> [UInt8]? {
        var t = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while t.count % 4 != 0 { t += "=" }
        return Data(base64Encoded: t).map { Array($0) }
    }

    /// What a token names.
    struct Subject: Sendable, Equatable {
        var namespace: String
        var name: String
        var uid: String
        var pod: (name: String, uid: String)?
        /// A token bound to a Secret (TokenRequest `boundObjectRef` of kind Secret).
        var secret: (name: String, uid: String)?

        static func == (a: Subject, b: Subject) -> Bool {
            a.namespace == b.namespace && a.name == b.name && a.uid == b.uid && a.pod?.name == b.pod?.name && a.pod?.uid == b.pod?.uid
                && a.secret?.name == b.secret?.name && a.secret?.uid == b.secret?.uid
        }
    }

    /// Signs a token for `subject`, valid for `seconds` from `now`.
    func issue(_ subject: Subject, audiences: [String], seconds: Int64, node: String?, now: Date) throws(Status) -> (token: String, expires: Date) {
        guard let k = signingKey else { throw APIErrors.unavailable("service account signing key not loaded yet") }
        let iat = Int64(now.timeIntervalSince1970)
        let exp = iat + seconds
        var kube: JSONValue = ["namespace": .string(subject.namespace),
                               "serviceaccount": ["name": .string(subject.name), "uid": .string(subject.uid)]]
        if let pod = subject.pod { kube["pod"] = ["name": .string(pod.name), "uid": .string(pod.uid)] }
        if let secret = subject.secret { kube["secret"] = ["name": .string(secret.name), "uid": .string(secret.uid)] }
        if let node { kube["node"] = ["name": .string(node)] }
        let claims: JSONValue = [
            "aud": .array(audiences.map { .string($0) }), "exp": .int(exp), "iat": .int(iat), "nbf": .int(iat),
            "iss": .string(Self.audience), "jti": .string(UUID().uuidString.lowercased()),
            "sub": .string("system:serviceaccount:\(subject.namespace):\(subject.name)"), "kubernetes.io": kube,
        ]
        return (try sign(claims, with: k), Date(timeIntervalSince1970: Double(exp)))
    }

    /// A JWT of `claims`, signed.
    func sign(_ claims: JSONValue, with k: P256.Signing.PrivateKey) throws(Status) -> String {
        let header: JSONValue = ["alg": "ES256", "kid": .string(keyID), "typ": "JWT"]
        let signingInput = Self.base64url(JSONWriter.bytes(header)) + "." + Self.base64url(JSONWriter.bytes(claims))
        let signature: P256.Signing.ECDSASignature
        do { signature = try k.signature(for: Array(signingInput.utf8)) } catch {
            throw APIErrors.internalError("signing token: \(error)")
        }
        return signingInput + "." + Self.base64url(Array(signature.rawRepresentation))
    }

    /// The issuer of legacy (Secret-based) tokens, as upstream's.
    static let legacyIssuer = "kubernetes/serviceaccount"

    /// A legacy token for a `kubernetes.io/service-account-token` Secret:
    /// no expiry, valid while the Secret (holding this token) and the
    /// service account exist, with upstream's legacy claims.
    func issueLegacy(namespace: String, serviceAccount: String, uid: String, secret: String) throws(Status) -> String {
        guard let k = signingKey else { throw APIErrors.unavailable("service account signing key not loaded yet") }
        let claims: JSONValue = [
            "iss": .string(Self.legacyIssuer),
            "kubernetes.io/serviceaccount/namespace": .string(namespace),
            "kubernetes.io/serviceaccount/secret.name": .string(secret),
            "kubernetes.io/serviceaccount/service-account.name": .string(serviceAccount),
            "kubernetes.io/serviceaccount/service-account.uid": .string(uid),
            "sub": .string("system:serviceaccount:\(namespace):\(serviceAccount)"),
        ]
        return try sign(claims, with: k)
    }

    /// The claims of a token with a valid signature and times, else nil.
    func verify(_ token: String, now: Date) -> JSONValue? {
        guard let claims = signedClaims(token), claims["iss"]?.stringValue != Self.legacyIssuer else { return nil }
        let t = Int64(now.timeIntervalSince1970)
        guard let exp = claims["exp"]?.intValue, exp > t else { return nil }
        if let nbf = claims["nbf"]?.intValue, nbf > t + 60 { return nil }
        let aud = (claims["aud"]?.arrayValue ?? []).compactMap(\.stringValue) + [claims["aud"]?.stringValue].compactMap { $0 }
        guard aud.contains(Self.audience) else { return nil }
        return claims
    }

    /// The claims of a token this server signed, else nil.
    func signedClaims(_ token: String) -> JSONValue? {
        guard let k = signingKey else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let sig = Self.unbase64url(parts[2]), let payload = Self.unbase64url(parts[1]),
              let signature = try? P256.Signing.ECDSASignature(rawRepresentation: sig),
              k.publicKey.isValidSignature(signature, for: Array("\(parts[0]).\(parts[1])".utf8)) else { return nil }
        return try? JSONParser.parse(payload)
    }

    /// The service account a legacy token names, after checking that its
    /// Secret still holds it and the account still exists with that UID.
    func authenticateLegacy(_ token: String, _ claims: JSONValue, registry: ResourceStorage) async -> (namespace: String, name: String)? {
        let prefix = "kubernetes.io/serviceaccount/"
        guard let ns = claims[prefix + "namespace"]?.stringValue, let name = claims[prefix + "service-account.name"]?.stringValue,
              let secretName = claims[prefix + "secret.name"]?.stringValue,
              let secret = try? await registry.get(ResourceCatalog.info(for: Secret.self), ns, secretName),
              secret[path: ["data", "token"]]?.stringValue == Data(token.utf8).base64EncodedString(),
              let sa = try? await registry.get(ResourceCatalog.info(for: ServiceAccount.self), ns, name),
              sa[path: ["metadata", "uid"]]?.stringValue == claims[prefix + "service-account.uid"]?.stringValue else { return nil }
        return (ns, name)
    }

    /// The user of a service account token, after checking that its
    /// ServiceAccount (and pod) still exist; cached for ten seconds.
    func authenticate(_ token: String, registry: ResourceStorage) async -> UserInfo? {
        let now = Date()
        if let (user, at) = verified.withLock({ $0[token] }), now.timeIntervalSince(at) < 10 { return user }
        if let claims = signedClaims(token), claims["iss"]?.stringValue == Self.legacyIssuer {
            guard let (ns, name) = await authenticateLegacy(token, claims, registry: registry) else { return nil }
            return remember(token, ns, name, now)
        }
        guard let claims = verify(token, now: now), let kube = claims["kubernetes.io"],
              let ns = kube["namespace"]?.stringValue, let name = kube[path: ["serviceaccount", "name"]]?.stringValue else { return nil }
        guard let sa = try? await registry.get(ResourceCatalog.info(for: ServiceAccount.self), ns, name),
              sa[path: ["metadata", "uid"]]?.stringValue == kube[path: ["serviceaccount", "uid"]]?.stringValue else { return nil }
        if let podName = kube[path: ["pod", "name"]]?.stringValue {
            guard let pod = try? await registry.get(ResourceCatalog.info(for: Pod.self), ns, podName),
                  pod[path: ["metadata", "uid"]]?.stringValue == kube[path: ["pod", "uid"]]?.stringValue else { return nil }
        }
        if let secretName = kube[path: ["secret", "name"]]?.stringValue {
            guard let secret = try? await registry.get(ResourceCatalog.info(for: Secret.self), ns, secretName),
                  secret[path: ["metadata", "uid"]]?.stringValue == kube[path: ["secret", "uid"]]?.stringValue else { return nil }
        }
        return remember(token, ns, name, now)
    }

    /// The user of an accepted token, kept for ten seconds.
    func remember(_ token: String, _ ns: String, _ name: String, _ now: Date) -> UserInfo {
        let user = UserInfo(name: "system:serviceaccount:\(ns):\(name)",
                            groups: ["system:serviceaccounts", "system:serviceaccounts:\(ns)", "system:authenticated"])
        verified.withLock { m in
            if m.count > 10_000 { m.removeAll() }
            m[token] = (user, now)
        }
        return user
    }
}
