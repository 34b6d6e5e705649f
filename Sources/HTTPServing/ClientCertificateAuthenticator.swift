public import Foundation
public import SwiftASN1
import Synchronization
public import X509

/// The user a verified client certificate names: CN, and O as groups.
public struct CertificateUser: Sendable, Hashable {
    public var name: String
    public var groups: [String]

    public init(name: String, groups: [String]) {
        self.name = name
        self.groups = groups
    }
}

/// x509 client-certificate authentication, as kube-apiserver's
/// `--client-ca-file`: a certificate the cluster CA signed, within its
/// validity period and allowed for `clientAuth`, authenticates as user CN in
/// the groups O (and `system:authenticated`).
///
/// A connection presents its certificate once, but every request on it is
/// authenticated: a verified certificate is remembered (by its DER bytes,
/// with its validity period, which is still checked on every use), so the
/// parse and the ECDSA signature check happen once per certificate, as
/// upstream's verification happens once per TLS handshake.
public struct ClientCertificateAuthenticator: Sendable {
    public let ca: Certificate
    private let verified = VerifiedCertificates()

    /// Verified certificates and the users they name.
    final class VerifiedCertificates: Sendable {
        struct Entry: Sendable {
            var user: CertificateUser
            var notBefore: Date
            var notAfter: Date
        }
        static let capacity = 1_000
        let entries = Mutex<[[UInt8]: Entry]>([:])
    }

    /// Why a presented certificate does not authenticate (upstream's
    /// `x509: certificate signed by unknown authority` and friends).
    public enum Rejection: Error, Equatable, Sendable {
        case malformed
        case unknownAuthority
        case expired
        case notYetValid
        case noClientAuthUsage
        case noCommonName
    }

    public init(ca: Certificate) {
        self.ca = ca
    }

    /// The user of a DER certificate, or why it is refused.
    public func authenticate(_ der: [UInt8], now: Date = Date()) -> Result<CertificateUser, Rejection> {
        if let known = verified.entries.withLock({ $0[der] }) {
            if now < known.notBefore { return .failure(.notYetValid) }
            if now > known.notAfter { return .failure(.expired) }
            return .success(known.user)
        }
        switch verify(der, now: now) {
        case .failure(let rejection):
            return .failure(rejection)
        case .success(let entry):
            verified.entries.withLock { entries in
                if entries.count >= VerifiedCertificates.capacity { entries.removeAll(keepingCapacity: true) }
                entries[der] = entry
            }
            return .success(entry.user)
        }
    }

    /// Parses and checks a certificate against the CA.
    private func verify(_ der: [UInt8], now: Date) -> Result<VerifiedCertificates.Entry, Rejection> {
        guard let cert = try? Certificate(derEncoded: der) else { return .failure(.malformed) }
        guard cert.issuer == ca.subject, ca.publicKey.isValidSignature(cert.signature, for: cert) else {
            return .failure(.unknownAuthority)
        }
        if now < cert.notValidBefore { return .failure(.notYetValid) }
        if now > cert.notValidAfter { return .failure(.expired) }
        // Upstream verifies with KeyUsages: [ClientAuth]; a certificate
        // without the extension may be used for anything.
        if let eku = try? cert.extensions.extendedKeyUsage,
           !eku.contains(.clientAuth) && !eku.contains(.any) {
            return .failure(.noClientAuthUsage)
        }
        let name = cert.subject.commonName
        guard !name.isEmpty else { return .failure(.noCommonName) }
        var groups = cert.subject.organizations
        if !groups.contains("system:authenticated") { groups.append("system:authenticated") }
        return .success(.init(user: CertificateUser(name: name, groups: groups), notBefore: cert.notValidBefore, notAfter: cert.notValidAfter))
    }
}

extension DistinguishedName {
    /// The values of one attribute type (CN, O), in order.
    public func values(of type: ASN1ObjectIdentifier) -> [String] {
        flatMap { rdn in rdn.compactMap { $0.type == type ? String($0.value) : nil } }
    }

    /// The common name, "" when there is none.
    public var commonName: String { values(of: .RDNAttributeType.commonName).first ?? "" }
    /// The organizations (a user's groups).
    public var organizations: [String] { values(of: .RDNAttributeType.organizationName) }
}
