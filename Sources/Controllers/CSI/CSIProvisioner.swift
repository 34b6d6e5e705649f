import CSI
import Foundation
import KubeAPI
import Logging
import ControllerRuntime
import Synchronization

/// The external-provisioner's role, built in: for the CSI drivers whose
/// controller service the control plane reaches (`--csi-controller`), a
/// claim waiting for its class's provisioner gets `CreateVolume` (named
/// `pvc-<claim uid>`, sized by the request, with the class's parameters and,
/// for WaitForFirstConsumer, the topology of the node the scheduler chose)
/// and a PersistentVolume with the driver's volume, pre-bound to the claim;
/// a released volume of such a class with reclaim policy Delete gets
/// `DeleteVolume` and goes. Events as upstream's: Provisioning,
/// ProvisioningSucceeded, ProvisioningFailed, VolumeFailedDelete.
public final class CSIProvisioner: Controller {
    public let name = "csi-provisioner"
    let ctx: ControllerContext
    let claims: Informer<PersistentVolumeClaim>
    let volumes: Informer<PersistentVolume>
    let classes: Informer<StorageClass>
    let csiNodes: Informer<CSINode>
    let nodes: Informer<Node>
    let claimQueue = WorkQueue(name: "csi-provisioner-claims")
    let volumeQueue = WorkQueue(name: "csi-provisioner-volumes")
    /// One recorder per driver, made before the recorders run (events are in the driver's name, as upstream's provisioner writes them).
    let recorders: [String: EventRecorder]
    /// Volumes (by PV uid) whose DeleteVolume succeeded, so that the events
    /// of our own updates do not call it again while the PV goes.
    let deleted = Mutex<Set<String>>([])

