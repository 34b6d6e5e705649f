import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Upstream's tokencleaner: deletes bootstrap-token Secrets
/// (`kube-system/bootstrap-token-<id>`) once their `expiration` has passed,
/// and looks again at each unexpired one when it expires.
public final class TokenCleaner: Controller {
    public let name = "tokencleaner"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "tokencleaner")
    let secrets: Informer<Secret>

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        secrets = ctx.informers.informer(Secret.self)
        secrets.addHandler { [queue] e in
            switch e {
            case .added(let s), .updated(_, let s):
                if s.type == BootstrapToken.secretType && s.metadata.namespace == BootstrapToken.namespace { queue.add(s.name) }
            default: break
            }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: 1, logger: ctx.logger) { [self] name in
            guard let secret = secrets.get(namespace: BootstrapToken.namespace, name: name),
                  let token = try? BootstrapToken(secret: secret), let expiration = token.expiration else { return nil }
            let left = expiration.timeIntervalSince(ctx.now())
            if left > 0 { return .milliseconds(Int64(min(left, 86400) * 1000) + 500) }
            var options = DeleteOptions()
            options.preconditions = Preconditions(uid: secret.metadata.uid)
            do {
                try await ctx.client.delete(Secret.self, namespace: BootstrapToken.namespace, name: name, options: options)
                ctx.logger.info("tokencleaner: deleted expired bootstrap token \(token.id)")
            } catch let error as KubeClientError {
                if !error.isNotFound && !error.isConflict { throw error }
            }
            return nil
        }
    }
}
