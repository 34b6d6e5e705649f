import CSI
import Foundation
import Synchronization
import KubeAPI
@testable import Kubelet
import LinuxSystem
import TestSupport
import Testing

/// The kubelet's CSI volume plugin against a driver in Swift over a real
/// socket: stage, publish, tear down, attachments, inline volumes, and a
/// driver that fails or dies in the middle of a publish.
@Suite(.serialized) struct CSIVolumeTests {
    static let driverName = "csi.test.swiftkube.dev"

    /// The claim statuses the kubelet wrote.
    final class StatusWrites: Sendable {
        let claims = Mutex<[PersistentVolumeClaim]>([])
        init() {}
    }

    struct Sources: VolumeSources {
        var writes = StatusWrites()
        var claim: PersistentVolumeClaim?
        var volume: PersistentVolume?
        var driver: CSIDriver?
        var attachment: VolumeAttachment?
        func configMap(namespace: String, name: String) async throws -> ConfigMap? { nil }
        func secret(namespace: String, name: String) async throws -> Secret? { nil }
        func serviceAccountToken(namespace: String, serviceAccount: String, audience: String?, expirationSeconds: Int64?, pod: Pod) async throws -> String { "" }
        func persistentVolumeClaim(namespace: String, name: String) async throws -> PersistentVolumeClaim? { claim }
        func persistentVolume(name: String) async throws -> PersistentVolume? { volume }
        func csiDriver(name: String) async throws -> CSIDriver? { driver }
        func volumeAttachment(name: String) async throws -> VolumeAttachment? { attachment }
        func updateClaimStatus(_ claim: PersistentVolumeClaim) async throws { writes.claims.withLock { $0.append(claim) } }
    }

    /// A kubelet root with a driver serving and registered.
    struct Node {
        let scratch = ScratchDirectory("csi-volume")
        let driver: TestCSIDriver
        let registry = CSIDriverRegistry()
        var root: String { scratch.path + "/kubelet" }
        var sandbox: Sandbox {
            Sandbox(podUID: "pod-uid", name: "p", namespace: "ns", directory: root + "/pods/pod-uid", pinned: [:], hostNetwork: false,
                    hostIPC: false, hostPID: false, ip: nil, cgroupParent: "", hostname: "p", created: "")
        }

        init(mounts: Bool) async throws {
            var options = TestCSIDriver.Options()
            options.mounts = mounts
            options.root = ScratchDirectory("csi-driver").path
            driver = TestCSIDriver(options)
            let socket = scratch.path + "/csi.sock"
            try await driver.start(driverSocket: socket)
            registry.register(CSIRegisteredDriver(name: CSIVolumeTests.driverName, endpoint: CSIEndpoint(socketPath: socket),
                                                  supportedVersions: ["1.0.0"], registrationSocket: "", nodeID: "node-1"))
        }

        func manager(_ sources: Sources) -> VolumeManager {
            VolumeManager(sources: sources, csi: CSIVolumePlugin(registry: registry, rootDirectory: root, nodeName: "n1",
                                                                 makeClient: { try GRPCCSIClient(endpoint: $0, timeout: TestCSIDriver.callTimeout) }))
        }

        func setUp(_ pod: Pod, _ sources: Sources) async throws -> PodVolumes {
            try await manager(sources).setUp(pod, sandbox: sandbox, fields: PodFields(pod: pod, podIP: nil, hostIP: nil, nodeName: "n1"))
        }
    }

