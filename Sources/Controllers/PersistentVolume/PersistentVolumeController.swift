import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Upstream's persistentvolume-binder (kube-controller-manager's PV
/// controller) with the built-in local-path provisioner in the
/// external-provisioner's role:
/// - binds claims to volumes: a volume pre-bound to a claim, or the smallest
///   Available volume that satisfies it (Immediate classes; the scheduler
///   chooses for WaitForFirstConsumer ones), completing binds begun by a
///   user or by the scheduler; volume phases Pending/Available/Bound/
///   Released/Failed and claim phases Pending/Bound/Lost;
/// - provisions claims of classes with a provisioner (local-path itself,
///   others are annotated for their external provisioner);
/// - reclaims volumes whose claim is gone: Retain keeps them Released,
///   Delete deletes provisioned ones (the kubelet removes a local-path
///   directory, docs/storage.md), Recycle is not supported;
/// - grows local-path volumes when their claim asks for more (a directory
///   has no size, so the new size holds at once).
/// Events carry upstream's reasons and messages.
public final class PersistentVolumeController: Controller {
    public let name = "persistentvolume-binder"
    let ctx: ControllerContext
    let claims: Informer<PersistentVolumeClaim>
    let volumes: Informer<PersistentVolume>
    let classes: Informer<StorageClass>
    let claimQueue = WorkQueue(name: "persistentvolume-binder-claims")
    let volumeQueue = WorkQueue(name: "persistentvolume-binder-volumes")
    let recorder: EventRecorder
    let provisionerRecorder: EventRecorder
    let localPath: LocalPathProvisioner?
    /// Upstream's `--pvclaimbinder-sync-period`.
    let resyncPeriod: Duration = .seconds(15)

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        recorder = ctx.recorder("persistentvolume-controller")
        provisionerRecorder = ctx.recorder(StorageNames.localPathProvisioner)
        localPath = ctx.configuration.localPathRoot.map(LocalPathProvisioner.init(root:))
        claims = ctx.informers.informer(PersistentVolumeClaim.self)
        volumes = ctx.informers.informer(PersistentVolume.self)
        classes = ctx.informers.informer(StorageClass.self)
        claims.addHandler { [claimQueue, volumeQueue, volumes] e in
            switch e {
            case .added(let c), .updated(_, let c): claimQueue.add(objectKey(c))
            case .deleted(let c):
                // Its volume is released.
                for pv in volumes.list() where pv.spec?.claimRef?.namespace == c.namespace && pv.spec?.claimRef?.name == c.name {
                    volumeQueue.add(pv.name)
                }
            case .synced: break
            }
        }
        volumes.addHandler { [claimQueue, volumeQueue] e in
            switch e {
            case .added(let v), .updated(_, let v), .deleted(let v):
                volumeQueue.add(v.name)
                if let ref = v.spec?.claimRef, let ns = ref.namespace, let name = ref.name { claimQueue.add("\(ns)/\(name)") }
            case .synced: break
            }
        }
        classes.addHandler { [claimQueue, claims] e in
            guard case .added(let sc) = e else { return }
            for c in claims.list() where c.status?.phase != "Bound" && VolumeMatching.className(of: c) == sc.name { claimQueue.add(objectKey(c)) }
        }
    }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in await runWorkers(claimQueue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await syncClaim(key) } }
            group.addTask { [self] in await runWorkers(volumeQueue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await syncVolume(key) } }
            group.addTask { [self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: resyncPeriod)
                    for c in claims.list() { claimQueue.add(objectKey(c)) }
                    for v in volumes.list() { volumeQueue.add(v.name) }
                }
            }
        }
    }

    // MARK: claims

    func syncClaim(_ key: String) async throws -> Duration? {
        guard let claim = claims.get(key: key) else { return nil }
        if claim.metadata.annotations?[StorageNames.bindCompleted] == nil {
            try await syncUnboundClaim(claim)
        } else {
            try await syncBoundClaim(claim)
        }
        return nil
    }

    func syncUnboundClaim(_ claim: PersistentVolumeClaim) async throws {
        let className = VolumeMatching.className(of: claim)
        let storageClass = className.isEmpty ? nil : classes.get(namespace: nil, name: className)
        let delayBinding = storageClass?.volumeBindingMode == "WaitForFirstConsumer"
        guard let volumeName = claim.spec?.volumeName, !volumeName.isEmpty else {
            if let pv = VolumeMatching.findMatchingVolume(for: claim, among: volumes.list(), delayBinding: delayBinding) {
                try await bind(pv, claim)
            } else if delayBinding && claim.metadata.annotations?[StorageNames.selectedNode] == nil {
                recorder.record(claim, .normal, reason: "WaitForFirstConsumer", message: "waiting for first consumer to be created before binding")
                try await setClaimPhase(claim, "Pending")
            } else if !className.isEmpty {
                try await provision(claim, className: className, storageClass: storageClass)
                try await setClaimPhase(claim, "Pending")
            } else {
                recorder.record(claim, .normal, reason: "FailedBinding", message: "no persistent volumes available for this claim and no storage class is set")
                try await setClaimPhase(claim, "Pending")
            }
            return
        }
        // Pre-bound by the user (or by the scheduler through the volume).
        guard let pv = volumes.get(namespace: nil, name: volumeName) else {
            try await setClaimPhase(claim, "Pending")
            return
        }
        if pv.spec?.claimRef != nil {
            if VolumeMatching.isVolume(pv, boundTo: claim) {
                try await bind(pv, claim)
            } else {
                recorder.record(claim, .warning, reason: "FailedBinding", message: "volume \"\(volumeName)\" already bound to a different claim.")
                try await setClaimPhase(claim, "Pending")
            }
        } else if let why = Self.mismatch(claim, pv) {
            recorder.record(claim, .warning, reason: "FailedBinding", message: "Cannot bind to requested volume \"\(volumeName)\": \(why)")
            try await setClaimPhase(claim, "Pending")
        } else {
            try await bind(pv, claim)
        }
    }

    func syncBoundClaim(_ claim: PersistentVolumeClaim) async throws {
        guard let volumeName = claim.spec?.volumeName, !volumeName.isEmpty else {
            try await lose(claim, reason: "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!")
            return
        }
        guard let pv = try await liveVolume(volumeName) else {
            try await lose(claim, reason: "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!")
            return
        }
        guard let ref = pv.spec?.claimRef else {
            try await bind(pv, claim)
            return
        }
        guard ref.uid == claim.metadata.uid else {
            try await lose(claim, reason: "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly")
            return
        }
        let bound = try await bind(pv, claim)
        try await expandIfAsked(bound.claim, bound.volume)
    }

    func lose(_ claim: PersistentVolumeClaim, reason: String, _ message: String) async throws {
        guard claim.status?.phase != "Lost" else { return }
        recorder.record(claim, .warning, reason: reason, message: message)
        try await setClaimPhase(claim, "Lost")
    }

    /// Why `pv` cannot serve `claim` (upstream's `checkVolumeSatisfyClaim` wording), or nil.
    static func mismatch(_ claim: PersistentVolumeClaim, _ pv: PersistentVolume) -> String? {
        if (pv.spec?.storageBytes ?? 0) < (claim.spec?.requestedBytes ?? 0) { return "requested PV is too small" }
        if VolumeMatching.className(of: claim) != VolumeMatching.className(of: pv) { return "storageClassName does not match" }
        if !VolumeMatching.volumeModesMatch(claim, pv) { return "incompatible volumeMode" }
        if !VolumeMatching.accessModesSatisfied(claim, pv) { return "incompatible accessMode" }
        return nil
    }

    /// Binds both sides (each step only when not done yet), volume first as upstream.
    @discardableResult
    func bind(_ volume: PersistentVolume, _ claim: PersistentVolumeClaim) async throws -> (volume: PersistentVolume, claim: PersistentVolumeClaim) {
        var pv = volume
        if pv.spec?.claimRef?.uid != claim.metadata.uid {
            pv = try await ctx.client.update(VolumeBindingPlan.bindVolume(pv, to: claim))
        }
        if pv.status?.phase != "Bound" { pv = try await setVolumePhase(pv, "Bound") }
        var c = claim
        if c.spec?.volumeName != pv.name || c.metadata.annotations?[StorageNames.bindCompleted] != "yes" {
            var annotations = c.metadata.annotations ?? [:]
            if (c.spec?.volumeName ?? "").isEmpty {
                c.spec?.volumeName = pv.name
                annotations[StorageNames.boundByController] = "yes"
            }
            annotations[StorageNames.bindCompleted] = "yes"
            c.metadata.annotations = annotations
            c = try await ctx.client.update(c)
        }
        var status = c.status ?? PersistentVolumeClaimStatus()
        let before = status
        status.phase = "Bound"
        status.accessModes = pv.spec?.accessModes
        if status.capacity == nil || before.phase != "Bound" { status.capacity = pv.spec?.capacity }
        if status != before {
            c.status = status
            c = try await ctx.client.updateStatus(c)
        }
        return (pv, c)
    }

    func setClaimPhase(_ claim: PersistentVolumeClaim, _ phase: String) async throws {
        guard claim.status?.phase != phase else { return }
        var c = claim
        var status = c.status ?? PersistentVolumeClaimStatus()
        status.phase = phase
        if phase != "Bound" {
            status.accessModes = nil
            status.capacity = nil
        }
        c.status = status
        _ = try await ctx.client.updateStatus(c)
    }

    // MARK: provisioning

    func provision(_ claim: PersistentVolumeClaim, className: String, storageClass: StorageClass?) async throws {
        guard let storageClass else {
            recorder.record(claim, .warning, reason: "ProvisioningFailed", message: "storageclass.storage.k8s.io \"\(className)\" not found")
            return
        }
        let provisioner = storageClass.provisioner
        if provisioner == StorageNames.noProvisioner {
            recorder.record(claim, .normal, reason: "FailedBinding",
                            message: "no persistent volumes available for this claim and storage class \"\(className)\" does not provision (\(provisioner))")
            return
        }
        var claim = claim
        if claim.metadata.annotations?[StorageNames.storageProvisioner] != provisioner {
            var annotations = claim.metadata.annotations ?? [:]
            annotations[StorageNames.storageProvisioner] = provisioner
            annotations[StorageNames.betaStorageProvisioner] = provisioner
            claim.metadata.annotations = annotations
            claim = try await ctx.client.update(claim)
        }
        recorder.record(claim, .normal, reason: "ExternalProvisioning",
                        message: "Waiting for a volume to be created either by the external provisioner '\(provisioner)' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.")
        guard provisioner == StorageNames.localPathProvisioner, let localPath else { return }
        let volumeName = "pvc-\(claim.metadata.uid ?? "")"
        if volumes.get(namespace: nil, name: volumeName) != nil { return }
        provisionerRecorder.record(claim, .normal, reason: "Provisioning", message: "External provisioner is provisioning volume for claim \"\(claim.namespace)/\(claim.name)\"")
        let volume: PersistentVolume
        do {
            volume = try localPath.volume(for: claim, storageClass: storageClass, node: claim.metadata.annotations?[StorageNames.selectedNode])
        } catch {
            provisionerRecorder.record(claim, .warning, reason: "ProvisioningFailed",
                                       message: "failed to provision volume with StorageClass \"\(className)\": \(error)")
            // As the external-provisioner: the scheduler is to choose again.
            if claim.metadata.annotations?[StorageNames.selectedNode] != nil {
                var c = claim
                c.metadata.annotations?[StorageNames.selectedNode] = nil
                _ = try await ctx.client.update(c)
            }
            return
        }
        do {
            _ = try await ctx.client.create(volume)
        } catch {
            if error.isAlreadyExists { return }
            throw error
        }
        provisionerRecorder.record(claim, .normal, reason: "ProvisioningSucceeded", message: "Successfully provisioned volume \(volumeName)")
    }

    /// A bound local-path claim asking for more gets it at once.
    func expandIfAsked(_ claim: PersistentVolumeClaim, _ volume: PersistentVolume) async throws {
        let requested = claim.spec?.requestedBytes ?? 0
        guard requested > (volume.spec?.storageBytes ?? 0),
              volume.metadata.annotations?[StorageNames.provisionedBy] == StorageNames.localPathProvisioner,
              let size = claim.spec?.resources?.requests?["storage"] else { return }
        provisionerRecorder.record(claim, .normal, reason: "Resizing", message: "External resizer is resizing volume \(volume.name)")
        var pv = volume
        pv.spec?.capacity = ["storage": size]
        _ = try await ctx.client.update(pv)
        var c = claim
        c.status?.capacity = ["storage": size]
        c.status?.allocatedResources = ["storage": size]
        _ = try await ctx.client.updateStatus(c)
        provisionerRecorder.record(claim, .normal, reason: "VolumeResizeSuccessful", message: "Resize volume succeeded")
    }

    // MARK: volumes

    func syncVolume(_ name: String) async throws -> Duration? {
        guard let pv = volumes.get(namespace: nil, name: name) else { return nil }
        guard let ref = pv.spec?.claimRef else {
            _ = try await setVolumePhase(pv, "Available")
            return nil
        }
        guard let uid = ref.uid, !uid.isEmpty else {
            // Pre-bound by a user to a claim that is not bound yet.
            _ = try await setVolumePhase(pv, "Available")
            return nil
        }
        // The cache may be behind: ask before releasing.
        let claim = try await liveClaim(namespace: ref.namespace ?? "", name: ref.name ?? "")
        guard let claim, claim.metadata.uid == uid else {
            if pv.status?.phase != "Released" && pv.status?.phase != "Failed" {
                let released = try await setVolumePhase(pv, "Released")
                try await reclaim(released)
            } else if pv.status?.phase == "Released" {
                try await reclaim(pv)
            }
            return nil
        }
        let claimVolume = claim.spec?.volumeName ?? ""
        if claimVolume.isEmpty || claimVolume == pv.name {
            _ = try await setVolumePhase(pv, "Bound")
            if claimVolume.isEmpty { claimQueue.add(objectKey(claim)) }
        } else if pv.metadata.annotations?[StorageNames.provisionedBy] != nil, pv.spec?.persistentVolumeReclaimPolicy == "Delete" {
            // Provisioned for a claim that got another volume: not needed.
            let released = try await setVolumePhase(pv, "Released")
            try await reclaim(released)
        } else if pv.metadata.annotations?[StorageNames.boundByController] != nil {
            var unbound = pv
            unbound.spec?.claimRef = nil
            unbound.metadata.annotations?[StorageNames.boundByController] = nil
            let updated = try await ctx.client.update(unbound)
            _ = try await setVolumePhase(updated, "Available")
        }
        return nil
    }

    func reclaim(_ pv: PersistentVolume) async throws {
        switch pv.spec?.persistentVolumeReclaimPolicy ?? "Retain" {
        case "Retain":
            return
        case "Recycle":
            recorder.record(pv, .warning, reason: "VolumeFailedRecycle", message: "No recycler plugin found for the volume!")
            _ = try await setVolumePhase(pv, "Failed", message: "No recycler plugin found for the volume!")
        default:
            let provisioner = pv.metadata.annotations?[StorageNames.provisionedBy]
            if provisioner == StorageNames.localPathProvisioner, localPath != nil {
                guard pv.metadata.deletionTimestamp == nil else { return }
                try await deleteVolume(pv)
            } else if provisioner == nil {
                let message = "error getting deleter volume plugin for volume \"\(pv.name)\": no deletable volume plugin matched"
                recorder.record(pv, .warning, reason: "VolumeFailedDelete", message: message)
                _ = try await setVolumePhase(pv, "Failed", message: message)
            }
            // Another provisioner's volume: its provisioner deletes it.
        }
    }

    @discardableResult
    func setVolumePhase(_ pv: PersistentVolume, _ phase: String, message: String? = nil) async throws -> PersistentVolume {
        guard pv.status?.phase != phase || (message != nil && pv.status?.message != message) else { return pv }
        var v = pv
        var status = PersistentVolumeStatus(phase: phase)
        status.message = message
        status.lastPhaseTransitionTime = Timestamp(ctx.now())
        v.status = status
        return try await ctx.client.updateStatus(v)
    }

    /// Deletes a volume (this one, by its uid); gone already is fine.
    func deleteVolume(_ pv: PersistentVolume) async throws(KubeClientError) {
        var options = DeleteOptions()
        options.preconditions = Preconditions(uid: pv.metadata.uid)
        do {
            try await ctx.client.delete(PersistentVolume.self, namespace: nil, name: pv.name, options: options)
        } catch {
            if !error.isNotFound { throw error }
        }
    }

    /// The claim from the cache, or (when the cache has none) from the API server.
    func liveClaim(namespace: String, name: String) async throws(KubeClientError) -> PersistentVolumeClaim? {
        if let c = claims.get(namespace: namespace, name: name) { return c }
        do {
            return try await ctx.client.get(PersistentVolumeClaim.self, namespace: namespace, name: name)
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    /// The volume from the cache, or (when the cache has none) from the API server.
    func liveVolume(_ name: String) async throws -> PersistentVolume? {
        if let pv = volumes.get(namespace: nil, name: name) { return pv }
        do {
            return try await ctx.client.get(PersistentVolume.self, namespace: nil, name: name)
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }
}
