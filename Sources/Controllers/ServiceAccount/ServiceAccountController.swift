import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Gives every active namespace a `default` ServiceAccount, and recreates it when deleted.
public final class ServiceAccountController: Controller {
    public let name = "serviceaccount"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "serviceaccount")
    let namespaces: Informer<Namespace>
    let accounts: Informer<ServiceAccount>

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        namespaces = ctx.informers.informer(Namespace.self)
        accounts = ctx.informers.informer(ServiceAccount.self)
        namespaces.addHandler { [queue] e in
            switch e {
            case .added(let n), .updated(_, let n): queue.add(n.name)
            default: break
            }
        }
        accounts.addHandler { [queue] e in
            if case .deleted(let sa) = e, sa.name == "default" { queue.add(sa.namespace) }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: 2, logger: ctx.logger) { [self] ns in
            guard let n = namespaces.get(key: ns), n.metadata.deletionTimestamp == nil, n.status?.phase != "Terminating" else { return nil }
            if accounts.get(namespace: ns, name: "default") != nil { return nil }
            do {
                _ = try await ctx.client.create(ServiceAccount(metadata: ObjectMeta(name: "default", namespace: ns)))
            } catch let error as KubeClientError {
                if !error.isAlreadyExists && error.code != 403 && !error.isNotFound { throw error }
            }
            return nil
        }
    }
}
