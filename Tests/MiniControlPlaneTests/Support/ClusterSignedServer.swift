import Foundation
import NIOSSL
@testable import MiniControlPlane

/// A serving certificate from a test cluster's CA, for servers the tests run
/// in process (admission and conversion webhooks, aggregated API servers):
/// the CA is copied from the cluster's data directory into `dir`, where the
/// certificate for `sans` is issued.
struct ClusterSignedServer {
    /// The cluster CA as a webhook configuration or APIService wants it (base64 PEM).
    let caBundle: String
    var tls: TLSConfiguration

    init(clusterData: URL, dir: URL, sans: [String]) throws {
        let fm = FileManager.default
        try? fm.removeItem(at: dir)
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        for f in ["ca.crt", "ca.key"] { try fm.copyItem(at: clusterData.appendingPathComponent(f), to: dir.appendingPathComponent(f)) }
        let ca = try CertificateAuthority.prepare(dir: dir, sans: sans)
        caBundle = Data(ca.caCertificatePEM.utf8).base64EncodedString()
        tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(ca.servingCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(ca.servingKeyPEM.utf8), format: .pem)))
    }
}
