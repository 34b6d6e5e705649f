import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Keeps the legacy core/v1 Endpoints object of each Service with a selector
/// (same name as the Service): ready pods as addresses, unready ones as
/// notReadyAddresses, grouped by port. Deleted with the Service.
public final class EndpointsController: Controller {
    public let name = "endpoints"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "endpoints")
    let services: Informer<Service>
    let pods: Informer<Pod>
    let endpoints: Informer<Endpoints>

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        services = ctx.informers.informer(Service.self)
        pods = ctx.informers.informer(Pod.self)
        endpoints = ctx.informers.informer(Endpoints.self)
        services.addHandler { [queue] e in
            switch e {
            case .added(let s), .updated(_, let s), .deleted(let s): queue.add(objectKey(s))
            case .synced: break
            }
        }
        pods.addHandler { [self] e in
            switch e {
            case .added(let p), .deleted(let p): enqueue(selecting: p)
            case .updated(let old, let new):
                enqueue(selecting: new)
                if old.metadata.labels != new.metadata.labels { enqueue(selecting: old) }
            case .synced: break
            }
        }
    }

    func enqueue(selecting p: Pod) {
        let labels = p.metadata.labels ?? [:]
        for s in services.list(namespace: p.namespace) {
            guard let sel = s.spec?.selector, !sel.isEmpty else { continue }
            if sel.allSatisfy({ labels[$0.key] == $0.value }) { queue.add(objectKey(s)) }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in
            try await sync(key)
            return nil
        }
    }

    func sync(_ key: String) async throws {
        let (ns, name) = splitKey(key)
        let namespace = ns ?? ""
        guard let svc = services.get(key: key) else {
            if endpoints.get(key: key) != nil {
                do { try await ctx.client.delete(Endpoints.self, namespace: namespace, name: name) } catch {
                    if !error.isNotFound { throw error }
                }
            }
            return
        }
        guard let selector = svc.spec?.selector, !selector.isEmpty, svc.spec?.type != "ExternalName" else { return }
        let selected = pods.list(namespace: namespace).filter { p in
            let l = p.metadata.labels ?? [:]
            return selector.allSatisfy { l[$0.key] == $0.value }
        }
        let subsets = EndpointBuilder.subsets(service: svc, pods: selected)
        var labels = svc.metadata.labels ?? [:]
        labels["endpointslice.kubernetes.io/skip-mirror"] = "true"
        if var current = endpoints.get(key: key) {
            if (current.subsets ?? []) == subsets && current.metadata.labels == labels { return }
            current.subsets = subsets.isEmpty ? nil : subsets
            current.metadata.labels = labels
            _ = try await ctx.client.update(current)
        } else {
            let ep = Endpoints(metadata: ObjectMeta(name: name, namespace: namespace, labels: labels), subsets: subsets.isEmpty ? nil : subsets)
            do { _ = try await ctx.client.create(ep) } catch {
                if !error.isAlreadyExists { throw error }
                throw error  // the informer will catch up; retry
            }
        }
    }
}
