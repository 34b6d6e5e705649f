#if canImport(Glibc)
import Glibc
#endif
import CSI
import Foundation
import KubeAPI
import LinuxSystem

/// CSI volumes: PersistentVolumes with a `csi` source and inline `csi`
/// volumes in pods (ephemeral: published only, never staged or attached).
/// Set-up follows upstream's kubelet: wait for the VolumeAttachment when
/// the driver needs attaching, NodeStageVolume once per node (drivers with
/// STAGE_UNSTAGE_VOLUME), then NodePublishVolume into the pod; tear-down is
/// the reverse, driven by the `vol_data.json` written before publishing, so
/// a publish interrupted by a crashing driver is still unpublished.
extension VolumeManager {
    /// What one CSI volume is, from its PV or inline source.
    struct CSIVolume {
        var driver: String
        var volumeHandle: String
        var fsType: String
        var readOnly: Bool
        var attributes: [String: String]
        var accessModes: [String]
        var mountOptions: [String]
        var stageSecret: SecretReference?
        var publishSecret: SecretReference?
        var ephemeral: Bool
        /// The PV's name, or the pod volume's for inline volumes.
        var specName: String
    }

    /// Sets up a PV's CSI source for pod volume `name`; returns the published path.
    func setUpCSI(_ pv: PersistentVolume, name: String, pod: Pod, base: String, readOnly: Bool) async throws -> String {
        guard let source = pv.spec?.csi else { throw VolumeError("persistentvolume \"\(pv.metadata.name ?? "")\" has no csi source") }
        let volume = CSIVolume(
            driver: source.driver, volumeHandle: source.volumeHandle, fsType: source.fsType ?? "", readOnly: readOnly,
            attributes: source.volumeAttributes ?? [:], accessModes: pv.spec?.accessModes ?? [], mountOptions: pv.spec?.mountOptions ?? [],
            stageSecret: source.nodeStageSecretRef, publishSecret: source.nodePublishSecretRef, ephemeral: false,
            specName: pv.metadata.name ?? "")
        return try await publishCSI(volume, name: name, pod: pod, base: base)
    }

    /// Sets up an inline (ephemeral) CSI volume; its handle is upstream's
    /// `csi-<sha256(pod uid + volume name)>`.
    func setUpInlineCSI(_ source: CSIVolumeSource, name: String, pod: Pod, base: String) async throws -> String {
        let driver = source.driver ?? ""
        let namespace = pod.metadata.namespace ?? "default"
        let secret = source.nodePublishSecretRef?.name.map { SecretReference(name: $0, namespace: namespace) }
        let volume = CSIVolume(
            driver: driver, volumeHandle: "csi-" + CSIVolumePlugin.sha256((pod.metadata.uid ?? "") + name), fsType: source.fsType ?? "",
            readOnly: source.readOnly == true, attributes: source.volumeAttributes ?? [:], accessModes: ["ReadWriteOnce"], mountOptions: [],
            stageSecret: nil, publishSecret: secret, ephemeral: true, specName: name)
        return try await publishCSI(volume, name: name, pod: pod, base: base)
    }

