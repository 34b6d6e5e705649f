import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Keeps every ResourceQuota's `status.hard` equal to its `spec.hard` and
/// its `status.used` equal to what its namespace holds (upstream's
/// resourcequota controller): a quota is recounted when it is created or
/// its spec changes, when pods finish or objects it counts are deleted
/// (replenishment), and every `resyncPeriod` for everything else. The
/// ResourceQuota admission plugin charges new objects at once; this
/// controller gives back what deleted objects used.
public final class ResourceQuotaController: Controller {
    public let name = "resourcequota"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "resourcequota")
    let quotas: Informer<ResourceQuota>
    let pods: Informer<Pod>
    /// kube-controller-manager's `--resource-quota-sync-period` default.
    static let resyncPeriod: Duration = .seconds(300)

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        quotas = ctx.informers.informer(ResourceQuota.self)
        pods = ctx.informers.informer(Pod.self)
        let services = ctx.informers.informer(Service.self)
        quotas.addHandler { [queue] e in
            switch e {
            case .added(let q): queue.add("\(q.namespace)/\(q.name)")
            case .updated(let old, let new) where old.spec != new.spec || new.status?.hard != new.spec?.hard:
                queue.add("\(new.namespace)/\(new.name)")
            default: break
            }
        }
        pods.addHandler { [weak self] e in
            switch e {
            case .deleted(let p): self?.replenish(p.namespace)
            case .updated(let old, let new) where Self.isTerminal(new) && !Self.isTerminal(old): self?.replenish(new.namespace)
            default: break
            }
        }
        services.addHandler { [weak self] e in
            switch e {
            case .deleted(let s): self?.replenish(s.namespace)
            case .updated(let old, let new) where old.spec?.type != new.spec?.type: self?.replenish(new.namespace)
            default: break
            }
        }
    }

    static func isTerminal(_ p: Pod) -> Bool { p.status?.phase == "Succeeded" || p.status?.phase == "Failed" }

    /// Recounts the quotas of a namespace.
    func replenish(_ namespace: String) {
        for q in quotas.list(namespace: namespace) { queue.add("\(q.namespace)/\(q.name)") }
    }

    public func run() async {
        await runWorkers(queue, workers: 1, logger: ctx.logger) { [self] key in
            let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, let quota = quotas.get(namespace: parts[0], name: parts[1]) else { return nil }
            try await sync(quota)
            return Self.resyncPeriod
        }
    }

    /// Recounts one quota and writes its status when it changed.
    func sync(_ quota: ResourceQuota) async throws {
        let hard = quota.spec?.hard ?? [:]
        let spec = KubeCodec.encode(quota.spec ?? ResourceQuotaSpec())
        var resources: [ResourceInfo] = []
        for n in hard.keys.sorted() {
            if let r = QuotaEvaluator.resource(for: n), !resources.contains(r) { resources.append(r) }
        }
        var total: [String: Decimal] = [:]
        for r in resources {
            for obj in try await ctx.client.listRaw(r, namespace: quota.namespace) where QuotaEvaluator.matches(spec, obj, r) {
                total = QuotaEvaluator.add(total, QuotaEvaluator.usage(obj, r).filter { hard[$0.key] != nil })
            }
        }
        var used: ResourceList = [:]
        for (k, q) in hard {
            used[k] = Quantity(QuotaEvaluator.format(total[k] ?? 0, binary: QuotaEvaluator.isBinary(q.text)))
        }
        let status = ResourceQuotaStatus(hard: hard, used: used)
        guard quota.status != status else { return }
        var updated = quota
        updated.status = status
        _ = try await ctx.client.update(updated, subresource: "status")
    }
}
