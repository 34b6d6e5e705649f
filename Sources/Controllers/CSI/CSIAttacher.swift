import CSI
import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// The external-attacher's role, built in: VolumeAttachments whose attacher
/// is a driver the control plane reaches (`--csi-controller`) get
/// `ControllerPublishVolume` for the node's ID in its CSINode (or are marked
/// attached at once when the driver has no PUBLISH_UNPUBLISH_VOLUME, as
/// upstream's attacher does), with `status.attached` and the driver's
/// `attachmentMetadata`; a failure is `status.attachError`. Deleting one
/// calls `ControllerUnpublishVolume` before the attacher's finalizer goes.
public final class CSIAttacher: Controller {
    public let name = "csi-attacher"
    let ctx: ControllerContext
    let attachments: Informer<VolumeAttachment>
    let volumes: Informer<PersistentVolume>
    let csiNodes: Informer<CSINode>
    let queue = WorkQueue(name: "csi-attacher")

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        attachments = ctx.informers.informer(VolumeAttachment.self)
        volumes = ctx.informers.informer(PersistentVolume.self)
        csiNodes = ctx.informers.informer(CSINode.self)
        let drivers = Set(ctx.configuration.csiControllers.keys)
        attachments.addHandler { [queue] e in
            switch e {
            case .added(let va), .updated(_, let va): if drivers.contains(va.spec.attacher) { queue.add(va.name) }
            case .deleted, .synced: break
            }
        }
        // A node's driver registering late: its attachments can go on.
        csiNodes.addHandler { [queue, attachments] e in
            let node: CSINode
            switch e {
            case .added(let n), .updated(_, let n): node = n
            case .deleted, .synced: return
            }
            for va in attachments.list() where va.spec.nodeName == node.name && va.status?.attached != true { queue.add(va.name) }
        }
    }

    /// Upstream's finalizer: `external-attacher/` and the driver's name with `/` as `-`.
    static func finalizer(_ driver: String) -> String {
        "external-attacher/" + driver.replacingOccurrences(of: "/", with: "-")
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] name in try await sync(name) }
    }

    func sync(_ name: String) async throws -> Duration? {
        guard let va = attachments.get(namespace: nil, name: name), let endpoint = ctx.configuration.csiControllers[va.spec.attacher] else { return nil }
        let driver = va.spec.attacher
        let finalizer = Self.finalizer(driver)
        let hasFinalizer = va.metadata.finalizers?.contains(finalizer) == true
        if va.metadata.deletionTimestamp != nil {
            guard hasFinalizer else { return nil }
            do throws(CSIError) {
                try await detach(va, endpoint: endpoint)
            } catch {
                var failed = va
                var status = va.status ?? VolumeAttachmentStatus(attached: true)
                status.detachError = StorageVolumeError(message: error.rpcDescription, time: Timestamp(ctx.now()))
                failed.status = status
                _ = try await ctx.client.updateStatus(failed)
                return .seconds(5)
            }
            var detached = va
            detached.metadata.finalizers?.removeAll { $0 == finalizer }
            _ = try await ctx.client.update(detached)
            return nil
        }
        guard va.status?.attached != true else { return nil }
        var current = va
        if !hasFinalizer {
            // The update's event brings the attachment back with its finalizer.
            current.metadata.finalizers = (current.metadata.finalizers ?? []) + [finalizer]
            _ = try await ctx.client.update(current)
            return nil
        }
        var status = VolumeAttachmentStatus(attached: true)
        do throws(CSIError) {
            status.attachmentMetadata = try await attach(current, endpoint: endpoint)
        } catch {
            var failure = current.status ?? VolumeAttachmentStatus(attached: false)
            failure.attachError = StorageVolumeError(message: error.rpcDescription, time: Timestamp(ctx.now()))
            current.status = failure
            _ = try await ctx.client.updateStatus(current)
            return .seconds(5)
        }
        current.status = status
        _ = try await ctx.client.updateStatus(current)
        return nil
    }

    /// The volume's handle, the node's ID for the driver, and the controller client.
    func target(_ va: VolumeAttachment) throws(CSIError) -> (source: CSIPersistentVolumeSource, pv: PersistentVolume, nodeID: String) {
        let driver = va.spec.attacher
        guard let pvName = va.spec.source.persistentVolumeName, let pv = volumes.get(namespace: nil, name: pvName), let source = pv.spec?.csi else {
            throw CSIError(method: "csi.v1.Controller/ControllerPublishVolume", endpoint: "", code: .notFound,
                           message: "persistentvolume \"\(va.spec.source.persistentVolumeName ?? "")\" of VolumeAttachment \(va.name) not found")
        }
        guard let nodeID = csiNodes.get(namespace: nil, name: va.spec.nodeName)?.spec.drivers.first(where: { $0.name == driver })?.nodeID else {
            throw CSIError(method: "csi.v1.Controller/ControllerPublishVolume", endpoint: "", code: .failedPrecondition,
                           message: "node \"\(va.spec.nodeName)\" has no CSINode entry for driver \(driver) (is its node plugin registered?)")
        }
        return (source, pv, nodeID)
    }

    func attach(_ va: VolumeAttachment, endpoint: CSIEndpoint) async throws(CSIError) -> [String: String]? {
        let (source, pv, nodeID) = try target(va)
        let controller: any CSIControllerClient
        do { controller = try ctx.configuration.csiClient(endpoint) } catch {
            throw CSIError(method: "csi.v1.Controller/ControllerPublishVolume", endpoint: endpoint.socketPath, code: .unavailable, message: "\(error)")
        }
        defer { Task { await controller.close() } }
        guard try await controller.controllerGetCapabilities().capabilities.contains(.publishUnpublishVolume) else { return nil }
        var request = CSIv1.ControllerPublishVolumeRequest()
        request.volumeID = source.volumeHandle
        request.nodeID = nodeID
        request.volumeCapability = CSIv1.VolumeCapability(
            pv.spec?.volumeMode == "Block" ? .block : .mount(.init(fsType: source.fsType ?? "", mountFlags: pv.spec?.mountOptions ?? [])),
            accessMode: .init(kubernetesModes: pv.spec?.accessModes ?? []))
        request.readonly = source.readOnly == true
        request.volumeContext = source.volumeAttributes ?? [:]
        let context = try await controller.controllerPublishVolume(request).publishContext
        return context.isEmpty ? nil : context
    }

    func detach(_ va: VolumeAttachment, endpoint: CSIEndpoint) async throws(CSIError) {
        let controller: any CSIControllerClient
        do { controller = try ctx.configuration.csiClient(endpoint) } catch {
            throw CSIError(method: "csi.v1.Controller/ControllerUnpublishVolume", endpoint: endpoint.socketPath, code: .unavailable, message: "\(error)")
        }
        defer { Task { await controller.close() } }
        guard try await controller.controllerGetCapabilities().capabilities.contains(.publishUnpublishVolume) else { return }
        // A volume or node gone already has nothing left to detach from.
        guard let (source, _, nodeID) = try? target(va) else { return }
        try await controller.controllerUnpublishVolume(CSIv1.ControllerUnpublishVolumeRequest(volumeID: source.volumeHandle, nodeID: nodeID))
    }
}
