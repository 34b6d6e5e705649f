import Crypto
public import Foundation

/// The admin's bearer token (user `admin`, group `system:masters`), kept in
/// `DIR/tokens.json` (mode 0600) for scripts that want a bearer token
/// (`DIR/admin.kubeconfig` holds a client certificate instead), and the
/// kubeconfigs of the identities the control plane issues. Nodes join with
/// the bootstrap token in `DIR/node-token` (see ``NodeToken``).
public struct Credentials: Codable, Sendable, Equatable {
    public var adminToken: String

    /// Loads the tokens from `dir`, creating them on first start.
    public static func loadOrCreate(dir: URL) throws -> Credentials {
        let url = dir.appendingPathComponent("tokens.json")
        if let data = try? Data(contentsOf: url), let c = try? JSONDecoder().decode(Credentials.self, from: data) {
            return c
        }
        let c = Credentials(adminToken: randomToken())
        let data = try JSONEncoder().encode(c)
        try writePrivateFile(data, to: url)
        return c
    }

    static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
    }

    /// The admin's identity in `DIR/admin.kubeconfig`, as kubeadm names it.
    public static let adminUser = "kubernetes-admin"
    /// kube-proxy's identity in `DIR/kube-proxy.kubeconfig`, as upstream's `system:node-proxier` binding names it.
    public static let kubeProxyUser = "system:kube-proxy"

    /// Writes `DIR/admin.kubeconfig` for kubectl: a client certificate for
    /// `kubernetes-admin` in group `system:masters`, signed by the cluster CA.
    public func writeAdminKubeconfig(dir: URL, server: String, ca: CertificateAuthority) throws {
        let (cert, key) = try ca.issueClientCertificate(commonName: Self.adminUser, organizations: ["system:masters"])
        try Self.writeKubeconfig(to: dir.appendingPathComponent("admin.kubeconfig"), server: server, caPEM: ca.caCertificatePEM,
                                 user: "admin", certificatePEM: cert, keyPEM: key)
    }

    /// Writes `DIR/kube-proxy.kubeconfig`: a client certificate for
    /// `system:kube-proxy`, as k3s gives its kube-proxy.
    public func writeKubeProxyKubeconfig(dir: URL, server: String, ca: CertificateAuthority) throws {
        let (cert, key) = try ca.issueClientCertificate(commonName: Self.kubeProxyUser, organizations: [])
        try Self.writeKubeconfig(to: dir.appendingPathComponent("kube-proxy.kubeconfig"), server: server, caPEM: ca.caCertificatePEM,
                                 user: Self.kubeProxyUser, certificatePEM: cert, keyPEM: key)
    }

    /// A kubeconfig (mode 0600) with embedded CA, client certificate and key.
    public static func writeKubeconfig(to url: URL, server: String, caPEM: String, user: String,
                                       certificatePEM: String, keyPEM: String) throws {
        func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
        let yaml = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: swiftkube
              cluster:
                server: \(server)
                certificate-authority-data: \(b64(caPEM))
            users:
            - name: \(user)
              user:
                client-certificate-data: \(b64(certificatePEM))
                client-key-data: \(b64(keyPEM))
            contexts:
            - name: swiftkube
              context:
                cluster: swiftkube
                user: \(user)
                namespace: default
            current-context: swiftkube

            """
        try writePrivateFile(Data(yaml.utf8), to: url)
    }
}