    static func claimSources(attachRequired: Bool? = false, handle: String = "vol-1", driverName: String = driverName,
                             attributes: [String: String] = ["pool": "a"]) throws -> Sources {
        let claim = try PersistentVolumeTests.decode(PersistentVolumeClaim.self, [
            "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": ["name": "data", "namespace": "ns", "uid": "claim-uid"],
            "spec": ["accessModes": ["ReadWriteOnce"], "volumeName": "pv-1", "resources": ["requests": ["storage": "1Gi"]]],
            "status": ["phase": "Bound"],
        ])
        let volume = try PersistentVolumeTests.decode(PersistentVolume.self, [
            "apiVersion": "v1", "kind": "PersistentVolume", "metadata": ["name": "pv-1"],
            "spec": ["accessModes": ["ReadWriteOnce"], "capacity": ["storage": "1Gi"],
                     "claimRef": ["namespace": "ns", "name": "data", "uid": "claim-uid"],
                     "csi": ["driver": .string(driverName), "volumeHandle": .string(handle), "fsType": "ext4",
                             "volumeAttributes": .object(attributes.mapValues { .string($0) })]],
        ])
        var driver: CSIDriver?
        if let attachRequired {
            driver = try PersistentVolumeTests.decode(CSIDriver.self, ["apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver", "metadata": ["name": .string(driverName)],
                                                 "spec": ["attachRequired": .bool(attachRequired)]])
        }
        return Sources(claim: claim, volume: volume, driver: driver)
    }

