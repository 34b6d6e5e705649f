import CSI
import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// The external-resizer's role, built in: a bound claim on a volume of a
/// driver the control plane reaches (`--csi-controller`) whose request grew
/// past its capacity gets `ControllerExpandVolume` (when the driver has
/// EXPAND_VOLUME), the volume's new capacity, and then either the new size
/// in the claim's status (VolumeResizeSuccessful) or, when the driver says
/// the node must grow the file system, the `FileSystemResizePending`
/// condition for the kubelet (FileSystemResizeRequired). Conditions,
/// `allocatedResources` and `allocatedResourceStatuses` as upstream's.
public final class CSIResizer: Controller {
    public let name = "csi-resizer"
    let ctx: ControllerContext
    let claims: Informer<PersistentVolumeClaim>
    let volumes: Informer<PersistentVolume>
    let queue = WorkQueue(name: "csi-resizer")
    let recorders: [String: EventRecorder]

    /// The condition the kubelet finishes.
    public static let fileSystemResizePending = "FileSystemResizePending"

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        claims = ctx.informers.informer(PersistentVolumeClaim.self)
        volumes = ctx.informers.informer(PersistentVolume.self)
        let drivers = Set(ctx.configuration.csiControllers.keys)
        recorders = Dictionary(uniqueKeysWithValues: drivers.map { ($0, ctx.recorder("external-resizer \($0)")) })
        claims.addHandler { [queue] e in
            switch e {
            case .added(let c), .updated(_, let c):
                if c.status?.phase == "Bound", (c.spec?.requestedBytes ?? 0) > (c.status?.capacity?["storage"]?.value ?? 0) { queue.add(objectKey(c)) }
            case .deleted, .synced: break
            }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await sync(key) }
    }

    func sync(_ key: String) async throws -> Duration? {
        let (namespace, name) = splitKey(key)
        guard let claim = claims.get(namespace: namespace, name: name), claim.status?.phase == "Bound",
              let volumeName = claim.spec?.volumeName, let pv = volumes.get(namespace: nil, name: volumeName),
              let source = pv.spec?.csi, let endpoint = ctx.configuration.csiControllers[source.driver],
              let size = claim.spec?.resources?.requests?["storage"] else { return nil }
        let requested = size.value
        guard requested > (claim.status?.capacity?["storage"]?.value ?? 0) else { return nil }
        // Waiting for the kubelet already.
        if claim.status?.conditions?.contains(where: { $0.type == Self.fileSystemResizePending }) == true,
           (pv.spec?.storageBytes ?? 0) >= requested { return nil }
        let events = recorders[source.driver] ?? ctx.recorder("external-resizer \(source.driver)")
        events.record(claim, .normal, reason: "Resizing", message: "External resizer is resizing volume \(pv.name)")

        var nodeExpansion = true
        var capacity = requested
        do throws(CSIError) {
            let controller: any CSIControllerClient
            do { controller = try ctx.configuration.csiClient(endpoint) } catch {
                throw CSIError(method: "csi.v1.Controller/ControllerExpandVolume", endpoint: endpoint.socketPath, code: .unavailable, message: "\(error)")
            }
            defer { Task { await controller.close() } }
            if try await controller.controllerGetCapabilities().capabilities.contains(.expandVolume) {
                var request = CSIv1.ControllerExpandVolumeRequest()
                request.volumeID = source.volumeHandle
                request.capacityRange = CSIv1.CapacityRange(requiredBytes: requested)
                request.volumeCapability = CSIv1.VolumeCapability(
                    pv.spec?.volumeMode == "Block" ? .block : .mount(.init(fsType: source.fsType ?? "", mountFlags: pv.spec?.mountOptions ?? [])),
                    accessMode: .init(kubernetesModes: pv.spec?.accessModes ?? []))
                let response = try await controller.controllerExpandVolume(request)
                nodeExpansion = response.nodeExpansionRequired
                capacity = max(response.capacityBytes, requested)
            }
        } catch {
            events.record(claim, .warning, reason: "VolumeResizeFailed", message: "resize volume \"\(pv.name)\" by resizer \"\(source.driver)\" failed: \(error.rpcDescription)")
            return .seconds(10)
        }

        var grown = pv
        grown.spec?.capacity = ["storage": Quantity(bytes: capacity)]
        if (pv.spec?.storageBytes ?? 0) < capacity { _ = try await ctx.client.update(grown) }

        var c = claim
        var status = c.status ?? PersistentVolumeClaimStatus()
        status.allocatedResources = ["storage": size]
        var conditions = (status.conditions ?? []).filter { $0.type != "Resizing" && $0.type != Self.fileSystemResizePending }
        if nodeExpansion {
            var pending = Condition(type: Self.fileSystemResizePending, status: "True", message: "Waiting for user to (re-)start a pod to finish file system resize of volume on node.")
            pending.lastTransitionTime = Timestamp(ctx.now())
            conditions.append(pending)
            status.allocatedResourceStatuses = ["storage": "NodeResizePending"]
        } else {
            status.capacity = ["storage": Quantity(bytes: capacity)]
            status.allocatedResourceStatuses = nil
        }
        status.conditions = conditions.isEmpty ? nil : conditions
        c.status = status
        _ = try await ctx.client.updateStatus(c)
        if nodeExpansion {
            events.record(claim, .normal, reason: "FileSystemResizeRequired", message: "Require file system resize of volume on node")
        } else {
            events.record(claim, .normal, reason: "VolumeResizeSuccessful", message: "Resize volume succeeded")
        }
        return nil
    }
}