    func publishCSI(_ volume: CSIVolume, name: String, pod: Pod, base: String) async throws -> String {
        guard let plugin = csi else {
            throw VolumeError("kubernetes.io/csi: driver name \(volume.driver) not found in the list of registered CSI drivers")
        }
        let (client, endpoint) = try plugin.client(forDriver: volume.driver)
        defer { Task { await client.close() } }
        let driverObject = try await sources.csiDriver(name: volume.driver)
        if volume.ephemeral, let modes = driverObject?.spec.volumeLifecycleModes, !modes.contains("Ephemeral") {
            throw VolumeError("volume mode \"Ephemeral\" not supported by driver \(volume.driver) (only supports \(modes))")
        }

        var publishContext: [String: String] = [:]
        var attachmentID: String?
        if !volume.ephemeral, driverObject?.spec.attachRequired != false {
            let attachment = StorageNames.attachmentName(volumeHandle: volume.volumeHandle, driver: volume.driver, node: plugin.nodeName)
            let status = try await sources.volumeAttachment(name: attachment)?.status
            guard status?.attached == true else {
                if let message = status?.attachError?.message {
                    throw VolumeError("AttachVolume.Attach failed for volume \"\(volume.specName)\" : \(message)")
                }
                throw VolumeError("Volume \(volume.specName) is not attached to node \(plugin.nodeName) yet: waiting for VolumeAttachment \(attachment)")
            }
            publishContext = status?.attachmentMetadata ?? [:]
            attachmentID = attachment
        }

        let capabilities: Set<CSIv1.NodeCapability>
        do { capabilities = try await client.nodeGetCapabilities().capabilities } catch { throw VolumeError(error.rpcDescription) }
        let capability = CSIv1.VolumeCapability(
            .mount(.init(fsType: volume.fsType, mountFlags: volume.mountOptions)),
            accessMode: .init(kubernetesModes: volume.accessModes, singleNodeMultiWriter: capabilities.contains(.singleNodeMultiWriter)))
        let namespace = pod.metadata.namespace ?? "default"

        var staging = ""
        if !volume.ephemeral, capabilities.contains(.stageUnstageVolume) {
            staging = plugin.stagingPath(driver: volume.driver, volumeHandle: volume.volumeHandle)
            try FileIO.makeDirectories(staging, mode: 0o750)
            var stage = CSIv1.NodeStageVolumeRequest()
            stage.volumeID = volume.volumeHandle
            stage.publishContext = publishContext
            stage.stagingTargetPath = staging
            stage.volumeCapability = capability
            stage.secrets = try await secretData(volume.stageSecret)
            stage.volumeContext = volume.attributes
            do { try await client.nodeStageVolume(stage) } catch {
                throw VolumeError("MountVolume.MountDevice failed for volume \"\(volume.specName)\" : \(error.rpcDescription)", volume: name)
            }
        }

        let directory = base + "/" + CSIVolumePlugin.podDirectory + "/" + name
        try FileIO.makeDirectories(directory, mode: 0o750)
        try CSIVolumeData(driverName: volume.driver, volumeHandle: volume.volumeHandle, specVolID: volume.specName,
                          nodeName: plugin.nodeName, attachmentID: attachmentID,
                          volumeLifecycleMode: volume.ephemeral ? "Ephemeral" : "Persistent",
                          stagingTargetPath: staging.isEmpty ? nil : staging, endpoint: endpoint.socketPath).save(directory)
        var context = volume.attributes
        if driverObject?.spec.podInfoOnMount == true || volume.ephemeral {
            context["csi.storage.k8s.io/pod.name"] = pod.metadata.name ?? ""
            context["csi.storage.k8s.io/pod.namespace"] = namespace
            context["csi.storage.k8s.io/pod.uid"] = pod.metadata.uid ?? ""
            context["csi.storage.k8s.io/serviceAccount.name"] = pod.spec?.serviceAccountName ?? "default"
            context["csi.storage.k8s.io/ephemeral"] = volume.ephemeral ? "true" : "false"
        }
        var publish = CSIv1.NodePublishVolumeRequest()
        publish.volumeID = volume.volumeHandle
        publish.publishContext = publishContext
        publish.stagingTargetPath = staging
        publish.targetPath = directory + "/mount"
        publish.volumeCapability = capability
        publish.readonly = volume.readOnly
        publish.secrets = try await secretData(volume.publishSecret)
        publish.volumeContext = context
        do { try await client.nodePublishVolume(publish) } catch {
            throw VolumeError(error.rpcDescription, volume: name)
        }
        // Ownership as upstream's default fsGroupPolicy (ReadWriteOnceWithFSType)
        // or File: the pod's fsGroup on a writable volume.
        if let group = pod.spec?.securityContext?.fsGroup, !volume.readOnly {
            let policy = driverObject?.spec.fsGroupPolicy ?? "ReadWriteOnceWithFSType"
            if policy == "File" || (policy == "ReadWriteOnceWithFSType" && !volume.fsType.isEmpty && capability.accessMode == .singleNodeWriter) {
                try VolumeOwnership.apply(publish.targetPath, group: UInt32(truncatingIfNeeded: group),
                                          onRootMismatch: pod.spec?.securityContext?.fsGroupChangePolicy == "OnRootMismatch")
            }
        }
        return publish.targetPath
    }