    static func pod(_ volume: JSONValue) throws -> Pod {
        try PersistentVolumeTests.decode(Pod.self, ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "ns", "uid": "pod-uid"],
                              "spec": ["containers": [["name": "app", "image": "busybox:1.35"]], "volumes": [volume]]])
    }

    static let claimVolume: JSONValue = ["name": "data", "persistentVolumeClaim": ["claimName": "data"]]

    @Test func aClaimVolumeIsStagedAndPublishedAndTornDownThroughTheDriver() async throws {
        let node = try await Node(mounts: false)
        let volumes = try await node.setUp(try Self.pod(Self.claimVolume), try Self.claimSources())
        let target = node.root + "/pods/pod-uid/volumes/kubernetes.io~csi/data/mount"
        #expect(volumes.paths["data"] == target)
        let calls = node.driver.calls.withLock { $0 }
        let staging = try #require(calls.staged.first?.stagingTargetPath)
        #expect(staging.hasPrefix(node.root + "/plugins/kubernetes.io/csi/\(Self.driverName)/"))
        #expect(staging.hasSuffix("/globalmount"))
        #expect(calls.staged.first?.volumeContext == ["pool": "a"])
        #expect(calls.published.first?.targetPath == target)
        #expect(calls.published.first?.stagingTargetPath == staging)
        #expect(calls.published.first?.volumeCapability == CSIv1.VolumeCapability(.mount(.init(fsType: "ext4")), accessMode: .singleNodeWriter))
        #expect(FileManager.default.fileExists(atPath: node.root + "/pods/pod-uid/volumes/kubernetes.io~csi/data/vol_data.json"))

        try await node.manager(try Self.claimSources()).tearDown(node.sandbox)
        let after = node.driver.calls.withLock { $0 }
        #expect(after.unpublished.map(\.targetPath) == [target])
        #expect(after.unstaged.map(\.stagingTargetPath) == [staging])
        #expect(!FileManager.default.fileExists(atPath: node.root + "/pods/pod-uid/volumes"))
        await node.driver.stop()
    }

    @Test func aVolumeThatNeedsAttachingWaitsForItsVolumeAttachment() async throws {
        let node = try await Node(mounts: false)
        var sources = try Self.claimSources(attachRequired: nil)
        let name = StorageNames.attachmentName(volumeHandle: "vol-1", driver: Self.driverName, node: "n1")
        let error = await #expect(throws: VolumeError.self) { _ = try await node.setUp(try Self.pod(Self.claimVolume), sources) }
        #expect(error?.description == "Volume pv-1 is not attached to node n1 yet: waiting for VolumeAttachment \(name)")
        #expect(node.driver.calls.withLock { $0.staged.isEmpty })

        var attachment = VolumeAttachment(metadata: ObjectMeta(name: name), spec: VolumeAttachmentSpec(
            attacher: Self.driverName, nodeName: "n1", source: VolumeAttachmentSource(persistentVolumeName: "pv-1")))
        var status = VolumeAttachmentStatus(attached: true)
        status.attachmentMetadata = ["device": "/dev/vdb"]
        attachment.status = status
        sources.attachment = attachment
        _ = try await node.setUp(try Self.pod(Self.claimVolume), sources)
        #expect(node.driver.calls.withLock { $0.staged.first?.publishContext } == ["device": "/dev/vdb"])
        #expect(node.driver.calls.withLock { $0.published.first?.publishContext } == ["device": "/dev/vdb"])
        try await node.manager(sources).tearDown(node.sandbox)
        await node.driver.stop()
    }

    @Test func aResizeLeftToTheNodeIsFinishedOnTheNextRefresh() async throws {
        let node = try await Node(mounts: false)
        var sources = try Self.claimSources()
        let pod = try Self.pod(Self.claimVolume)
        let volumes = try await node.setUp(pod, sources)
        // The resizer grew the volume and left the file system to the node.
        sources.volume?.spec?.capacity = ["storage": "2Gi"]
        sources.claim?.status?.conditions = [Condition(type: "FileSystemResizePending", status: "True")]
        sources.claim?.status?.allocatedResourceStatuses = ["storage": "NodeResizePending"]
        let refreshed = try await node.manager(sources).setUp(pod, sandbox: node.sandbox,
                                                              fields: PodFields(pod: pod, podIP: nil, hostIP: nil, nodeName: "n1"), previous: volumes)
        #expect(refreshed.paths == volumes.paths)
        let expanded = try #require(node.driver.calls.withLock { $0.nodeExpanded.first })
        #expect(expanded.volumeID == "vol-1")
        #expect(expanded.volumePath == volumes.paths["data"])
        #expect(expanded.capacityRange?.requiredBytes == 2 << 30)
        #expect(expanded.stagingTargetPath.hasSuffix("/globalmount"))
        let written = try #require(sources.writes.claims.withLock { $0.first })
        #expect(written.status?.capacity?["storage"] == "2Gi")
        #expect(written.status?.conditions == nil)
        #expect(written.status?.allocatedResourceStatuses == nil)
        try await node.manager(sources).tearDown(node.sandbox)
        await node.driver.stop()
    }

    @Test func anUnregisteredDriverIsNamedAndNothingIsMade() async throws {
        let node = try await Node(mounts: false)
        node.registry.deregister(named: Self.driverName)
        let error = await #expect(throws: VolumeError.self) { _ = try await node.setUp(try Self.pod(Self.claimVolume), try Self.claimSources()) }
        #expect(error?.mountFailure == #"MountVolume.SetUp failed for volume "data" : kubernetes.io/csi: driver name csi.test.swiftkube.dev not found in the list of registered CSI drivers"#)
        #expect(!FileManager.default.fileExists(atPath: node.root + "/pods/pod-uid/volumes/kubernetes.io~csi"))
        await node.driver.stop()
    }

    @Test func anInlineVolumeIsPublishedWithThePodsInformation() async throws {
        let node = try await Node(mounts: false)
        let inline: JSONValue = ["name": "scratch", "csi": ["driver": .string(Self.driverName), "volumeAttributes": ["size": "1Mi"]]]
        let volumes = try await node.setUp(try Self.pod(inline), Sources())
        #expect(volumes.paths["scratch"] == node.root + "/pods/pod-uid/volumes/kubernetes.io~csi/scratch/mount")
        let calls = node.driver.calls.withLock { $0 }
        #expect(calls.staged.isEmpty)
        let published = try #require(calls.published.first)
        #expect(published.volumeID.hasPrefix("csi-") && published.volumeID.count == 68)
        #expect(published.volumeContext["csi.storage.k8s.io/ephemeral"] == "true")
        #expect(published.volumeContext["csi.storage.k8s.io/pod.name"] == "p")
        #expect(published.volumeContext["size"] == "1Mi")
        try await node.manager(Sources()).tearDown(node.sandbox)
        #expect(node.driver.calls.withLock { $0.unpublished.count } == 1)
        #expect(node.driver.calls.withLock { $0.unstaged.isEmpty })
        await node.driver.stop()
    }
}

