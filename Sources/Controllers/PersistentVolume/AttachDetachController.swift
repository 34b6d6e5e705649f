import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Upstream's attachdetach controller for CSI volumes: a VolumeAttachment
/// for each (volume, node) where a scheduled, unfinished pod uses a claim
/// bound to a CSI volume whose driver needs attaching (its CSIDriver's
/// `attachRequired`, true when the driver has no CSIDriver object, as
/// upstream assumes), named as upstream's `csi-<sha256(handle+driver+node)>`,
/// and deleted once no such pod is left on the node. The driver's
/// attacher (ControllerPublishVolume) sets `status.attached`; the kubelet
/// waits for it before staging the volume.
public final class AttachDetachController: Controller {
    public let name = "attachdetach"
    let ctx: ControllerContext
    let pods: Informer<Pod>
    let claims: Informer<PersistentVolumeClaim>
    let volumes: Informer<PersistentVolume>
    let drivers: Informer<CSIDriver>
    let attachments: Informer<VolumeAttachment>
    let queue = WorkQueue(name: "attachdetach")
    static let nodeIndex = "node"

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        pods = ctx.informers.informer(Pod.self)
        claims = ctx.informers.informer(PersistentVolumeClaim.self)
        volumes = ctx.informers.informer(PersistentVolume.self)
        drivers = ctx.informers.informer(CSIDriver.self)
        attachments = ctx.informers.informer(VolumeAttachment.self)
        attachments.addIndex(Self.nodeIndex) { [$0.spec.nodeName] }
        pods.addIndex(Indexes.nodeName, Indexes.byNodeName)
        pods.addHandler { [queue] e in
            switch e {
            case .added(let p), .updated(_, let p), .deleted(let p):
                if let node = p.spec?.nodeName, !node.isEmpty, !p.claimNames.isEmpty { queue.add(node) }
            case .synced: break
            }
        }
        // A claim bound or a volume made later: the nodes of the pods using them.
        claims.addHandler { [queue, pods] e in
            guard case .updated(_, let c) = e, c.spec?.volumeName != nil else { return }
            for p in pods.list(namespace: c.namespace) where p.claimNames.contains(c.name) {
                if let node = p.spec?.nodeName, !node.isEmpty { queue.add(node) }
            }
        }
        attachments.addHandler { [queue] e in
            if case .deleted(let va) = e { queue.add(va.spec.nodeName) }
        }
    }

    /// The attachments `node` needs: name → (driver, volume name).
    func desired(on node: String) -> [String: (driver: String, volume: String)] {
        var out: [String: (driver: String, volume: String)] = [:]
        for pod in pods.byIndex(Indexes.nodeName, node) where pod.status?.phase != "Succeeded" && pod.status?.phase != "Failed" {
            for claimName in pod.claimNames {
                guard let claim = claims.get(namespace: pod.namespace, name: claimName), let volumeName = claim.spec?.volumeName,
                      let pv = volumes.get(namespace: nil, name: volumeName), let csi = pv.spec?.csi else { continue }
                if drivers.get(namespace: nil, name: csi.driver)?.spec.attachRequired == false { continue }
                out[StorageNames.attachmentName(volumeHandle: csi.volumeHandle, driver: csi.driver, node: node)] = (csi.driver, volumeName)
            }
        }
        return out
    }

    public func run() async {
        await runWorkers(queue, workers: 1, logger: ctx.logger) { [self] node in
            try await sync(node: node)
            return nil
        }
    }

    func sync(node: String) async throws(KubeClientError) {
            let want = desired(on: node)
            let have = attachments.byIndex(Self.nodeIndex, node)
            for (name, target) in want where !have.contains(where: { $0.name == name }) {
                var meta = ObjectMeta()
                meta.name = name
                let va = VolumeAttachment(metadata: meta, spec: VolumeAttachmentSpec(
                    attacher: target.driver, nodeName: node, source: VolumeAttachmentSource(persistentVolumeName: target.volume)))
                do {
                    _ = try await ctx.client.create(va)
                } catch {
                    if !error.isAlreadyExists { throw error }
                }
            }
            for va in have where want[va.name] == nil && va.metadata.deletionTimestamp == nil {
                do {
                    try await ctx.client.delete(VolumeAttachment.self, namespace: nil, name: va.name)
                } catch {
                    if !error.isNotFound { throw error }
                }
            }
    }
}