    /// Finishes a file-system resize the resizer left to the node (the claim's
    /// `FileSystemResizePending` condition): NodeExpandVolume on the published
    /// volume (when the driver has EXPAND_VOLUME), then the claim's status
    /// gets the volume's capacity and loses the condition, as upstream's
    /// kubelet does. A claim with nothing pending costs one GET.
    func expandCSIIfPending(claim name: String, name volume: String, pod: Pod, path: String) async throws {
        let namespace = pod.metadata.namespace ?? "default"
        guard let claim = try await sources.persistentVolumeClaim(namespace: namespace, name: name),
              claim.status?.conditions?.contains(where: { $0.type == "FileSystemResizePending" }) == true,
              let pvName = claim.spec?.volumeName, let pv = try await sources.persistentVolume(name: pvName),
              let source = pv.spec?.csi, let size = pv.spec?.capacity?["storage"] else { return }
        let directory = (path as NSString).deletingLastPathComponent
        let staging = CSIVolumeData.load(directory)?.stagingTargetPath ?? ""
        let (client, _) = try csiPlugin().client(forDriver: source.driver)
        defer { Task { await client.close() } }
        do throws(CSIError) {
            if try await client.nodeGetCapabilities().capabilities.contains(.expandVolume) {
                var request = CSIv1.NodeExpandVolumeRequest()
                request.volumeID = source.volumeHandle
                request.volumePath = path
                request.stagingTargetPath = staging
                request.capacityRange = CSIv1.CapacityRange(requiredBytes: size.value)
                request.volumeCapability = CSIv1.VolumeCapability(.mount(.init(fsType: source.fsType ?? "", mountFlags: pv.spec?.mountOptions ?? [])),
                                                                  accessMode: .init(kubernetesModes: pv.spec?.accessModes ?? []))
                _ = try await client.nodeExpandVolume(request)
            }
        } catch {
            throw VolumeError("MountVolume.NodeExpandVolume failed for volume \"\(pv.metadata.name ?? "")\" : \(error.rpcDescription)", volume: volume)
        }
        var expanded = claim
        var status = claim.status ?? PersistentVolumeClaimStatus()
        status.capacity = ["storage": size]
        status.conditions = status.conditions?.filter { $0.type != "FileSystemResizePending" }
        if status.conditions?.isEmpty == true { status.conditions = nil }
        status.allocatedResourceStatuses = nil
        expanded.status = status
        try await sources.updateClaimStatus(expanded)
    }

    /// The CSI plugin, or upstream's error naming the driver when there is none.
    func csiPlugin() throws -> CSIVolumePlugin {
        guard let csi else { throw VolumeError("kubernetes.io/csi: this kubelet hosts no CSI drivers") }
        return csi
    }

    /// A secret's data as strings, for a CSI call's `secrets`.
    func secretData(_ reference: SecretReference?) async throws -> [String: String] {
        guard let reference, let name = reference.name else { return [:] }
        guard let secret = try await sources.secret(namespace: reference.namespace ?? "default", name: name) else {
            throw VolumeError("secret \"\(reference.namespace ?? "default")/\(name)\" not found")
        }
        return Self.decoded(secret.data).mapValues { String(decoding: $0, as: UTF8.self) }
    }

