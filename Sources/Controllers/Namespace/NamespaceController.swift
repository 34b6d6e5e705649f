import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Empties namespaces being deleted: deletes every namespaced object in
/// them, waits until none is left (pods on nodes wait for their kubelet), then
/// removes the `kubernetes` finalizer through `namespaces/NAME/finalize`, at
/// which point the API server deletes the namespace.
public final class NamespaceController: Controller {
    public let name = "namespace"
    public static let finalizer = "kubernetes"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "namespace", baseDelay: .milliseconds(200), maxDelay: .seconds(30))
    let namespaces: Informer<Namespace>

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        namespaces = ctx.informers.informer(Namespace.self)
        namespaces.addHandler { [queue] e in
            switch e {
            case .added(let n), .updated(_, let n):
                if n.metadata.deletionTimestamp != nil { queue.add(n.name) }
            default: break
            }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: 2, logger: ctx.logger) { [self] key in try await sync(key) }
    }

    func sync(_ name: String) async throws -> Duration? {
        guard let ns = namespaces.get(key: name), ns.metadata.deletionTimestamp != nil,
              ns.spec?.finalizers?.contains(Self.finalizer) == true else { return nil }
        var remaining = 0
        // Each stored object once (a version kept in another's storage holds the same objects), custom resources too.
        for info in try await ctx.client.servedResources() where info.namespaced && info.kind != "Binding" && info.isStorageVersion {
            let items = try await ctx.client.listRaw(info, namespace: name)
            for item in items {
                remaining += 1
                guard item[path: ["metadata", "deletionTimestamp"]] == nil, let itemName = item[path: ["metadata", "name"]]?.stringValue else { continue }
                do {
                    try await ctx.client.deleteRaw(info, namespace: name, name: itemName, options: DeleteOptions(propagationPolicy: "Background"))
                } catch {
                    if !error.isNotFound && !error.isConflict { throw error }
                }
            }
        }
        if remaining > 0 {
            ctx.logger.debug("namespace \(name): waiting for \(remaining) objects to go")
            return .seconds(1)
        }
        var finalized = ns
        var spec = finalized.spec ?? NamespaceSpec()
        spec.finalizers = (spec.finalizers ?? []).filter { $0 != Self.finalizer }
        finalized.spec = spec
        do {
            _ = try await ctx.client.update(finalized, subresource: "finalize")
        } catch {
            if !error.isNotFound { throw error }
        }
        return nil
    }
}
