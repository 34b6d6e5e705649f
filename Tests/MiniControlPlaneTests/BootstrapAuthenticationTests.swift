import Crypto
import Foundation
import KubeAPI
import HTTPServing
import Testing
import X509
@testable import MiniControlPlane

/// x509 client certificates and bootstrap tokens, without a server.
@Suite struct BootstrapAuthenticationTests {
    static func authority() throws -> (CertificateAuthority, URL) {
        let dir = try Harness.tempDir("auth-ca")
        return (try CertificateAuthority.prepare(dir: dir, sans: ["127.0.0.1"]), dir)
    }

    static func der(_ pem: String) throws -> [UInt8] {
        try Certificate(pemEncoded: pem).serializeAsPEM().derBytes
    }

    @Test func clientCertificatesNameUserAndGroups() throws {
        let (ca, dir) = try Self.authority()
        defer { try? FileManager.default.removeItem(at: dir) }
        let auth = ClientCertificateAuthenticator(ca: ca.caCertificate)
        let (pem, _) = try ca.issueClientCertificate(commonName: "jane", organizations: ["dev", "ops"])
        #expect(auth.authenticate(try Self.der(pem)) == .success(CertificateUser(name: "jane", groups: ["dev", "ops", "system:authenticated"])))
        // Remembered once verified, but never past its validity period.
        #expect(auth.authenticate(try Self.der(pem)) == .success(CertificateUser(name: "jane", groups: ["dev", "ops", "system:authenticated"])))
        #expect(auth.authenticate(try Self.der(pem), now: Date().addingTimeInterval(20 * 365 * 86400)) == .failure(.expired))
        // Another CA's certificate for the same names: unknown authority.
        let (other, otherDir) = try Self.authority()
        defer { try? FileManager.default.removeItem(at: otherDir) }
        let (forged, _) = try other.issueClientCertificate(commonName: "kubernetes-admin", organizations: ["system:masters"])
        #expect(auth.authenticate(try Self.der(forged)) == .failure(.unknownAuthority))
        // Outside its validity period, or only for serving.
        let key = P256.Signing.PrivateKey()
        let subject = CertificateAuthority.subject(commonName: "late", organizations: [])
        let expired = try ca.issue(publicKey: .init(key.publicKey), subject: subject, extendedUsages: [.clientAuth],
                                   notBefore: Date().addingTimeInterval(-7200), notAfter: Date().addingTimeInterval(-3600))
        #expect(auth.authenticate(try expired.serializeAsPEM().derBytes) == .failure(.expired))
        let serving = try ca.issue(publicKey: .init(key.publicKey), subject: subject, extendedUsages: [.serverAuth],
                                   notAfter: Date().addingTimeInterval(3600))
        #expect(auth.authenticate(try serving.serializeAsPEM().derBytes) == .failure(.noClientAuthUsage))
        #expect(auth.authenticate([1, 2, 3]) == .failure(.malformed))
    }

    @Test func tokensParseAndRoundTripThroughTheirSecret() throws {
        #expect(BootstrapToken.parse("abcdef.0123456789abcdef").map { $0.id == "abcdef" && $0.secret == "0123456789abcdef" } == true)
        for bad in ["abcdef.0123456789abcde", "ABCDEF.0123456789abcdef", "abcdef0123456789abcdef", "abc.def.0123456789abcdef", ""] {
            #expect(BootstrapToken.parse(bad) == nil, "\(bad)")
        }
        let token = BootstrapToken.generate(ttl: 3600, description: "join n1", now: Date(timeIntervalSince1970: 1_000_000))
        #expect(BootstrapToken.parse(token.token) != nil)
        let secret = token.secretObject()
        #expect(secret.metadata.name == "bootstrap-token-\(token.id)" && secret.metadata.namespace == "kube-system")
        #expect(secret.type == "bootstrap.kubernetes.io/token")
        let back = try BootstrapToken(secret: secret)
        #expect(back == token)
        #expect(back.expiration == Date(timeIntervalSince1970: 1_003_600))
        #expect(!back.isExpired(at: Date(timeIntervalSince1970: 1_003_599)) && back.isExpired(at: Date(timeIntervalSince1970: 1_003_600)))
        #expect(BootstrapToken.generate(ttl: 0).expiration == nil)
    }

    @Test func bootstrapTokensAuthenticateUntilTheyExpire() async throws {
        var token = BootstrapToken(id: "abcdef", secret: "0123456789abcdef", expiration: Date().addingTimeInterval(600),
                                   extraGroups: ["system:bootstrappers:kubeadm:default-node-token"])
        let stored = token.secretObject()
        func user(_ presented: String, _ secret: Secret?, now: Date = Date()) async -> UserInfo? {
            await BootstrapTokenAuthenticator.authenticate(presented, now: now) { name in name == secret?.metadata.name ? secret : nil }
        }
        #expect(await user("abcdef.0123456789abcdef", stored) == UserInfo(
            name: "system:bootstrap:abcdef",
            groups: ["system:bootstrappers", "system:bootstrappers:kubeadm:default-node-token", "system:authenticated"]))
        #expect(await user("abcdef.0123456789abcdee", stored) == nil, "wrong secret")
        #expect(await user("abcdeg.0123456789abcdef", stored) == nil, "unknown id")
        #expect(await user("abcdef.0123456789abcdef", stored, now: Date().addingTimeInterval(601)) == nil, "expired")
        token.usages = ["signing"]
        #expect(await user("abcdef.0123456789abcdef", token.secretObject()) == nil, "not for authentication")
        token.usages = ["authentication"]
        token.extraGroups = ["system:masters"]
        #expect(await user("abcdef.0123456789abcdef", token.secretObject()) == nil, "extra groups must be system:bootstrappers:*")
    }
}
