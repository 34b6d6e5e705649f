import Foundation
import SwiftASN1
import X509

/// x509 client-certificate authentication, as kube-apiserver's
/// `--client-ca-file`: a certificate the cluster CA signed, within its
/// validity period and allowed for `clientAuth`, authenticates as user CN in
/// the groups O (and `system:authenticated`).
struct ClientCertificateAuthenticator: Sendable {
    let ca: Certificate

    /// Why a presented certificate does not authenticate (upstream's
    /// `x509: certificate signed by unknown authority` and friends).
    enum Rejection: Error, Equatable {
        case malformed
        case unknownAuthority
        case expired
        case notYetValid
        case noClientAuthUsage
        case noCommonName
    }

    init(ca: Certificate) {
        self.ca = ca
    }

    /// The user of a DER certificate, or why it is refused.
    func authenticate(_ der: [UInt8], now: Date = Date()) -> Result<UserInfo, Rejection> {
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
        return .success(UserInfo(name: name, groups: groups))
    }
}
