import Crypto
public import Foundation
import SwiftASN1
public import Controllers
public import X509

extension CertificateAuthority {
    /// Signs a certificate for `publicKey` with the cluster CA.
    ///
    /// ```swift
    /// let cert = try ca.issue(publicKey: key, subject: dn, extendedUsages: [.clientAuth], notAfter: now + 86400)
    /// ```
    public func issue(publicKey: Certificate.PublicKey, subject: DistinguishedName, keyUsage: KeyUsage = KeyUsage(digitalSignature: true, keyEncipherment: true),
                      extendedUsages: [ExtendedKeyUsage.Usage], subjectAlternativeNames: [GeneralName] = [],
                      notBefore: Date = Date().addingTimeInterval(-300), notAfter: Date) throws(CertificateError) -> Certificate {
        do {
            let caKey = try P256.Signing.PrivateKey(rawRepresentation: caKeyRaw)
            return try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: publicKey,
                notValidBefore: notBefore, notValidAfter: min(notAfter, caCertificate.notValidAfter),
                issuer: caCertificate.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    // Omitted when empty, as Go's x509 does (clients refuse an empty one).
                    if keyUsage != KeyUsage() { Critical(keyUsage) }
                    try ExtendedKeyUsage(extendedUsages)
                    AuthorityKeyIdentifier(keyIdentifier: try? caCertificate.extensions.subjectKeyIdentifier?.keyIdentifier)
                    if !subjectAlternativeNames.isEmpty { SubjectAlternativeNames(subjectAlternativeNames) }
                },
                issuerPrivateKey: .init(caKey))
        } catch {
            throw CertificateError(description: "cannot sign a certificate for \(subject): \(error)")
        }
    }

    /// A new P-256 key and a client certificate for user `commonName` in
    /// the groups `organizations` (the admin's, kube-proxy's), as PEM.
    public func issueClientCertificate(commonName: String, organizations: [String],
                                       validity: TimeInterval = 365 * 86400) throws(CertificateError) -> (certificatePEM: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let cert = try issue(publicKey: .init(key.publicKey), subject: Self.subject(commonName: commonName, organizations: organizations),
                             extendedUsages: [.clientAuth], notAfter: Date().addingTimeInterval(validity))
        do {
            return (try cert.serializeAsPEM().pemString, key.pemRepresentation)
        } catch {
            throw CertificateError(description: "cannot encode the certificate of \(commonName): \(error)")
        }
    }

    /// `O=…, CN=…` as upstream's client certificates name users.
    static func subject(commonName: String, organizations: [String]) -> DistinguishedName {
        var rdns = organizations.map { RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: $0)) }
        rdns.append(RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: commonName)))
        return DistinguishedName(rdns)
    }
}

extension CertificateAuthority: CertificateIssuer {
    public func signCertificate(publicKey: Certificate.PublicKey, subject: DistinguishedName, keyUsage: KeyUsage,
                                extendedUsages: [ExtendedKeyUsage.Usage], subjectAlternativeNames: [GeneralName],
                                notBefore: Date, notAfter: Date) throws -> Certificate {
        try issue(publicKey: publicKey, subject: subject, keyUsage: keyUsage, extendedUsages: extendedUsages,
                  subjectAlternativeNames: subjectAlternativeNames, notBefore: notBefore, notAfter: notAfter)
    }
}
