public import Foundation

/// Bootstrap tokens through the API, as `kubeadm token` manages them.
extension KubeClient {
    /// Creates a new random token valid for `ttl` seconds (0: forever).
    public func createBootstrapToken(ttl: TimeInterval, description: String?) async throws(KubeClientError) -> BootstrapToken {
        let token = BootstrapToken.generate(ttl: ttl, description: description)
        _ = try await create(token.secretObject(), namespace: BootstrapToken.namespace)
        return token
    }

    /// The bootstrap tokens stored in kube-system (malformed Secrets skipped).
    public func bootstrapTokens() async throws(KubeClientError) -> [BootstrapToken] {
        let secrets = try await list(Secret.self, namespace: BootstrapToken.namespace,
                                     options: ListOptions(fieldSelector: "type=\(BootstrapToken.secretType)"))
        return secrets.items.compactMap { try? BootstrapToken(secret: $0) }.sorted { $0.id < $1.id }
    }

    /// Deletes the token with this id (or full token); 404 when there is none.
    public func deleteBootstrapToken(_ idOrToken: String) async throws(KubeClientError) {
        let id = BootstrapToken.parse(idOrToken)?.id ?? idOrToken
        _ = try await delete(Secret.self, name: BootstrapToken.secretPrefix + id, namespace: BootstrapToken.namespace)
    }
}

extension BootstrapToken {
    /// `kubeadm token list`'s table.
    public static func table(_ tokens: [BootstrapToken], now: Date = Date()) -> String {
        var rows = [["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]]
        for t in tokens {
            let ttl = t.expiration.map { exp -> String in
                let s = Int(exp.timeIntervalSince(now))
                return s <= 0 ? "<invalid>" : (s >= 3600 ? "\(s / 3600)h" : (s >= 60 ? "\(s / 60)m" : "\(s)s"))
            } ?? "<forever>"
            rows.append([t.token, ttl, t.expiration.map(formatTime) ?? "<never>", t.usages.joined(separator: ","),
                         t.description ?? "<none>", t.extraGroups.isEmpty ? "<none>" : t.extraGroups.joined(separator: ",")])
        }
        let widths = (0..<6).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, v in c == 5 ? v : v.padding(toLength: widths[c] + 3, withPad: " ", startingAt: 0) }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