/// The same with real bind mounts, as the hostpath driver makes them.
@Suite(.serialized, .requires(.root)) struct CSIMountTests {
    @Test func thePodSeesTheDriversVolumeAndNothingStaysMounted() async throws {
        let node = try await CSIVolumeTests.Node(mounts: true)
        try FileManager.default.createDirectory(atPath: node.driver.volumeDirectory("vol-1"), withIntermediateDirectories: true)
        try "hello".write(toFile: node.driver.volumeDirectory("vol-1") + "/greeting", atomically: true, encoding: .utf8)
        let sources = try CSIVolumeTests.claimSources()
        let volumes = try await node.setUp(try CSIVolumeTests.pod(CSIVolumeTests.claimVolume), sources)
        let target = try #require(volumes.paths["data"])
        #expect(MountPoint.isMountPoint(target))
        #expect(try String(contentsOfFile: target + "/greeting", encoding: .utf8) == "hello")
        let staging = try #require(node.driver.calls.withLock { $0.staged.first?.stagingTargetPath })
        #expect(MountPoint.isMountPoint(staging))

        // Removing the pod's tree now would delete the volume's data: refused.
        #expect(throws: VolumeError.self) { try VolumeManager.tearDown(node.sandbox) }
        try await node.manager(sources).tearDown(node.sandbox)
        #expect(!MountPoint.isMountPoint(target) && !MountPoint.isMountPoint(staging))
        #expect(!FileManager.default.fileExists(atPath: node.root + "/pods/pod-uid/volumes"))
        #expect(try String(contentsOfFile: node.driver.volumeDirectory("vol-1") + "/greeting", encoding: .utf8) == "hello")
        await node.driver.stop()
    }

    @Test func aDriverThatDiesMidPublishLeavesNothingMountedOnceThePodGoes() async throws {
        let node = try await CSIVolumeTests.Node(mounts: true)
        try FileManager.default.createDirectory(atPath: node.driver.volumeDirectory("vol-1"), withIntermediateDirectories: true)
        node.driver.crashAfterNext("NodePublishVolume")
        let sources = try CSIVolumeTests.claimSources()
        let error = await #expect(throws: VolumeError.self) { _ = try await node.setUp(try CSIVolumeTests.pod(CSIVolumeTests.claimVolume), sources) }
        #expect(error?.mountFailure == #"MountVolume.SetUp failed for volume "data" : rpc error: code = Unavailable desc = error reading from server: EOF"#)
        // The driver mounted before it died; the kubelet cannot know, and unpublishes anyway.
        let target = node.root + "/pods/pod-uid/volumes/kubernetes.io~csi/data/mount"
        #expect(MountPoint.isMountPoint(target))
        try await node.manager(sources).tearDown(node.sandbox)
        #expect(!MountPoint.isMountPoint(target))
        let staging = try #require(node.driver.calls.withLock { $0.staged.first?.stagingTargetPath })
        #expect(!MountPoint.isMountPoint(staging))
        #expect(!FileManager.default.fileExists(atPath: node.root + "/pods/pod-uid/volumes"))
        await node.driver.stop()
    }

    @Test func aDriverThatIsGoneKeepsThePodsVolumeUntilItIsBack() async throws {
        let node = try await CSIVolumeTests.Node(mounts: true)
        try FileManager.default.createDirectory(atPath: node.driver.volumeDirectory("vol-1"), withIntermediateDirectories: true)
        let sources = try CSIVolumeTests.claimSources()
        let volumes = try await node.setUp(try CSIVolumeTests.pod(CSIVolumeTests.claimVolume), sources)
        let target = try #require(volumes.paths["data"])
        await node.driver.stop()
        let error = await #expect(throws: VolumeError.self) { try await node.manager(sources).tearDown(node.sandbox) }
        #expect(error?.description.contains("UnmountVolume.TearDown failed for volume \"data\"") == true)
        #expect(MountPoint.isMountPoint(target))
        // Back: the next attempt finishes.
        try await node.driver.start(driverSocket: node.scratch.path + "/csi.sock")
        try await node.manager(sources).tearDown(node.sandbox)
        #expect(!MountPoint.isMountPoint(target))
        await node.driver.stop()
    }
}
