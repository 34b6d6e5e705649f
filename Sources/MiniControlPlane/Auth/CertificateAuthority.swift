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
/// `DIR/apiserver.crt` and `DIR/apiserver.key`. A second CA, the front
/// proxy's (`DIR/front-proxy-ca.*`), signs the client certificate requests
/// to aggregated API servers are made with (`DIR/front-proxy-client.*`).
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

    /// The front-proxy CA (`front-proxy-ca.crt`), which aggregated API servers
    /// trust for requests carrying `X-Remote-User` (their
    /// `requestheader-client-ca-file`), and the client certificate the API
    /// server proxies to them with (CN front-proxy-client).
    public let frontProxyCACertificatePEM: String
    public let frontProxyClientCertificatePEM: String
    public let frontProxyClientKeyPEM: String
    /// The CN of the front-proxy client certificate (`requestheader-allowed-names`).
    public static let frontProxyClientName = "front-proxy-client"

    /// Loads or creates the CA in `dir` and issues a serving certificate for `sans`.
    public static func prepare(dir: URL, sans: [String]) throws -> CertificateAuthority {
        do {
            let (caKey, caCert) = try loadOrCreateCA(dir: dir, file: "ca", commonName: "swiftkube-ca")
            let (frontProxyKey, frontProxyCA) = try loadOrCreateCA(dir: dir, file: "front-proxy-ca", commonName: "front-proxy-ca")
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
            let kubeletClient = try issueClient(dir: dir, file: "apiserver-kubelet-client", subject: try DistinguishedName {
                OrganizationName("system:masters")
                CommonName("kube-apiserver-kubelet-client")
            }, caKey: caKey, caCert: caCert)
            let frontProxyClient = try issueClient(dir: dir, file: "front-proxy-client",
                                                   subject: try DistinguishedName { CommonName(frontProxyClientName) },
                                                   caKey: frontProxyKey, caCert: frontProxyCA)
            return CertificateAuthority(caCertificatePEM: try caCert.serializeAsPEM().pemString,
                                        servingCertificatePEM: certPEM, servingKeyPEM: serverKey.pemRepresentation,
                                        kubeletClientCertificatePEM: kubeletClient.certificatePEM, kubeletClientKeyPEM: kubeletClient.keyPEM,
                                        caKeyRaw: caKey.rawRepresentation, caCertificate: caCert,
                                        frontProxyCACertificatePEM: try frontProxyCA.serializeAsPEM().pemString,
                                        frontProxyClientCertificatePEM: frontProxyClient.certificatePEM,
                                        frontProxyClientKeyPEM: frontProxyClient.keyPEM)
        } catch let e as CertificateError {
            throw e
        } catch {
            throw CertificateError(description: "cannot prepare certificates in \(dir.path): \(error)")
        }
    }

    /// The CA of `DIR/FILE.key` and `DIR/FILE.crt`, made there on first use.
    static func loadOrCreateCA(dir: URL, file: String, commonName: String) throws -> (P256.Signing.PrivateKey, Certificate) {
        let keyURL = dir.appendingPathComponent("\(file).key")
        let certURL = dir.appendingPathComponent("\(file).crt")
        if FileManager.default.fileExists(atPath: keyURL.path), FileManager.default.fileExists(atPath: certURL.path) {
            return (try P256.Signing.PrivateKey(pemRepresentation: String(contentsOf: keyURL, encoding: .utf8)),
                    try Certificate(pemEncoded: String(contentsOf: certURL, encoding: .utf8)))
        }
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName(commonName) }
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(10 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(hash: Certificate.PublicKey(key.publicKey))
            },
            issuerPrivateKey: .init(key))
        try writePrivate(key.pemRepresentation, to: keyURL)
        try cert.serializeAsPEM().pemString.write(to: certURL, atomically: true, encoding: .utf8)
        return (key, cert)
    }

    /// A client certificate for `subject`, issued anew on each start and written to `DIR/FILE.crt` and `.key`.
    static func issueClient(dir: URL, file: String, subject: DistinguishedName, caKey: P256.Signing.PrivateKey,
                            caCert: Certificate) throws -> (certificatePEM: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let now = Date()
        let cert = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(365 * 86400),
            issuer: caCert.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.clientAuth])
            },
            issuerPrivateKey: .init(caKey))
        let pem = try cert.serializeAsPEM().pemString
        try pem.write(to: dir.appendingPathComponent("\(file).crt"), atomically: true, encoding: .utf8)
        try writePrivate(key.pemRepresentation, to: dir.appendingPathComponent("\(file).key"))
        return (pem, key.pemRepresentation)
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
