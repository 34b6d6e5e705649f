import Foundation
import KubeAPI
import Logging
import ControllerRuntime

extension Pod {
    /// Whether the pod counts as using its claims: scheduled and not finished
    /// (upstream's pvc-protection rule; the kubelet does not start a pod on a
    /// claim being deleted).
    var usesClaims: Bool {
        !(spec?.nodeName ?? "").isEmpty && status?.phase != "Succeeded" && status?.phase != "Failed"
    }
}

/// Removes `name` from an object's finalizers with an update (conflicts retry).
func removeFinalizer<T: KubeObject>(_ name: String, from object: T, _ client: any ClusterClient) async throws(KubeClientError) {
    guard object.metadata.finalizers?.contains(name) == true else { return }
    var o = object
    o.metadata.finalizers?.removeAll { $0 == name }
    do {
        _ = try await client.update(o)
    } catch {
        if !error.isNotFound { throw error }
    }
}

/// Upstream's pvc-protection controller: a claim being deleted keeps its
/// `kubernetes.io/pvc-protection` finalizer while a scheduled, unfinished
/// pod uses it (checked against the API server before letting go).
public final class PVCProtectionController: Controller {
    public let name = "pvc-protection"
    let ctx: ControllerContext
    let claims: Informer<PersistentVolumeClaim>
    let pods: Informer<Pod>
    let queue = WorkQueue(name: "pvc-protection")
    static let claimIndex = "claims"

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        claims = ctx.informers.informer(PersistentVolumeClaim.self)
        pods = ctx.informers.informer(Pod.self)
        pods.addIndex(Self.claimIndex) { pod in pod.claimNames.map { "\(pod.namespace)/\($0)" } }
        claims.addHandler { [queue] e in
            switch e {
            case .added(let c), .updated(_, let c):
                if c.metadata.deletionTimestamp != nil { queue.add(objectKey(c)) }
            default: break
            }
        }
        pods.addHandler { [queue] e in
            switch e {
            case .updated(_, let p), .deleted(let p):
                for claim in p.claimNames { queue.add("\(p.namespace)/\(claim)") }
            default: break
            }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: 1, logger: ctx.logger) { [self] key in
            guard let claim = claims.get(key: key), claim.metadata.deletionTimestamp != nil,
                  claim.metadata.finalizers?.contains(StorageNames.claimProtection) == true else { return nil }
            if pods.byIndex(Self.claimIndex, key).contains(where: \.usesClaims) { return nil }
            // The cache may be behind: a pod just created must count.
            let live = try await ctx.client.list(Pod.self, namespace: claim.namespace).items
            if live.contains(where: { $0.usesClaims && $0.claimNames.contains(claim.name) }) { return nil }
            try await removeFinalizer(StorageNames.claimProtection, from: claim, ctx.client)
            return nil
        }
    }
}

/// Upstream's pv-protection controller: a volume being deleted keeps its
/// `kubernetes.io/pv-protection` finalizer while it is Bound.
public final class PVProtectionController: Controller {
    public let name = "pv-protection"
    let ctx: ControllerContext
    let volumes: Informer<PersistentVolume>
    let queue = WorkQueue(name: "pv-protection")

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        volumes = ctx.informers.informer(PersistentVolume.self)
        volumes.addHandler { [queue] e in
            switch e {
            case .added(let v), .updated(_, let v):
                if v.metadata.deletionTimestamp != nil { queue.add(v.name) }
            default: break
            }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: 1, logger: ctx.logger) { [self] name in
            guard let pv = volumes.get(namespace: nil, name: name), pv.metadata.deletionTimestamp != nil,
                  pv.metadata.finalizers?.contains(StorageNames.volumeProtection) == true,
                  pv.status?.phase != "Bound" else { return nil }
            try await removeFinalizer(StorageNames.volumeProtection, from: pv, ctx.client)
            return nil
        }
    }
}
