import Foundation
import KubeAPI

/// Upstream's bootstrap token authenticator: a bearer token
/// `<id>.<secret>` whose Secret `kube-system/bootstrap-token-<id>` is of
/// type `bootstrap.kubernetes.io/token`, is not being deleted, has not
/// expired, allows `usage-bootstrap-authentication` and holds the same
/// secret authenticates as `system:bootstrap:<id>` in `system:bootstrappers`
/// (and its `auth-extra-groups`). Anything else does not authenticate (401).
enum BootstrapTokenAuthenticator {
    /// The user of `token`, from the Secret `lookup` returns for the id.
    static func authenticate(_ token: String, now: Date = Date(),
                             lookup: (String) async -> Secret?) async -> UserInfo? {
        guard let (id, secretPart) = BootstrapToken.parse(token),
              let secret = await lookup(BootstrapToken.secretPrefix + id) else { return nil }
        return user(secretPart: secretPart, id: id, secret: secret, now: now)
    }

    /// The decision on one Secret, without the store.
    static func user(secretPart: String, id: String, secret: Secret, now: Date) -> UserInfo? {
        guard secret.metadata.deletionTimestamp == nil,
              let stored = try? BootstrapToken(secret: secret), stored.id == id,
              Authenticator.constantTimeEqual(stored.secret, secretPart),
              !stored.isExpired(at: now), stored.usages.contains("authentication"),
              stored.extraGroups.allSatisfy({ $0.hasPrefix(BootstrapToken.group + ":") }) else { return nil }
        return UserInfo(name: stored.userName, groups: stored.groups + ["system:authenticated"])
    }
}
