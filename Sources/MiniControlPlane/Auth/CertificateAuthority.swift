import Crypto
public import Foundation
import SwiftASN1
import X509

/// Why certificate material could not be created or loaded.
public struct CertificateError: Error, CustomStringConvertible {
    public var description: String
}

/// The cluster CA and the API server's serving certificate.
///
/// On first start the CA key and certificate are written to `DIR/ca.key` and
/// `DIR/ca.crt`; later starts reuse them. The serving certificate is issued
/// anew on each start (so new `--tls-san` values take effect) and written to
/// `DIR/apiserver.crt` and `DIR/apiserver.key`.
public struct CertificateAuthority: Sendable {
    public let caCertificatePEM: String
    public let servingCertificatePEM: String
    public let servingKeyPEM: String
    /// Client certificate the API server presents to kubelets
    /// (CN kube-apiserver-kubelet-client, O system:masters), signed by the CA.
    public let kubeletClientCertificatePEM: String
    public let kubeletClientKeyPEM: String
    /// The CA's key and certificate, which sign client certificates and CSRs.
    /// (The key's raw bytes: CryptoKit keys are not `Sendable`.)
    let caKeyRaw: Data
    let caCertificate: Certificate

    /// Loads or creates the CA in `dir` and issues a serving certificate for `sans`.
    public static func prepare(dir: URL, sans: [String]) throws -> CertificateAuthority {
        let fm = FileManager.default
        let caKeyURL = dir.appendingPathComponent("ca.key")
        let caCertURL = dir.appendingPathComponent("ca.crt")
        let caKey: P256.Signing.PrivateKey
        let caCert: Certificate
        do {
            if fm.fileExists(atPath: caKeyURL.path), fm.fileExists(atPath: caCertURL.path) {
                caKey = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: caKeyURL, encoding: .utf8))
                caCert = try Certificate(pemEncoded: String(contentsOf: caCertURL, encoding: .utf8))
            } else {
                caKey = P256.Signing.PrivateKey()
                let name = try DistinguishedName { CommonName("swiftkube-ca") }
                let now = Date()
                caCert = try Certificate(
                    version: .v3, serialNumber: Certificate.SerialNumber(),
                    publicKey: .init(caKey.publicKey),
                    notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
                    issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                    extensions: try Certificate.Extensions {
                        Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                        Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                        SubjectKeyIdentifier(hash: Certificate.PublicKey(caKey.publicKey))
                    },
                    issuerPrivateKey: .init(caKey))
                try writePrivate(caKey.pemRepresentation, to: caKeyURL)
                try caCert.serializeAsPEM().pemString.write(to: caCertURL, atomically: true, encoding: .utf8)
            }
            let serverKey = P256.Signing.PrivateKey()
            var names: [GeneralName] = []
            var seen = Set<String>()
            for san in sans where !san.isEmpty && seen.insert(san).inserted {
                if let ip = ipBytes(san) {
                    names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip))))
                } else {
                    names.append(.dnsName(san))
                }
            }
            let now = Date()
            let serverCert = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(),
                publicKey: .init(serverKey.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(365 * 86400),
                issuer: caCert.subject, subject: try DistinguishedName { CommonName("kube-apiserver") },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([.serverAuth])
                    SubjectAlternativeNames(names)
                },
                issuerPrivateKey: .init(caKey))
            let certPEM = try serverCert.serializeAsPEM().pemString
            try certPEM.write(to: dir.appendingPathComponent("apiserver.crt"), atomically: true, encoding: .utf8)
            try writePrivate(serverKey.pemRepresentation, to: dir.appendingPathComponent("apiserver.key"))
            let clientKey = P256.Signing.PrivateKey()
            let clientCert = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(),
                publicKey: .init(clientKey.publicKey),
                notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(365 * 86400),
                issuer: caCert.subject,
                subject: try DistinguishedName {
                    OrganizationName("system:masters")
                    CommonName("kube-apiserver-kubelet-client")
                },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                    try ExtendedKeyUsage([.clientAuth])
                },
                issuerPrivateKey: .init(caKey))
            let clientPEM = try clientCert.serializeAsPEM().pemString
            try clientPEM.write(to: dir.appendingPathComponent("apiserver-kubelet-client.crt"), atomically: true, encoding: .utf8)
            try writePrivate(clientKey.pemRepresentation, to: dir.appendingPathComponent("apiserver-kubelet-client.key"))
            return CertificateAuthority(caCertificatePEM: try caCert.serializeAsPEM().pemString,
                                        servingCertificatePEM: certPEM, servingKeyPEM: serverKey.pemRepresentation,
                                        kubeletClientCertificatePEM: clientPEM, kubeletClientKeyPEM: clientKey.pemRepresentation,
                                        caKeyRaw: caKey.rawRepresentation, caCertificate: caCert)
        } catch let e as CertificateError {
            throw e
        } catch {
            throw CertificateError(description: "cannot prepare certificates in \(dir.path): \(error)")
        }
    }

    static func writePrivate(_ text: String, to url: URL) throws {
        try writePrivateFile(Data(text.utf8), to: url)
    }

    /// The bytes of an IPv4 or IPv6 literal, or nil for a DNS name.
    static func ipBytes(_ s: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
