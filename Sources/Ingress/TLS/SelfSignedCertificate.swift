import Crypto
import Foundation
import SwiftASN1
import X509

/// The certificate served when no ingress's Secret covers the requested
/// name (ingress-nginx's "Kubernetes Ingress Controller Fake Certificate").
public enum SelfSignedCertificate {
    /// A new self-signed P-256 certificate for `commonName`, valid ten years, as PEM.
    public static func make(commonName: String = "swiftkube Ingress Controller Fake Certificate",
                            dnsNames: [String] = ["ingress.local"]) throws -> (certificatePEM: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("swiftkube")
            CommonName(commonName)
        }
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                SubjectAlternativeNames(dnsNames.map { GeneralName.dnsName($0) })
                try ExtendedKeyUsage([.serverAuth])
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        var serializer = DER.Serializer()
        try serializer.serialize(cert)
        let pem = PEMDocument(type: "CERTIFICATE", derBytes: serializer.serializedBytes).pemString
        return (pem, key.pemRepresentation)
    }
}