    /// Unpublishes every CSI volume of a pod (found by its `vol_data.json`)
    /// through its driver, unstages it when no other pod on the node has it
    /// published, and removes its directory. A volume whose driver cannot be
    /// reached stays (and the error says why) unless nothing is mounted there.
    public func tearDownCSI(_ base: String) async throws {
        let parent = base + "/" + CSIVolumePlugin.podDirectory
        for name in (try? FileIO.listDirectory(parent)) ?? [] {
            let directory = parent + "/" + name
            let target = directory + "/mount"
            guard let data = CSIVolumeData.load(directory) else {
                if mounter.isMountPoint(target) {
                    throw VolumeError("csi volume \"\(name)\" is mounted at \(target) but has no \(CSIVolumeData.fileName); unmount it by hand", volume: name)
                }
                try FileIO.removeTree(directory)
                continue
            }
            let endpoint = csi?.registry.endpoint(forDriver: data.driverName) ?? data.endpoint.map { CSIEndpoint(socketPath: $0) }
            let client: (any CSINodeClient)? = try endpoint.flatMap { try csi?.makeClient($0) ?? GRPCCSIClient(endpoint: $0, timeout: .seconds(120)) }
            defer { if let client { Task { await client.close() } } }
            do throws(CSIError) {
                guard let client else { throw CSIError(method: "csi.v1.Node/NodeUnpublishVolume", endpoint: "", code: .unavailable, message: "driver \(data.driverName) is not registered") }
                try await client.nodeUnpublishVolume(CSIv1.NodeUnpublishVolumeRequest(volumeID: data.volumeHandle, targetPath: target))
            } catch {
                if mounter.isMountPoint(target) {
                    throw VolumeError("UnmountVolume.TearDown failed for volume \"\(name)\" (driver \(data.driverName)): \(error.rpcDescription)", volume: name)
                }
            }
            guard !mounter.isMountPoint(target) else {
                throw VolumeError("UnmountVolume.TearDown failed for volume \"\(name)\": \(target) is still mounted after NodeUnpublishVolume", volume: name)
            }
            try FileIO.removeTree(directory)
            if let staging = data.stagingTargetPath, let client, !Self.publishedElsewhere(data, podsDirectory: Self.podsDirectory(of: base)) {
                do {
                    try await client.nodeUnstageVolume(CSIv1.NodeUnstageVolumeRequest(volumeID: data.volumeHandle, stagingTargetPath: staging))
                } catch {
                    throw VolumeError("UnmountDevice failed for volume \"\(data.specVolID)\": \(error.rpcDescription)", volume: name)
                }
                if !mounter.isMountPoint(staging) {
                    let volumeDirectory = (staging as NSString).deletingLastPathComponent
                    try? FileIO.removeTree(volumeDirectory)
                }
            }
        }
        rmdir(parent)
    }

    /// `<root>/pods` from a pod's `<root>/pods/<uid>/volumes`.
    static func podsDirectory(of base: String) -> String {
        ((base as NSString).deletingLastPathComponent as NSString).deletingLastPathComponent
    }

    /// Whether another pod on the node still has the same volume published.
    static func publishedElsewhere(_ data: CSIVolumeData, podsDirectory: String) -> Bool {
        for pod in (try? FileIO.listDirectory(podsDirectory)) ?? [] {
            let parent = podsDirectory + "/" + pod + "/volumes/" + CSIVolumePlugin.podDirectory
            for name in (try? FileIO.listDirectory(parent)) ?? [] {
                if let other = CSIVolumeData.load(parent + "/" + name), other.driverName == data.driverName, other.volumeHandle == data.volumeHandle {
                    return true
                }
            }
        }
        return false
    }

    /// Refuses to go on while a CSI volume is still published under `base`
    /// (removing the tree then would delete the volume's data).
    static func checkNoCSIMounts(_ base: String, mounter: any VolumeMounter) throws {
        let parent = base + "/" + CSIVolumePlugin.podDirectory
        for name in (try? FileIO.listDirectory(parent)) ?? [] where mounter.isMountPoint(parent + "/" + name + "/mount") {
            throw VolumeError("csi volume \"\(name)\" is still published at \(parent)/\(name)/mount; the kubelet unpublishes it through its driver", volume: name)
        }
    }
}
