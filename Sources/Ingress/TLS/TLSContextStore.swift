import Crypto
import Foundation
public import NIOSSL
import Synchronization

/// TLS server contexts chosen by SNI: the certificate of the ingress Secret
/// covering the requested name, else the default certificate. Contexts are
/// built once per Secret content and reused.
public final class TLSContextStore: Sendable {
    let defaultContext: NIOSSLContext
    let cache = Mutex<[String: NIOSSLContext]>([:])
    let store: RoutingTableStore

    /// Protocols offered through ALPN, HTTP/2 first.
    public static let alpn = ["h2", "http/1.1"]

    /// - Parameters:
    ///   - defaultCertificate: PEM certificate and key served when no Secret matches (a self-signed one when nil).
    public init(store: RoutingTableStore, defaultCertificate: (certificatePEM: String, keyPEM: String)? = nil) throws {
        self.store = store
        let pair = try defaultCertificate ?? SelfSignedCertificate.make()
        defaultContext = try Self.makeContext(certificatePEM: pair.certificatePEM, keyPEM: pair.keyPEM)
    }

    /// The context for a ClientHello's server name.
    public func context(serverName: String?) -> NIOSSLContext {
        guard let cert = store.current.certificate(serverName: serverName) else { return defaultContext }
        let key = cert.secret + ":" + SHA256.hash(data: Data((cert.certificatePEM + cert.keyPEM).utf8)).map { String(format: "%02x", $0) }.joined()
        if let ctx = cache.withLock({ $0[key] }) { return ctx }
        do {
            let ctx = try Self.makeContext(certificatePEM: cert.certificatePEM, keyPEM: cert.keyPEM)
            cache.withLock { c in
                // Old versions of a Secret are dropped when the cache grows.
                if c.count > 1024 { c.removeAll() }
                c[key] = ctx
            }
            return ctx
        } catch {
            return defaultContext
        }
    }

    static func makeContext(certificatePEM: String, keyPEM: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        var config = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        config.applicationProtocols = alpn
        return try NIOSSLContext(configuration: config)
    }
}
