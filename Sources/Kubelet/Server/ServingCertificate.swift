import Foundation
import Crypto
import SwiftASN1
import X509
import Runtime
import Netlink
import LinuxSystem

/// The kubelet's self-signed serving certificate (as the kubelet makes one
/// when no certificate is configured): kept in `<root-dir>/pki` and reused
/// across restarts; kube-apiserver does not verify it by default.
enum ServingCertificate {
    static func load(directory: String, nodeName: String, nodeIP: String) throws -> (certificate: String, key: String) {
        let certPath = directory + "/kubelet.crt", keyPath = directory + "/kubelet.key"
        if let cert = try? FileIO.read(certPath), let key = try? FileIO.read(keyPath) { return (cert, key) }
        try FileIO.makeDirectories(directory, mode: 0o700)
        let key = P256.Signing.PrivateKey()
        var names: [GeneralName] = [.dnsName(nodeName), .dnsName("localhost")]
        if let ip = IPAddress(nodeIP) { names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(ip.bytes)))) }
        let subject = try DistinguishedName { CommonName("\(nodeName)@kubelet") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(365 * 86400),
            issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(key))
        let pem = try certificate.serializeAsPEM().pemString
        try FileIO.writeAtomically(keyPath, Array(key.pemRepresentation.utf8), mode: 0o600)
        try FileIO.writeAtomically(certPath, Array(pem.utf8), mode: 0o644)
        return (pem, key.pemRepresentation)
    }
}