    /// The class parameters the provisioner reads and does not pass to the driver.
    static let reservedParameterPrefix = "csi.storage.k8s.io/"
    static let fsTypeParameter = "csi.storage.k8s.io/fstype"
    /// The volume attribute naming the provisioner that made the volume.
    static let provisionerIdentity = "storage.kubernetes.io/csiProvisionerIdentity"

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        claims = ctx.informers.informer(PersistentVolumeClaim.self)
        volumes = ctx.informers.informer(PersistentVolume.self)
        classes = ctx.informers.informer(StorageClass.self)
        csiNodes = ctx.informers.informer(CSINode.self)
        nodes = ctx.informers.informer(Node.self)
        let drivers = Set(ctx.configuration.csiControllers.keys)
        recorders = Dictionary(uniqueKeysWithValues: drivers.map { ($0, ctx.recorder($0)) })
        claims.addHandler { [claimQueue] e in
            switch e {
            case .added(let c), .updated(_, let c):
                if let p = c.metadata.annotations?[StorageNames.storageProvisioner], drivers.contains(p) { claimQueue.add(objectKey(c)) }
            case .deleted, .synced: break
            }
        }
        volumes.addHandler { [weak self, volumeQueue] e in
            switch e {
            case .added(let v), .updated(_, let v):
                if let p = v.metadata.annotations?[StorageNames.provisionedBy], drivers.contains(p) { volumeQueue.add(v.name) }
            case .deleted(let v):
                self?.deleted.withLock { _ = $0.remove(v.metadata.uid ?? v.name) }
            case .synced: break
            }
        }
    }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await runWorkers(claimQueue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await syncClaim(key) }
            }
            group.addTask { [self] in
                await runWorkers(volumeQueue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await syncVolume(key) }
            }
        }
    }

    func recorder(_ driver: String) -> EventRecorder { recorders[driver] ?? ctx.recorder(driver) }

    func client(_ driver: String) throws(CSIError) -> any CSIControllerClient {
        guard let endpoint = ctx.configuration.csiControllers[driver] else {
            throw CSIError(method: "csi.v1.Controller", endpoint: "", code: .unavailable, message: "no controller endpoint for driver \(driver)")
        }
        do { return try ctx.configuration.csiClient(endpoint) } catch {
            throw CSIError(method: "csi.v1.Controller", endpoint: endpoint.socketPath, code: .unavailable, message: "\(error)")
        }
    }

    // MARK: claims

    func syncClaim(_ key: String) async throws -> Duration? {
        let (namespace, name) = splitKey(key)
        guard let claim = claims.get(namespace: namespace, name: name), claim.metadata.deletionTimestamp == nil,
              (claim.spec?.volumeName ?? "").isEmpty, claim.status?.phase != "Bound",
              let driver = claim.metadata.annotations?[StorageNames.storageProvisioner],
              ctx.configuration.csiControllers[driver] != nil else { return nil }
        let className = VolumeMatching.className(of: claim)
        guard let storageClass = classes.get(namespace: nil, name: className), storageClass.provisioner == driver else { return nil }
        let selectedNode = claim.metadata.annotations?[StorageNames.selectedNode]
        if storageClass.volumeBindingMode == "WaitForFirstConsumer", selectedNode == nil { return nil }
        let volumeName = "pvc-\(claim.metadata.uid ?? "")"
        if volumes.get(namespace: nil, name: volumeName) != nil { return nil }
        let events = recorder(driver)
        events.record(claim, .normal, reason: "Provisioning", message: "External provisioner is provisioning volume for claim \"\(claim.namespace)/\(claim.name)\"")

        let request: CSIv1.CreateVolumeRequest
        do {
            request = try createRequest(claim, storageClass: storageClass, name: volumeName, node: selectedNode, driver: driver)
        } catch let failure as ProvisioningFailure {
            events.record(claim, .warning, reason: "ProvisioningFailed", message: "failed to provision volume with StorageClass \"\(className)\": \(failure)")
            return nil
        }
        let created: CSIv1.Volume
        do throws(CSIError) {
            let controller = try client(driver)
            defer { Task { await controller.close() } }
            guard let volume = try await controller.createVolume(request).volume else {
                throw CSIError(method: "csi.v1.Controller/CreateVolume", endpoint: "", code: .internal, message: "the driver returned no volume")
            }
            created = volume
        } catch {
            events.record(claim, .warning, reason: "ProvisioningFailed",
                          message: "failed to provision volume with StorageClass \"\(className)\": \(error.rpcDescription)")
            // As upstream: a final error with a node chosen sends the claim back to the scheduler.
            if error.code.isFinal, selectedNode != nil {
                var c = claim
                c.metadata.annotations?[StorageNames.selectedNode] = nil
                _ = try await ctx.client.update(c)
                return nil
            }
            return .seconds(5)
        }
        do {
            _ = try await ctx.client.create(persistentVolume(for: claim, storageClass: storageClass, name: volumeName, volume: created, driver: driver))
        } catch {
            if !error.isAlreadyExists { throw error }
        }
        events.record(claim, .normal, reason: "ProvisioningSucceeded", message: "Successfully provisioned volume \(volumeName)")
        return nil
    }

    struct ProvisioningFailure: Error, CustomStringConvertible { var description: String }

    /// The CreateVolume call for a claim.
    func createRequest(_ claim: PersistentVolumeClaim, storageClass: StorageClass, name: String, node: String?, driver: String) throws -> CSIv1.CreateVolumeRequest {
        if claim.spec?.dataSource != nil || claim.spec?.dataSourceRef != nil {
            throw ProvisioningFailure(description: "this provisioner does not clone or restore volumes (dataSource is not supported)")
        }
        let parameters = storageClass.parameters ?? [:]
        var request = CSIv1.CreateVolumeRequest()
        request.name = name
        request.capacityRange = CSIv1.CapacityRange(requiredBytes: claim.spec?.requestedBytes ?? 0)
        let modes = claim.spec?.accessModes ?? []
        let access: CSIv1.VolumeCapability.AccessType = claim.spec?.volumeMode == "Block"
            ? .block : .mount(.init(fsType: parameters[Self.fsTypeParameter] ?? "", mountFlags: storageClass.mountOptions ?? []))
        request.volumeCapabilities = (modes.isEmpty ? ["ReadWriteOnce"] : modes).map {
            CSIv1.VolumeCapability(access, accessMode: .init(kubernetesModes: [$0]))
        }
        request.parameters = parameters.filter { !$0.key.hasPrefix(Self.reservedParameterPrefix) }
        if let node, let segments = topology(of: node, driver: driver) {
            let topology = CSIv1.Topology(segments: segments)
            request.accessibilityRequirements = CSIv1.TopologyRequirement(requisite: [topology], preferred: [topology])
        }
        return request
    }

    /// The node's topology for the driver: its CSINode's topology keys with
    /// the node's labels for them; nil when the driver reports none there.
    func topology(of node: String, driver: String) -> [String: String]? {
        guard let keys = csiNodes.get(namespace: nil, name: node)?.spec.drivers.first(where: { $0.name == driver })?.topologyKeys,
              !keys.isEmpty else { return nil }
        let labels = nodes.get(namespace: nil, name: node)?.metadata.labels ?? [:]
        var segments: [String: String] = [:]
        for key in keys { if let value = labels[key] { segments[key] = value } }
        return segments.isEmpty ? nil : segments
    }

    /// The PersistentVolume for a created volume, pre-bound to the claim.
    func persistentVolume(for claim: PersistentVolumeClaim, storageClass: StorageClass, name: String, volume: CSIv1.Volume, driver: String) -> PersistentVolume {
        var meta = ObjectMeta()
        meta.name = name
        meta.annotations = [StorageNames.provisionedBy: driver]
        let policy = storageClass.reclaimPolicy ?? "Delete"
        if policy == "Delete" { meta.finalizers = [StorageNames.provisionerFinalizer] }
        var source = CSIPersistentVolumeSource(driver: driver, volumeHandle: volume.volumeID)
        let fsType = storageClass.parameters?[Self.fsTypeParameter]
        source.fsType = claim.spec?.volumeMode == "Block" ? nil : (fsType ?? "ext4")
        var attributes = volume.volumeContext
        attributes[Self.provisionerIdentity] = "\(driver)-swiftkube-controlplane"
        source.volumeAttributes = attributes
        var spec = PersistentVolumeSpec()
        spec.accessModes = claim.spec?.accessModes
        let bytes = volume.capacityBytes > 0 ? volume.capacityBytes : (claim.spec?.requestedBytes ?? 0)
        spec.capacity = ["storage": Quantity(bytes: bytes)]
        spec.claimRef = VolumeBindingPlan.claimRef(to: claim)
        spec.persistentVolumeReclaimPolicy = policy
        spec.storageClassName = storageClass.name
        spec.mountOptions = storageClass.mountOptions
        spec.volumeMode = claim.spec?.volumeMode ?? "Filesystem"
        spec.csi = source
        let terms = volume.accessibleTopology.filter { !$0.segments.isEmpty }.map { topology in
            var term = NodeSelectorTerm()
            term.matchExpressions = topology.segments.sorted { $0.key < $1.key }.map {
                NodeSelectorRequirement(key: $0.key, operator: "In", values: [$0.value])
            }
            return term
        }
        if !terms.isEmpty { spec.nodeAffinity = VolumeNodeAffinity(required: NodeSelector(nodeSelectorTerms: terms)) }
        return PersistentVolume(metadata: meta, spec: spec)
    }

    // MARK: volumes

    func syncVolume(_ name: String) async throws -> Duration? {
        guard let pv = volumes.get(namespace: nil, name: name), let source = pv.spec?.csi,
              let driver = pv.metadata.annotations?[StorageNames.provisionedBy], driver == source.driver,
              ctx.configuration.csiControllers[driver] != nil, pv.spec?.persistentVolumeReclaimPolicy == "Delete",
              pv.status?.phase == "Released" || pv.status?.phase == "Failed" else { return nil }
        let finalizer = pv.metadata.finalizers?.contains(StorageNames.provisionerFinalizer) == true
        if pv.metadata.deletionTimestamp != nil, !finalizer { return nil }
        let uid = pv.metadata.uid ?? pv.name
        if !deleted.withLock({ $0.contains(uid) }) {
            do throws(CSIError) {
                let controller = try client(driver)
                defer { Task { await controller.close() } }
                try await controller.deleteVolume(CSIv1.DeleteVolumeRequest(volumeID: source.volumeHandle))
            } catch {
                recorder(driver).record(pv, .warning, reason: "VolumeFailedDelete", message: error.rpcDescription)
                return .seconds(5)
            }
            deleted.withLock { _ = $0.insert(uid) }
        }
        var updated = pv
        updated.metadata.finalizers?.removeAll { $0 == StorageNames.provisionerFinalizer }
        if finalizer {
            updated = try await ctx.client.update(updated)
        }
        if updated.metadata.deletionTimestamp == nil {
            var options = DeleteOptions()
            options.preconditions = Preconditions(uid: pv.metadata.uid)
            do {
                try await ctx.client.delete(PersistentVolume.self, namespace: nil, name: pv.name, options: options)
            } catch {
                if !error.isNotFound { throw error }
            }
        }
        return nil
    }
}
