import Crypto
import Foundation
public import KubeAPI
public import Logging
import SwiftASN1
import X509

/// Obtains a certificate through the certificates.k8s.io API, as client-go's
/// `csr.RequestCertificate` and `WaitForCertificate`: a new P-256 key, a
/// CSR for `CN=system:node:NAME, O=system:nodes`, then waiting until the
/// signer issues it (or it is denied or fails).
public struct CertificateRequester: Sendable {
    public let client: KubeClient
    public let nodeName: String

    public init(client: KubeClient, nodeName: String) {
        self.client = client
        self.nodeName = nodeName
    }

    /// A client certificate (`kube-apiserver-client-kubelet`).
    public func requestClientCertificate(logger: Logger) async throws -> (certificatePEM: String, keyPEM: String) {
        try await request(signer: KubeAPI.CertificateSigningRequest.Signer.kubeAPIServerClientKubelet,
                          usages: ["digital signature", "client auth"], names: [], logger: logger)
    }

    /// A serving certificate (`kubelet-serving`) for the node's host names and addresses.
    public func requestServingCertificate(hostnames: [String], addresses: [String], logger: Logger) async throws -> (certificatePEM: String, keyPEM: String) {
        var names = hostnames.map { GeneralName.dnsName($0) }
        for a in addresses {
            if let bytes = IPAddressBytes.parse(a) { names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(bytes)))) }
        }
        return try await request(signer: KubeAPI.CertificateSigningRequest.Signer.kubeletServing,
                                 usages: ["digital signature", "server auth"], names: names, logger: logger)
    }

    func request(signer: String, usages: [String], names: [GeneralName], logger: Logger) async throws -> (certificatePEM: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        var attributes = X509.CertificateSigningRequest.Attributes()
        if !names.isEmpty {
            attributes.insert(try .init(ExtensionRequest(extensions: try Certificate.Extensions { SubjectAlternativeNames(names) })))
        }
        let subject = DistinguishedName([
            RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: "system:nodes")),
            RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: "system:node:\(nodeName)")),
        ])
        let pkcs10 = try X509.CertificateSigningRequest(version: .v1, subject: subject, privateKey: .init(key),
                                                        attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
        var meta = ObjectMeta()
        meta.generateName = "node-csr-"
        let spec = CertificateSigningRequestSpec(request: Data(try pkcs10.serializeAsPEM().pemString.utf8).base64EncodedString(),
                                                 signerName: signer, usages: usages)
        let created = try await client.create(KubeAPI.CertificateSigningRequest(metadata: meta, spec: spec))
        let name = created.metadata.name ?? ""
        logger.info("requested a certificate from \(signer) with CSR \(name); waiting for its approval")
        while true {
            try Task.checkCancellation()
            let csr = try await client.get(KubeAPI.CertificateSigningRequest.self, name: name)
            if let c = csr.condition("Denied") ?? csr.condition("Failed") {
                throw KubeletCertificateError("CSR \(name) was \(c.type.lowercased()): \(c.reason ?? "") \(c.message ?? "")")
            }
            if let b64 = csr.status?.certificate, !b64.isEmpty,
               let pem = Data(base64Encoded: b64).flatMap({ String(data: $0, encoding: .utf8) }) {
                logger.info("CSR \(name) issued")
                return (pem, key.pemRepresentation)
            }
            try await Task.sleep(for: .seconds(1))
        }
    }
}

/// IP literals as bytes.
enum IPAddressBytes {
    static func parse(_ s: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}
