import Foundation
import KubeAPI
import Logging
import ControllerRuntime
import Synchronization

/// The cloud controller manager's service controller for bare metal
/// (`service-lb-controller`): gives each `type: LoadBalancer` Service of the
/// default class (no `spec.loadBalancerClass`) external addresses and writes
/// them to `status.loadBalancer.ingress`.
///
/// With `--lb-address-pool` the addresses come from the pools (MetalLB's
/// way; the nodes' kube-proxies elect one holder per address through a
/// Lease and answer ARP/NDP for it). Without pools it runs as k3s's
/// ServiceLB: the ingress points are the Ready nodes' InternalIPs (nodes
/// labelled `node.kubernetes.io/exclude-from-external-load-balancers` left
/// out), and kube-proxy serves the Service's ports on them.
///
/// Addresses are freed when the Service is deleted or stops being a
/// LoadBalancer of the default class (its status is cleared then). Events as
/// upstream's: `EnsuringLoadBalancer`, `EnsuredLoadBalancer`,
/// `SyncLoadBalancerFailed`, `DeletingLoadBalancer`, `DeletedLoadBalancer`,
/// and MetalLB's `IPAllocated`.
public final class ServiceLoadBalancerController: Controller {
    public let name = "service-lb-controller"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "service-lb-controller")
    let services: Informer<Service>
    let nodes: Informer<Node>?
    let recorder: EventRecorder
    let allocator: Mutex<LoadBalancerAllocator>
    /// The label that keeps a node out of external load balancers.
    public static let excludeLabel = "node.kubernetes.io/exclude-from-external-load-balancers"

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        services = ctx.informers.informer(Service.self)
        recorder = ctx.recorder("service-controller")
        allocator = Mutex(LoadBalancerAllocator(pools: ctx.configuration.loadBalancerPools))
        nodes = ctx.configuration.loadBalancerPools.isEmpty ? ctx.informers.informer(Node.self) : nil
        services.addHandler { [queue] e in
            switch e {
            case .added(let s): if Self.concerns(s) { queue.add(objectKey(s)) }
            case .updated(let old, let new):
                if Self.concerns(old) || Self.concerns(new), old.spec != new.spec || old.status != new.status || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp {
                    queue.add(objectKey(new))
                }
            case .deleted(let s): if Self.concerns(s) { queue.add(objectKey(s)) }
            case .synced: break
            }
        }
        nodes?.addHandler { [weak self] e in
            guard let self else { return }
            switch e {
            case .added, .deleted: self.enqueueAll()
            case .updated(let old, let new): if Self.nodeAddresses([old]) != Self.nodeAddresses([new]) { self.enqueueAll() }
            case .synced: break
            }
        }
    }

    /// A Service this controller has to look at: a LoadBalancer, or one that
    /// may still have a status from being one.
    static func concerns(_ s: Service) -> Bool {
        s.spec?.type == "LoadBalancer" || !(s.status?.loadBalancer?.ingress ?? []).isEmpty
    }

    /// A Service of the default load-balancer implementation (ours).
    static func isOurs(_ s: Service) -> Bool {
        s.spec?.type == "LoadBalancer" && s.spec?.loadBalancerClass == nil && s.metadata.deletionTimestamp == nil
    }

    func enqueueAll() {
        for s in services.list() where Self.isOurs(s) { queue.add(objectKey(s)) }
    }

    public func run() async {
        // What the Services already hold survives a restart of the controller.
        allocator.withLock { a in
            for s in services.list() where Self.isOurs(s) {
                a.restore(objectKey(s), (s.status?.loadBalancer?.ingress ?? []).compactMap { $0.ip.flatMap(PoolAddress.init) })
            }
        }
        // One worker: allocations are decided one Service at a time.
        await runWorkers(queue, workers: 1, logger: ctx.logger) { [self] key in try await sync(key) }
    }

    func sync(_ key: String) async throws -> Duration? {
        guard let svc = services.get(key: key) else {
            allocator.withLock { $0.release(key) }
            return nil
        }
        guard Self.isOurs(svc) else {
            allocator.withLock { $0.release(key) }
            // Another class's Service is its implementation's business.
            if svc.spec?.type == "LoadBalancer", svc.spec?.loadBalancerClass != nil { return nil }
            guard !(svc.status?.loadBalancer?.ingress ?? []).isEmpty else { return nil }
            recorder.record(svc, .normal, reason: "DeletingLoadBalancer", message: "Deleting load balancer")
            try await writeStatus(svc, ingress: [])
            recorder.record(svc, .normal, reason: "DeletedLoadBalancer", message: "Deleted load balancer")
            return nil
        }
        let families = svc.spec?.ipFamilies ?? ["IPv4"]
        let addresses: [String]
        if ctx.configuration.loadBalancerPools.isEmpty {
            addresses = Self.nodeAddresses(nodes?.list() ?? [], families: families)
            if addresses.isEmpty {
                return fail(svc, "no Ready node has an InternalIP of family \(families.joined(separator: " or ")) to serve it (nodes labelled \(Self.excludeLabel) are left out); give the control plane --lb-address-pool or bring a node up")
            }
        } else {
            let current = (svc.status?.loadBalancer?.ingress ?? []).compactMap { $0.ip.flatMap(PoolAddress.init) }
            let result: Result<[PoolAddress], LoadBalancerAllocator.Failure> = allocator.withLock { a in
                a.restore(key, current)
                do throws(LoadBalancerAllocator.Failure) {
                    return .success(try a.assign(key, families: families, requested: svc.spec?.loadBalancerIP))
                } catch {
                    return .failure(error)
                }
            }
            switch result {
            case .failure(let failure): return fail(svc, failure.description)
            case .success(let assigned): addresses = assigned.map(\.description)
            }
        }
        let have = (svc.status?.loadBalancer?.ingress ?? []).compactMap(\.ip)
        guard have != addresses else { return nil }
        recorder.record(svc, .normal, reason: "EnsuringLoadBalancer", message: "Ensuring load balancer")
        try await writeStatus(svc, ingress: addresses)
        if !ctx.configuration.loadBalancerPools.isEmpty {
            recorder.record(svc, .normal, reason: "IPAllocated", message: "Assigned IP [" + addresses.map { "\"\($0)\"" }.joined(separator: " ") + "]")
        }
        recorder.record(svc, .normal, reason: "EnsuredLoadBalancer", message: "Ensured load balancer")
        return nil
    }

    /// Records why the Service has no load balancer and retries later.
    func fail(_ svc: Service, _ reason: String) -> Duration? {
        recorder.record(svc, .warning, reason: "SyncLoadBalancerFailed", message: "Error syncing load balancer: failed to ensure load balancer: \(reason)")
        ctx.logger.info("service \(objectKey(svc)): \(reason)")
        return .seconds(30)
    }

    func writeStatus(_ svc: Service, ingress: [String]) async throws {
        var status = svc.status ?? ServiceStatus()
        var lb = LoadBalancerStatus()
        if !ingress.isEmpty {
            lb.ingress = ingress.map { ip in
                var i = LoadBalancerIngress()
                i.ip = ip
                i.ipMode = "VIP"
                return i
            }
        }
        status.loadBalancer = lb
        var updated = svc
        updated.status = status
        do throws(KubeClientError) {
            _ = try await ctx.client.updateStatus(updated)
        } catch {
            if error.isNotFound { return }
            throw error
        }
    }

    /// The InternalIPs of the Ready nodes not excluded from load balancers,
    /// of the given families, sorted (ServiceLB mode).
    static func nodeAddresses(_ nodes: [Node], families: [String] = ["IPv4", "IPv6"]) -> [String] {
        var out: [PoolAddress] = []
        for n in nodes where n.metadata.labels?[excludeLabel] == nil {
            guard n.status?.conditions?.contains(where: { $0.type == "Ready" && $0.status == "True" }) == true else { continue }
            for a in n.status?.addresses ?? [] where a.type == "InternalIP" {
                if let ip = PoolAddress(a.address), families.contains(ip.family) { out.append(ip) }
            }
        }
        return Set(out).sorted().map(\.description)
    }
}
