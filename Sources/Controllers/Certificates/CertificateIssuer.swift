public import Foundation
public import X509

/// Signs certificates with the cluster CA (the control plane's
/// `CertificateAuthority`), for the CSR signing controller.
public protocol CertificateIssuer: Sendable {
    /// A certificate for `publicKey` and `subject` with these usages and
    /// SANs, valid from `notBefore` until `notAfter` (or the CA's own end).
    func signCertificate(publicKey: Certificate.PublicKey, subject: DistinguishedName, keyUsage: KeyUsage,
                         extendedUsages: [ExtendedKeyUsage.Usage], subjectAlternativeNames: [GeneralName],
                         notBefore: Date, notAfter: Date) throws -> Certificate
}
