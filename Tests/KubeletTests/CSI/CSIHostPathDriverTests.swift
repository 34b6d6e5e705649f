import CSI
import Foundation
@testable import Kubelet
import KubeAPI
import LinuxSystem
import TestSupport
import Testing

/// The upstream CSI hostpath driver (kubernetes-csi/csi-driver-host-path),
/// built outside this repository: `CSI_HOSTPATH_PLUGIN`, else
/// `~/.cache/swiftkube/csi/hostpathplugin`, else `hostpathplugin` on PATH.
enum HostPathDriver {
    static var binary: String? {
        if let path = ProcessInfo.processInfo.environment["CSI_HOSTPATH_PLUGIN"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let cached = NSHomeDirectory() + "/.cache/swiftkube/csi/hostpathplugin"
        if FileManager.default.isExecutableFile(atPath: cached) { return cached }
        return TestPaths.which("hostpathplugin")
    }

    /// kubernetes-csi/node-driver-registrar, found the same way
    /// (`CSI_NODE_DRIVER_REGISTRAR`, the cache, PATH).
    static var registrar: String? {
        if let path = ProcessInfo.processInfo.environment["CSI_NODE_DRIVER_REGISTRAR"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let cached = NSHomeDirectory() + "/.cache/swiftkube/csi/csi-node-driver-registrar"
        if FileManager.default.isExecutableFile(atPath: cached) { return cached }
        return TestPaths.which("csi-node-driver-registrar")
    }
}

/// A program running beside a test, its output in a log file; `stop()`
/// (also on deinit) sends SIGTERM and waits.
final class BackgroundProgram {
    let process = Process()
    let logPath: String
    private let log: FileHandle

    init(_ binary: String, _ arguments: [String], logPath: String) throws {
        self.logPath = logPath
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    var output: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    deinit {
        stop()
        try? log.close()
    }
}

extension TestRequirement {
    /// The upstream node-driver-registrar's binary.
    static let csiNodeDriverRegistrar = TestRequirement(
        "the CSI node-driver-registrar binary (CSI_NODE_DRIVER_REGISTRAR or ~/.cache/swiftkube/csi/csi-node-driver-registrar; see docs/storage.md, CSI)"
    ) { HostPathDriver.registrar != nil }

    /// The upstream CSI hostpath driver's binary.
    static let csiHostPathDriver = TestRequirement(
        "the CSI hostpath driver binary (CSI_HOSTPATH_PLUGIN or ~/.cache/swiftkube/csi/hostpathplugin; see docs/storage.md, CSI)"
    ) { HostPathDriver.binary != nil }
}

/// The CSI client against the real hostpath driver: CreateVolume through its
/// controller, stage and publish into a target directory (a bind mount, so
/// root), write, then unpublish, unstage and delete, leaving no mount.
@Suite(.requires(.root, .csiHostPathDriver), .serialized)
struct CSIHostPathDriverTests {
    static let driverName = "hostpath.csi.k8s.io"
    static let nodeID = "swiftkube-csi-node"

    @Test func provisionStagePublishWriteAndTearDown() async throws {
        let binary = try #require(HostPathDriver.binary)
        let scratch = ScratchDirectory("csi-hostpath")
        let socket = scratch.path + "/csi.sock"
        let stateDirectory = scratch.path + "/state"
        let logPath = scratch.path + "/driver.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let driver = Process()
        driver.executableURL = URL(fileURLWithPath: binary)
        driver.arguments = ["--endpoint", "unix://" + socket, "--nodeid", Self.nodeID, "--drivername", Self.driverName,
                            "--statedir", stateDirectory, "--v", "4"]
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        driver.standardOutput = log
        driver.standardError = log
        try driver.run()
        defer {
            if driver.isRunning {
                driver.terminate()
                driver.waitUntilExit()
            }
            try? log.close()
        }
        // Dial once the driver listens: a connection that failed waits out its backoff.
        try #require(eventually(seconds: 20) { FileManager.default.fileExists(atPath: socket) }, "the driver made no socket")
        let client = try GRPCCSIClient(endpoint: CSIEndpoint(socketPath: socket), timeout: TestCSIDriver.callTimeout)
        do {
            try await exercise(client, scratch: scratch, stateDirectory: stateDirectory, socket: socket)
        } catch {
            Issue.record("the hostpath driver's log:\n\((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "")")
            await client.close()
            throw error
        }
        await client.close()
    }

    private func exercise(_ client: GRPCCSIClient, scratch: ScratchDirectory, stateDirectory: String, socket: String) async throws {
        #expect(try await client.getPluginInfo().name == Self.driverName)
        #expect(try await client.probe().isReady)
        #expect(try await client.controllerGetCapabilities().capabilities.contains(.createDeleteVolume))
        let info = try await client.nodeGetInfo()
        #expect(info.nodeID == Self.nodeID)
        #expect(info.accessibleTopology?.segments["topology.hostpath.csi/node"] == Self.nodeID)
        let stages = try await client.nodeGetCapabilities().capabilities.contains(.stageUnstageVolume)

        let capability = CSIv1.VolumeCapability(.mount(.init()), accessMode: .singleNodeWriter)
        var create = CSIv1.CreateVolumeRequest()
        create.name = "pvc-swiftkube-csi-test"
        create.capacityRange = .init(requiredBytes: 1 << 20)
        create.volumeCapabilities = [capability]
        let volume = try #require(try await client.createVolume(create).volume)
        #expect(!volume.volumeID.isEmpty)
        #expect(volume.capacityBytes >= 1 << 20)

        // As the kubelet lays them out: the global staging directory it makes,
        // the pod's volume directory whose parent it makes.
        let staging = scratch.path + "/plugins/kubernetes.io/csi/\(Self.driverName)/global/globalmount"
        let target = scratch.path + "/pods/uid-1/volumes/kubernetes.io~csi/pv-1/mount"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)

        if stages {
            var stage = CSIv1.NodeStageVolumeRequest()
            stage.volumeID = volume.volumeID
            stage.stagingTargetPath = staging
            stage.volumeCapability = capability
            stage.volumeContext = volume.volumeContext
            try await client.nodeStageVolume(stage)
        }
        var publish = CSIv1.NodePublishVolumeRequest()
        publish.volumeID = volume.volumeID
        if stages { publish.stagingTargetPath = staging }
        publish.targetPath = target
        publish.volumeCapability = capability
        publish.volumeContext = volume.volumeContext
        try await client.nodePublishVolume(publish)
        #expect(MountPoint.isMountPoint(target))

        try "written through the CSI mount\n".write(toFile: target + "/data.txt", atomically: false, encoding: .utf8)
        #expect(try String(contentsOfFile: target + "/data.txt", encoding: .utf8) == "written through the CSI mount\n")
        // The bind mount reaches the driver's own directory for the volume.
        let backing = try FileManager.default.subpathsOfDirectory(atPath: stateDirectory).filter { $0.hasSuffix("/data.txt") }
        #expect(backing.count == 1)

        #expect(try await client.nodeGetVolumeStats(CSIv1.NodeGetVolumeStatsRequest(volumeID: volume.volumeID, volumePath: target)).usage.isEmpty == false)

        // Expansion as the resizer and then the kubelet do it.
        var controllerExpand = CSIv1.ControllerExpandVolumeRequest()
        controllerExpand.volumeID = volume.volumeID
        controllerExpand.capacityRange = .init(requiredBytes: 2 << 20)
        controllerExpand.volumeCapability = capability
        let expanded = try await client.controllerExpandVolume(controllerExpand)
        #expect(expanded.capacityBytes >= 2 << 20)
        if expanded.nodeExpansionRequired {
            var nodeExpand = CSIv1.NodeExpandVolumeRequest()
            nodeExpand.volumeID = volume.volumeID
            nodeExpand.volumePath = target
            nodeExpand.capacityRange = .init(requiredBytes: 2 << 20)
            nodeExpand.volumeCapability = capability
            _ = try await client.nodeExpandVolume(nodeExpand)
        }
        // Without --enable-attach the driver has no attach step: ControllerPublishVolume is refused.
        var attach = CSIv1.ControllerPublishVolumeRequest()
        attach.volumeID = volume.volumeID
        attach.nodeID = Self.nodeID
        attach.volumeCapability = capability
        let attachError = try await #require(throws: CSIError.self) { _ = try await client.controllerPublishVolume(attach) }
        #expect(attachError.code == .unimplemented)
        #expect(attachError.method == "csi.v1.Controller/ControllerPublishVolume")

        try await client.nodeUnpublishVolume(CSIv1.NodeUnpublishVolumeRequest(volumeID: volume.volumeID, targetPath: target))
        if stages {
            try await client.nodeUnstageVolume(CSIv1.NodeUnstageVolumeRequest(volumeID: volume.volumeID, stagingTargetPath: staging))
        }
        try await client.deleteVolume(CSIv1.DeleteVolumeRequest(volumeID: volume.volumeID))

        #expect(!MountPoint.isMountPoint(target) && !MountPoint.isMountPoint(staging))
        #expect(FileManager.default.fileExists(atPath: target + "/data.txt") == false)
        let left = try FileManager.default.subpathsOfDirectory(atPath: stateDirectory).filter { $0.hasSuffix("/data.txt") }
        #expect(left.isEmpty)
    }

    /// The kubelet's volume plugin with the real driver: a volume the driver
    /// made is staged and published for a pod, written, and torn down.
    @Test func theKubeletStagesPublishesAndTearsDownAVolumeOfTheDriver() async throws {
        let binary = try #require(HostPathDriver.binary)
        let scratch = ScratchDirectory("csi-hostpath-kubelet")
        let socket = scratch.path + "/csi.sock"
        let driver = try BackgroundProgram(binary, [
            "--endpoint", "unix://" + socket, "--nodeid", Self.nodeID, "--drivername", Self.driverName, "--statedir", scratch.path + "/state",
        ], logPath: scratch.path + "/driver.log")
        defer { driver.stop() }
        try #require(eventually(seconds: 20) { FileManager.default.fileExists(atPath: socket) }, "the driver made no socket")
        let client = try GRPCCSIClient(endpoint: CSIEndpoint(socketPath: socket), timeout: TestCSIDriver.callTimeout)
        defer { Task { await client.close() } }
        var create = CSIv1.CreateVolumeRequest()
        create.name = "pvc-swiftkube-kubelet-test"
        create.capacityRange = .init(requiredBytes: 1 << 20)
        create.volumeCapabilities = [CSIv1.VolumeCapability(.mount(.init()), accessMode: .singleNodeWriter)]
        let volume = try #require(try await client.createVolume(create).volume)

        let registry = CSIDriverRegistry()
        registry.register(CSIRegisteredDriver(name: Self.driverName, endpoint: CSIEndpoint(socketPath: socket), supportedVersions: ["1.0.0"],
                                              registrationSocket: "", nodeID: Self.nodeID))
        let sources = try CSIVolumeTests.claimSources(handle: volume.volumeID, driverName: Self.driverName, attributes: volume.volumeContext)
        let manager = VolumeManager(sources: sources, csi: CSIVolumePlugin(registry: registry, rootDirectory: scratch.path + "/kubelet", nodeName: "n1",
                                                                                 makeClient: { try GRPCCSIClient(endpoint: $0, timeout: TestCSIDriver.callTimeout) }))
        let sandbox = Sandbox(podUID: "pod-uid", name: "p", namespace: "ns", directory: scratch.path + "/kubelet/pods/pod-uid", pinned: [:],
                              hostNetwork: false, hostIPC: false, hostPID: false, ip: nil, cgroupParent: "", hostname: "p", created: "")
        let pod = try CSIVolumeTests.pod(CSIVolumeTests.claimVolume)
        do {
            let volumes = try await manager.setUp(pod, sandbox: sandbox, fields: PodFields(pod: pod, podIP: nil, hostIP: nil, nodeName: "n1"))
            let target = try #require(volumes.paths["data"])
            #expect(MountPoint.isMountPoint(target))
            try "from the pod\n".write(toFile: target + "/f", atomically: false, encoding: .utf8)
            let backing = try FileManager.default.subpathsOfDirectory(atPath: scratch.path + "/state").filter { $0.hasSuffix("/f") }
            #expect(backing.count == 1)
            try await manager.tearDown(sandbox)
        } catch {
            Issue.record("the hostpath driver's log:\n\(driver.output)")
            throw error
        }
        // Unstaged: the volume's staging directory is gone.
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: scratch.path + "/kubelet/plugins/kubernetes.io/csi/\(Self.driverName)")) ?? []).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/kubelet/pods/pod-uid/volumes"))
        try await client.deleteVolume(CSIv1.DeleteVolumeRequest(volumeID: volume.volumeID))
    }

    /// Registration as in a cluster: the node-driver-registrar beside the
    /// driver puts its socket in plugins_registry, the kubelet's registration
    /// finds it, and the driver lands in the registry and the CSINode; the
    /// registrar gone, the driver is removed.
    @Test(.requires(.csiNodeDriverRegistrar))
    func theNodeDriverRegistrarRegistersTheDriver() async throws {
        let driverBinary = try #require(HostPathDriver.binary)
        let registrarBinary = try #require(HostPathDriver.registrar)
        let scratch = ScratchDirectory("csi-registrar")
        let socket = scratch.path + "/csi.sock"
        let registryDirectory = scratch.path + "/plugins_registry"
        try FileManager.default.createDirectory(atPath: registryDirectory, withIntermediateDirectories: true)
        let driver = try BackgroundProgram(driverBinary, [
            "--endpoint", "unix://" + socket, "--nodeid", Self.nodeID, "--drivername", Self.driverName,
            "--statedir", scratch.path + "/state",
        ], logPath: scratch.path + "/driver.log")
        defer { driver.stop() }
        try #require(eventually(seconds: 20) { FileManager.default.fileExists(atPath: socket) }, "the driver made no socket")
        let registrar = try BackgroundProgram(registrarBinary, [
            "--csi-address", socket, "--kubelet-registration-path", socket,
            "--plugin-registration-path", registryDirectory, "--timeout", "10s", "--v", "4",
        ], logPath: scratch.path + "/registrar.log")
        defer { registrar.stop() }

        let registry = CSIDriverRegistry()
        let writer = RecordingCSINodeWriter()
        let registration = CSIPluginRegistrationTests.registration(directory: registryDirectory, registry: registry, nodeWriter: writer)
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(300)
        while registry.driver(named: Self.driverName) == nil, clock.now < deadline, registrar.process.isRunning {
            await registration.scan()
            try await Task.sleep(for: .milliseconds(200))
        }
        let registered = try #require(registry.driver(named: Self.driverName), "not registered; the registrar's log:\n\(registrar.output)")
        #expect(registered.endpoint == CSIEndpoint(socketPath: socket))
        #expect(registered.nodeID == Self.nodeID)
        #expect(registered.registrationSocket == registryDirectory + "/\(Self.driverName)-reg.sock")
        let entry = try #require(writer.drivers.withLock { $0.first })
        #expect(entry.name == Self.driverName)
        #expect(entry.nodeID == Self.nodeID)
        #expect(entry.topologyKeys == ["topology.hostpath.csi/node"])
        // Told it was registered, the registrar stays up (it exits on a refusal).
        try await Task.sleep(for: .seconds(1))
        #expect(registrar.process.isRunning, "the registrar exited:\n\(registrar.output)")

        registrar.stop()
        try? FileManager.default.removeItem(atPath: registered.registrationSocket)
        await registration.scan()
        #expect(registry.driver(named: Self.driverName) == nil)
        #expect(writer.drivers.withLock { $0 }.isEmpty)
    }
}
