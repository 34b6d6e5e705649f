import Foundation
import KubeAPI

/// `DIR/node-token`: the bootstrap token nodes join with (as k3s's
/// node-token, but a bootstrap token as kubeadm's), made at first start,
/// without expiry. Kubelets exchange it for their own certificates through
/// CSRs. A start finds it again; if its Secret is gone (a new datastore) it
/// is stored again, and a token that is not a bootstrap token (from before
/// bootstrap tokens) is replaced.
enum NodeToken {
    static let description = "The control plane's node-token: kubelets join with it (TLS bootstrap)."

    /// Makes sure `DIR/node-token` holds a bootstrap token that authenticates.
    static func ensure(dir: URL, registry: ResourceStorage) async throws {
        let url = dir.appendingPathComponent("node-token")
        let text = (try? String(contentsOf: url, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let info = ResourceCatalog.info(for: Secret.self)
        if let (id, secret) = BootstrapToken.parse(text) {
            let token = BootstrapToken(id: id, secret: secret, description: description)
            if (try? await registry.get(info, BootstrapToken.namespace, token.secretName)) != nil { return }
            _ = try await registry.create(info, BootstrapToken.namespace, KubeCodec.encodeObject(token.secretObject()), WriteOptions())
            return
        }
        let token = BootstrapToken.generate(ttl: nil, description: description)
        _ = try await registry.create(info, BootstrapToken.namespace, KubeCodec.encodeObject(token.secretObject()), WriteOptions())
        try writePrivateFile(Data((token.token + "\n").utf8), to: url)
    }
}
