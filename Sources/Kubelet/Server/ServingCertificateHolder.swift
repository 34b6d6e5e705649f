import NIOSSL
import Synchronization

/// The certificate the kubelet's HTTPS server presents, replaceable while it
/// serves (a rotated serving certificate applies to the next handshake).
public final class ServingCertificateHolder: Sendable {
    private let current: Mutex<NIOSSLContextConfigurationOverride>

    /// Starts with `certificatePEM` (chain) and `keyPEM`.
    public init(certificatePEM: String, keyPEM: String) throws {
        current = Mutex(try Self.override(certificatePEM: certificatePEM, keyPEM: keyPEM))
    }

    /// Presents this certificate from the next handshake on.
    public func update(certificatePEM: String, keyPEM: String) throws {
        let o = try Self.override(certificatePEM: certificatePEM, keyPEM: keyPEM)
        current.withLock { $0 = o }
    }

    /// What the TLS context callback answers.
    var configuration: NIOSSLContextConfigurationOverride { current.withLock { $0 } }

    static func override(certificatePEM: String, keyPEM: String) throws -> NIOSSLContextConfigurationOverride {
        var o = NIOSSLContextConfigurationOverride()
        o.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) }
        o.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
        return o
    }
}
