import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Upstream's ephemeral-volume controller: for each generic ephemeral
/// volume of a pod, the claim `POD-VOLUME` from its `volumeClaimTemplate`,
/// owned by the pod (so it goes with the pod). A claim of that name the pod
/// does not own is left alone; the pod then waits, and the event says why.
public final class EphemeralVolumeController: Controller {
    public let name = "ephemeral-volume"
    let ctx: ControllerContext
    let pods: Informer<Pod>
    let claims: Informer<PersistentVolumeClaim>
    let queue = WorkQueue(name: "ephemeral-volume")
    let recorder: EventRecorder

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        recorder = ctx.recorder("ephemeral_volume")
        pods = ctx.informers.informer(Pod.self)
        claims = ctx.informers.informer(PersistentVolumeClaim.self)
        pods.addHandler { [queue] e in
            switch e {
            case .added(let p), .updated(_, let p):
                if p.spec?.volumes?.contains(where: { $0.ephemeral != nil }) == true, p.metadata.deletionTimestamp == nil { queue.add(objectKey(p)) }
            default: break
            }
        }
        claims.addHandler { [queue] e in
            if case .deleted(let c) = e, let owner = c.metadata.ownerReferences?.first(where: { $0.kind == "Pod" && $0.controller == true }) {
                queue.add("\(c.namespace)/\(owner.name)")
            }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in
            guard let pod = pods.get(key: key), pod.metadata.deletionTimestamp == nil else { return nil }
            for volume in pod.spec?.volumes ?? [] {
                guard let template = volume.ephemeral?.volumeClaimTemplate, let volumeName = volume.name else { continue }
                let claimName = "\(pod.name)-\(volumeName)"
                if let existing = claims.get(namespace: pod.namespace, name: claimName) {
                    if existing.metadata.ownerReferences?.contains(where: { $0.uid == pod.metadata.uid }) != true {
                        recorder.record(pod, .warning, reason: "FailedBinding",
                                        message: "PVC \(pod.namespace)/\(claimName) was not created for pod \(pod.namespace)/\(pod.name) (pod is not owner)")
                    }
                    continue
                }
                var meta = ObjectMeta()
                meta.name = claimName
                meta.namespace = pod.namespace
                meta.labels = template.metadata?.labels
                meta.annotations = template.metadata?.annotations
                var owner = OwnerReference(apiVersion: "v1", kind: "Pod", name: pod.name, uid: pod.metadata.uid ?? "")
                owner.controller = true
                owner.blockOwnerDeletion = true
                meta.ownerReferences = [owner]
                let claim = PersistentVolumeClaim(metadata: meta, spec: template.spec)
                do { _ = try await ctx.client.create(claim) } catch let error as KubeClientError where error.isAlreadyExists {}
            }
            return nil
        }
    }
}
