import KubeAPI
import Logging
import Synchronization

/// Upstream's RBAC authorizer: allows a request when a (Cluster)RoleBinding
/// that names the user, one of their groups or their service account grants
/// a rule matching it. Reads an in-memory index of every role and binding,
/// loaded at start and kept current by watching the store (as upstream's
/// reads its informers).
final class RBACAuthorizer: Sendable {
    private let state = Mutex(RBACState())

    static var resources: [ResourceInfo] {
        [ResourceCatalog.info(for: ClusterRole.self), ResourceCatalog.info(for: Role.self),
         ResourceCatalog.info(for: ClusterRoleBinding.self), ResourceCatalog.info(for: RoleBinding.self)]
    }

    init() {}

    /// The binding that allows the request, if one does.
    func allowingBinding(_ user: UserInfo, _ a: RequestAttributes) -> RBACState.Binding? {
        state.withLock { $0.allowingBinding(user, a) }
    }

    /// Every rule `user` holds in `namespace`.
    func rules(for user: UserInfo, namespace: String?) -> [PolicyRule] {
        state.withLock { $0.rules(for: user, namespace: namespace) }
    }

    /// The rules of one ClusterRole (none when it does not exist).
    func clusterRoleRules(_ name: String) -> [PolicyRule] {
        state.withLock { $0.clusterRoles[name] ?? [] }
    }

    /// Applies one object change (tests and the watch).
    func apply(kind: String, object: JSONValue, deleted: Bool) {
        let meta = object["metadata"] ?? .emptyObject
        let name = meta["name"]?.stringValue ?? ""
        let ns = meta["namespace"]?.stringValue
        state.withLock { $0.apply(kind: kind, namespace: ns, name: name, object: deleted ? nil : object) }
    }

    /// Reads every role and binding; returns the revision to watch from.
    @discardableResult
    func load(_ registry: ResourceStorage) async throws(Status) -> Int64 {
        var fresh = RBACState()
        var revision = Int64.max
        for info in Self.resources {
            let list = try await registry.list(info, nil, ListQuery())
            revision = min(revision, list.revision)
            for item in list.items {
                let o = try registry.decode(item, info)
                let meta = o["metadata"] ?? .emptyObject
                fresh.apply(kind: info.kind, namespace: meta["namespace"]?.stringValue, name: meta["name"]?.stringValue ?? "", object: o)
            }
        }
        state.withLock { $0 = fresh }
        return revision
    }

    /// Keeps the index current until cancelled: watches every RBAC resource
    /// from `revision`, reloading everything when a watch ends.
    func run(_ registry: ResourceStorage, from revision: Int64, logger: Logger) async {
        var revision = revision
        while !Task.isCancelled {
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for info in Self.resources {
                        let stream = try await registry.store.watch(prefix: info.keyPrefix, afterRevision: revision)
                        group.addTask {
                            for try await event in stream {
                                guard let o = try? StoredObject.decode(event.value, revision: event.revision) else { continue }
                                self.apply(kind: info.kind, object: o, deleted: event.kind == .delete)
                            }
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
                try Task.checkCancellation()
            } catch is CancellationError {
                return
            } catch {
                logger.debug("watching RBAC objects: \(error)")
                try? await Task.sleep(for: .seconds(1))
            }
            do {
                revision = try await load(registry)
            } catch {
                logger.warning("reloading RBAC objects: \(error)")
            }
        }
    }
}
