public import Foundation
public import KubeAPI
public import Logging

/// The kubelet's own client certificate (upstream's TLS bootstrap and
/// client certificate rotation): on the first start a certificate for
/// `system:node:NAME` is requested with the bootstrap credentials and kept
/// under `--root-dir/pki` (`kubelet-client-current.pem`); later starts reuse
/// it while valid; it is renewed as the node itself at 70–90 % of its
/// lifetime, and the API client switches to the new one without a restart.
public struct KubeletClientCertificates: Sendable {
    public let store: CertificateStore
    public let nodeName: String
    let logger: Logger

    public init(rootDirectory: String, nodeName: String, logger: Logger) {
        store = CertificateStore(directory: URL(fileURLWithPath: rootDirectory).appendingPathComponent("pki"), prefix: "kubelet-client")
        self.nodeName = nodeName
        self.logger = logger
    }

    /// Whether `token` is a bootstrap token (`abcdef.0123456789abcdef`),
    /// which the kubelet exchanges for a certificate.
    public static func isBootstrapToken(_ token: String?) -> Bool {
        token.flatMap(BootstrapToken.parse) != nil
    }

    /// `bootstrap`'s server and CA with the kubelet's own certificate: the
    /// stored one when valid at `now`, else a new one obtained through a CSR
    /// made with `bootstrap`'s credentials.
    public func clientConfiguration(bootstrap: KubeConfig, now: Date = Date()) async throws -> KubeConfig {
        var requester = bootstrap
        requester.impersonateUser = nil
        let identity: StoredCertificate
        if let stored = store.current(), stored.isValid(at: now) {
            logger.info("using the client certificate in \(store.currentPath.path) (valid until \(stored.notAfter))")
            identity = stored
        } else {
            logger.info("no valid client certificate in \(store.currentPath.path): requesting one with the bootstrap credentials")
            let client = try KubeClient(config: requester)
            do {
                let (cert, key) = try await CertificateRequester(client: client, nodeName: nodeName).requestClientCertificate(logger: logger)
                identity = try store.update(certificatePEM: cert, keyPEM: key)
                await client.shutdown()
            } catch {
                await client.shutdown()
                throw error
            }
        }
        var config = requester
        config.token = nil
        config.clientCertificatePEM = identity.certificatePEM
        config.clientKeyPEM = identity.keyPEM
        return config
    }

    /// Renews the certificate `client` presents at 70–90 % of its lifetime,
    /// until cancelled; failures are retried after a back-off.
    public func rotate(client: KubeClient) async {
        var retry: Double = 5
        while !Task.isCancelled {
            guard let current = store.current() else { return }
            let wait = current.rotationDeadline().timeIntervalSinceNow
            if wait > 0 {
                logger.info("client certificate rotation in \(Int(wait))s")
                do { try await Task.sleep(for: .seconds(wait)) } catch { return }
            }
            do {
                let (cert, key) = try await CertificateRequester(client: client, nodeName: nodeName).requestClientCertificate(logger: logger)
                let stored = try store.update(certificatePEM: cert, keyPEM: key)
                try await client.rotateClientCertificate(certificatePEM: stored.certificatePEM, keyPEM: stored.keyPEM)
                logger.info("rotated the client certificate (valid until \(stored.notAfter))")
                retry = 5
            } catch is CancellationError {
                return
            } catch {
                logger.warning("client certificate rotation failed (retrying in \(Int(retry))s): \(error)")
                do { try await Task.sleep(for: .seconds(retry)) } catch { return }
                retry = min(retry * 2, 300)
            }
        }
    }

    /// Writes a kubeconfig (as upstream's `--kubeconfig` after bootstrap)
    /// that names `pki/kubelet-client-current.pem` as certificate and key.
    public func writeKubeconfig(to path: String, server: String, caPEM: String?) throws {
        let ca = caPEM.map { "    certificate-authority-data: \(Data($0.utf8).base64EncodedString())\n" } ?? ""
        let yaml = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: default-cluster
              cluster:
                server: \(server)
            \(ca)contexts:
            - name: default-context
              context:
                cluster: default-cluster
                user: default-auth
            current-context: default-context
            users:
            - name: default-auth
              user:
                client-certificate: \(store.currentPath.path)
                client-key: \(store.currentPath.path)

            """
        guard FileManager.default.createFile(atPath: path, contents: Data(yaml.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw KubeletCertificateError("cannot write \(path)")
        }
    }
}
