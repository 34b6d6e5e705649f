import Foundation
import KubeAPI
import Logging

/// Upstream's tokens controller for legacy service-account tokens: a Secret
/// of type `kubernetes.io/service-account-token` annotated
/// `kubernetes.io/service-account.name: NAME` gets `data.token` (a
/// non-expiring token valid while the Secret and the account exist),
/// `data.ca.crt`, `data.namespace` and the account's UID annotation; one
/// naming a missing account is deleted, as upstream's. (Since 1.24 no such
/// Secret is made automatically; users create them for long-lived tokens.)
struct LegacyTokenController: Sendable {
    let registry: ResourceStorage
    let tokens: ServiceAccountTokens
    let caPEM: String
    let logger: Logger

    static let type = "kubernetes.io/service-account-token"
    static let nameAnnotation = "kubernetes.io/service-account.name"
    static let uidAnnotation = "kubernetes.io/service-account.uid"

    /// Runs until cancelled: every Secret at start, then each change.
    func run() async {
        let info = ResourceCatalog.info(for: Secret.self)
        while !Task.isCancelled {
            do {
                let list = try await registry.list(info, nil, ListQuery())
                for item in list.items { await sync(try registry.decode(item, info)) }
                let stream = try await registry.store.watch(prefix: info.keyPrefix, afterRevision: list.revision)
                for try await event in stream where event.kind == .put {
                    guard let secret = try? StoredObject.decode(event.value, revision: event.revision) else { continue }
                    await sync(info.fromStorage(secret))
                }
            } catch is CancellationError {
                return
            } catch {
                logger.debug("legacy service-account tokens: \(error)")
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }

    /// Fills one Secret in, if it is a token Secret without its token.
    func sync(_ secret: JSONValue) async {
        guard secret["type"]?.stringValue == Self.type, secret[path: ["data", "token"]] == nil,
              secret[path: ["metadata", "deletionTimestamp"]] == nil,
              let ns = secret[path: ["metadata", "namespace"]]?.stringValue,
              let name = secret[path: ["metadata", "name"]]?.stringValue,
              let account = secret[path: ["metadata", "annotations", Self.nameAnnotation]]?.stringValue else { return }
        let info = ResourceCatalog.info(for: Secret.self)
        do {
            let sa: JSONValue
            do {
                sa = try await registry.get(ResourceCatalog.info(for: ServiceAccount.self), ns, account)
            } catch where error.code == 404 {
                _ = try await registry.delete(info, ns, name, options: DeleteOptions(), dryRun: false)
                logger.info("deleted token secret \(ns)/\(name): service account \(account) does not exist")
                return
            }
            let uid = sa[path: ["metadata", "uid"]]?.stringValue ?? ""
            if let want = secret[path: ["metadata", "annotations", Self.uidAnnotation]]?.stringValue, !want.isEmpty, want != uid { return }
            let token = try tokens.issueLegacy(namespace: ns, serviceAccount: account, uid: uid, secret: name)
            var updated = secret
            updated.set(path: ["metadata", "annotations", Self.uidAnnotation], to: .string(uid))
            var data = secret["data"]?.objectValue ?? [:]
            data["token"] = .string(Data(token.utf8).base64EncodedString())
            data["ca.crt"] = .string(Data(caPEM.utf8).base64EncodedString())
            data["namespace"] = .string(Data(ns.utf8).base64EncodedString())
            updated["data"] = .object(data)
            var options = WriteOptions()
            options.fieldManager = "kube-controller-manager"
            _ = try await registry.update(info, ns, name, updated, subresource: nil, options)
        } catch {
            // Changed or deleted meanwhile: the next event brings it back.
            logger.debug("filling token secret \(ns)/\(name): \(error)")
        }
    }
}
