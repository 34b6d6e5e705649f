import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Publishes EndpointSlices for Services with a selector: one or more
/// slices per Service labelled `kubernetes.io/service-name` and
/// `endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io`,
/// owned by the Service, updated in place as pods come, go, or change
/// readiness. Slices made by others are left alone.
public final class EndpointSliceController: Controller {
    public let name = "endpointslice"
    public static let managedBy = "endpointslice-controller.k8s.io"
    public static let managedByLabel = "endpointslice.kubernetes.io/managed-by"
    public static let serviceNameLabel = "kubernetes.io/service-name"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "endpointslice")
    let services: Informer<Service>
    let pods: Informer<Pod>
    let slices: Informer<EndpointSlice>
    let nodes: Informer<Node>

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        services = ctx.informers.informer(Service.self)
        pods = ctx.informers.informer(Pod.self)
        slices = ctx.informers.informer(EndpointSlice.self)
        nodes = ctx.informers.informer(Node.self)
        services.addHandler { [queue] e in
            switch e {
            case .added(let s), .updated(_, let s), .deleted(let s): queue.add(objectKey(s))
            case .synced: break
            }
        }
        pods.addHandler { [self] e in
            switch e {
            case .added(let p), .deleted(let p): enqueueServices(selecting: p)
            case .updated(let old, let new):
                enqueueServices(selecting: new)
                if old.metadata.labels != new.metadata.labels { enqueueServices(selecting: old) }
            case .synced: break
            }
        }
        slices.addHandler { [queue] e in
            switch e {
            case .deleted(let s), .updated(_, let s):
                if s.metadata.labels?[Self.managedByLabel] == Self.managedBy, let svc = s.metadata.labels?[Self.serviceNameLabel] {
                    queue.add("\(s.namespace)/\(svc)")
                }
            default: break
            }
        }
    }

    func enqueueServices(selecting p: Pod) {
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
        let existing = slices.list(namespace: namespace).filter {
            $0.metadata.labels?[Self.managedByLabel] == Self.managedBy && $0.metadata.labels?[Self.serviceNameLabel] == name
        }
        guard let svc = services.get(key: key), svc.metadata.deletionTimestamp == nil,
              let selector = svc.spec?.selector, !selector.isEmpty, svc.spec?.type != "ExternalName" else {
            // Gone or not ours to manage: the garbage collector removes owned slices of deleted Services.
            if let svc = services.get(key: key), svc.spec?.selector == nil || svc.spec?.selector?.isEmpty == true {
                for s in existing { try await deleteSlice(s) }
            }
            return
        }
        let selected = pods.list(namespace: namespace).filter { p in
            let l = p.metadata.labels ?? [:]
            return selector.allSatisfy { l[$0.key] == $0.value }
        }
        var zones: [String: String] = [:]
        for n in nodes.list() { if let z = n.metadata.labels?["topology.kubernetes.io/zone"] { zones[n.name] = z } }
        let desired = EndpointBuilder.slices(service: svc, pods: selected, nodeZones: zones)
        var labels = svc.metadata.labels ?? [:]
        labels[Self.managedByLabel] = Self.managedBy
        labels[Self.serviceNameLabel] = name
        var unused = existing.sorted { $0.name < $1.name }
        for content in desired {
            let ports = content.ports
            if let i = unused.firstIndex(where: { $0.addressType == content.addressType && ($0.ports ?? []) == ports }) ?? unused.indices.first {
                let current = unused.remove(at: i)
                if current.addressType != content.addressType {
                    // addressType is immutable: replace the slice.
                    try await deleteSlice(current)
                    try await createSlice(svc, content, labels: labels)
                    continue
                }
                if (current.endpoints ?? []) == content.endpoints && (current.ports ?? []) == ports && current.metadata.labels == labels {
                    continue
                }
                var updated = current
                updated.endpoints = content.endpoints
                updated.ports = ports
                updated.metadata.labels = labels
                _ = try await ctx.client.update(updated)
            } else {
                try await createSlice(svc, content, labels: labels)
            }
        }
        for s in unused { try await deleteSlice(s) }
    }

    func createSlice(_ svc: Service, _ content: EndpointBuilder.SliceContent, labels: [String: String]) async throws {
        var meta = ObjectMeta(namespace: svc.namespace, labels: labels)
        meta.generateName = "\(svc.name)-"
        meta.ownerReferences = [controllerReference(to: svc)]
        _ = try await ctx.client.create(EndpointSlice(metadata: meta, addressType: content.addressType, endpoints: content.endpoints,
                                                      ports: content.ports))
    }

    func deleteSlice(_ s: EndpointSlice) async throws {
        do { try await ctx.client.delete(EndpointSlice.self, namespace: s.namespace, name: s.name) } catch {
            if !error.isNotFound { throw error }
        }
    }
}
