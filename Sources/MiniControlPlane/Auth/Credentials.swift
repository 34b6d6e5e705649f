import Crypto
public import Foundation

/// Bearer tokens of the cluster, kept in `DIR/tokens.json` (mode 0600).
///
/// - the admin token (user `admin`, group `system:masters`) is written into
///   `DIR/admin.kubeconfig`;
/// - the node token, also in `DIR/node-token`, authenticates kubelets and
///   kube-proxies as group `system:nodes`. A node names itself with the
///   standard impersonation header `Impersonate-User: system:node:NAME`
///   (client-go's `Impersonate` setting, `kubectl --as`); node-token holders
///   may impersonate only `system:node:*` users.
public struct Credentials: Codable, Sendable, Equatable {
    public var adminToken: String
    public var nodeToken: String

    /// Loads the tokens from `dir`, creating them on first start.
    public static func loadOrCreate(dir: URL) throws -> Credentials {
        let url = dir.appendingPathComponent("tokens.json")
        if let data = try? Data(contentsOf: url), let c = try? JSONDecoder().decode(Credentials.self, from: data) {
            return c
        }
        let c = Credentials(adminToken: randomToken(), nodeToken: randomToken())
        let data = try JSONEncoder().encode(c)
        try writePrivateFile(data, to: url)
        try writePrivateFile(Data((c.nodeToken + "\n").utf8), to: dir.appendingPathComponent("node-token"))
        return c
    }

    static func randomToken() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
    }

    /// Writes `DIR/admin.kubeconfig` for kubectl.
    public func writeAdminKubeconfig(dir: URL, server: String, caPEM: String) throws {
        let ca = Data(caPEM.utf8).base64EncodedString()
        let yaml = """
            apiVersion: v1
            kind: Config
            clusters:
            - name: swiftkube
              cluster:
                server: \(server)
                certificate-authority-data: \(ca)
            users:
            - name: admin
              user:
                token: \(adminToken)
            contexts:
            - name: swiftkube
              context:
                cluster: swiftkube
                user: admin
                namespace: default
            current-context: swiftkube

            """
        let url = dir.appendingPathComponent("admin.kubeconfig")
        try writePrivateFile(Data(yaml.utf8), to: url)
    }
}
