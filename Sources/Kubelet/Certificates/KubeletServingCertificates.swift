public import Foundation
public import KubeAPI
public import Logging

/// The kubelet's serving certificate from the cluster CA (upstream's
/// `--rotate-server-certificates`): requested from the `kubelet-serving`
/// signer for the node's name and address, kept in
/// `ROOT_DIR/pki/kubelet-server-current.pem`, renewed at 70–90 % of its
/// lifetime; the HTTPS server presents each new one from the next handshake.
/// Until the first is issued the server presents its self-signed certificate.
public struct KubeletServingCertificates: Sendable {
    public let store: CertificateStore
    let nodeName: String
    let nodeIP: String
    let logger: Logger

    public init(rootDirectory: String, nodeName: String, nodeIP: String, logger: Logger) {
        store = CertificateStore(directory: URL(fileURLWithPath: rootDirectory).appendingPathComponent("pki"), prefix: "kubelet-server")
        self.nodeName = nodeName
        self.nodeIP = nodeIP
        self.logger = logger
    }

    /// The stored certificate when valid now.
    public func current(now: Date = Date()) -> StoredCertificate? {
        store.current().flatMap { $0.isValid(at: now) ? $0 : nil }
    }

    /// Obtains (when none is valid) and renews the serving certificate into
    /// `holder`, until cancelled; failures are retried after a back-off.
    public func run(client: KubeClient, holder: ServingCertificateHolder) async {
        var retry: Double = 5
        while !Task.isCancelled {
            if let valid = current() {
                let wait = valid.rotationDeadline().timeIntervalSinceNow
                if wait > 0 {
                    logger.info("serving certificate rotation in \(Int(wait))s")
                    do { try await Task.sleep(for: .seconds(wait)) } catch { return }
                }
            }
            do {
                let (cert, key) = try await CertificateRequester(client: client, nodeName: nodeName)
                    .requestServingCertificate(hostnames: [nodeName], addresses: [nodeIP], logger: logger)
                let stored = try store.update(certificatePEM: cert, keyPEM: key)
                try holder.update(certificatePEM: stored.certificatePEM, keyPEM: stored.keyPEM)
                logger.info("serving with a certificate from the cluster CA (valid until \(stored.notAfter))")
                retry = 5
            } catch is CancellationError {
                return
            } catch {
                logger.warning("serving certificate request failed (retrying in \(Int(retry))s): \(error)")
                do { try await Task.sleep(for: .seconds(retry)) } catch { return }
                retry = min(retry * 2, 300)
            }
        }
    }
}
