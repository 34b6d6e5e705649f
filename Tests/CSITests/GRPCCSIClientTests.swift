import CSI
import GRPCCore
import TestSupport
import Testing

/// The CSI client over a real Unix socket against a driver in Swift that
/// speaks the protocol (no root, no upstream binary).
@Suite struct GRPCCSIClientTests {
    @Test func endpointsParseAsTheKubeletAccepts() {
        #expect(CSIEndpoint("unix:///csi/csi.sock")?.socketPath == "/csi/csi.sock")
        #expect(CSIEndpoint("unix:/csi/csi.sock")?.socketPath == "/csi/csi.sock")
        #expect(CSIEndpoint("/csi/csi.sock")?.socketPath == "/csi/csi.sock")
        #expect(CSIEndpoint("tcp://127.0.0.1:10000") == nil)
        #expect(CSIEndpoint("csi.sock") == nil)
        #expect(CSIEndpoint(socketPath: "/csi/csi.sock").description == "unix:///csi/csi.sock")
    }

    @Test func identityNodeAndControllerCallsReachTheDriver() async throws {
        let scratch = ScratchDirectory("csi-client")
        let driver = TestCSIDriver(TestCSIDriver.Options())
        try await driver.start(driverSocket: scratch.path + "/csi.sock")
        let client = try GRPCCSIClient(endpoint: CSIEndpoint(socketPath: scratch.path + "/csi.sock"), timeout: TestCSIDriver.callTimeout)

        #expect(try await client.getPluginInfo().name == "csi.test.swiftkube.dev")
        #expect(try await client.probe().isReady)
        #expect(try await client.getPluginCapabilities().capabilities.contains(.controllerService))
        let info = try await client.nodeGetInfo()
        #expect(info.nodeID == "node-1")
        #expect(info.maxVolumesPerNode == 16)
        #expect(info.accessibleTopology?.segments["topology.test.csi/node"] == "node-1")
        #expect(try await client.nodeGetCapabilities().capabilities == [.stageUnstageVolume, .getVolumeStats, .expandVolume])
        #expect(try await client.controllerGetCapabilities().capabilities == [.createDeleteVolume, .expandVolume])

        var create = CSIv1.CreateVolumeRequest()
        create.name = "pvc-1"
        create.capacityRange = .init(requiredBytes: 1 << 20)
        let volume = try #require(try await client.createVolume(create).volume)
        #expect(volume.volumeID == "vol-pvc-1")
        #expect(volume.capacityBytes == 1 << 20)

        var stage = CSIv1.NodeStageVolumeRequest()
        stage.volumeID = volume.volumeID
        stage.stagingTargetPath = "/staging"
        stage.volumeCapability = CSIv1.VolumeCapability(.mount(.init(fsType: "ext4")), accessMode: .singleNodeWriter)
        stage.secrets = ["password": "s3cret"]
        try await client.nodeStageVolume(stage)
        var publish = CSIv1.NodePublishVolumeRequest()
        publish.volumeID = volume.volumeID
        publish.stagingTargetPath = "/staging"
        publish.targetPath = "/target"
        publish.readonly = true
        try await client.nodePublishVolume(publish)
        let stats = try await client.nodeGetVolumeStats(CSIv1.NodeGetVolumeStatsRequest(volumeID: volume.volumeID, volumePath: "/target"))
        #expect(stats.usage.first?.used == 4096)
        #expect(stats.usage.last?.unit == .inodes)
        try await client.nodeUnpublishVolume(CSIv1.NodeUnpublishVolumeRequest(volumeID: volume.volumeID, targetPath: "/target"))
        try await client.nodeUnstageVolume(CSIv1.NodeUnstageVolumeRequest(volumeID: volume.volumeID, stagingTargetPath: "/staging"))
        try await client.deleteVolume(CSIv1.DeleteVolumeRequest(volumeID: volume.volumeID))

        let calls = driver.calls.withLock { $0 }
        #expect(calls.created == [create])
        #expect(calls.staged == [stage])
        #expect(calls.published == [publish])
        #expect(calls.unpublished.map(\.targetPath) == ["/target"])
        #expect(calls.unstaged.map(\.stagingTargetPath) == ["/staging"])
        #expect(calls.deleted == ["vol-pvc-1"])
        await client.close()
        await driver.stop()
    }

    @Test func driverErrorsCarryTheStatusCodeAndMessage() async throws {
        let scratch = ScratchDirectory("csi-client")
        var options = TestCSIDriver.Options()
        options.controller = false
        let driver = TestCSIDriver(options)
        try await driver.start(driverSocket: scratch.path + "/csi.sock")
        let client = try GRPCCSIClient(endpoint: CSIEndpoint(socketPath: scratch.path + "/csi.sock"), timeout: TestCSIDriver.callTimeout)
        driver.failNext("NodeStageVolume", code: .notFound, message: "volume id missing does not exist in the volumes list")
        let error = try await #require(throws: CSIError.self) { try await client.nodeStageVolume(CSIv1.NodeStageVolumeRequest()) }
        #expect(error.code == .notFound)
        #expect(error.code.isFinal)
        #expect(error.method == "csi.v1.Node/NodeStageVolume")
        #expect(error.message == "volume id missing does not exist in the volumes list")
        #expect(error.description.contains("rpc error: code = NotFound desc = volume id missing"))
        // No Controller service: gRPC answers Unimplemented.
        let unimplemented = try await #require(throws: CSIError.self) { try await client.controllerGetCapabilities() }
        #expect(unimplemented.code == .unimplemented)
        await client.close()
        await driver.stop()
    }

    @Test func aMissingSocketFailsAsUnavailable() async throws {
        let scratch = ScratchDirectory("csi-client")
        let client = try GRPCCSIClient(endpoint: CSIEndpoint(socketPath: scratch.path + "/absent.sock"), timeout: TestCSIDriver.callTimeout)
        let error = try await #require(throws: CSIError.self) { _ = try await client.nodeGetInfo() }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("dial unix \(scratch.path)/absent.sock: connect: no such file or directory"))
        #expect(error.endpoint == scratch.path + "/absent.sock")
        #expect(error.code.isFinal == false)
        await client.close()
    }

    @Test func theRegistrationServiceAnswersGetInfoAndRecordsTheStatus() async throws {
        let scratch = ScratchDirectory("csi-client")
        let driver = TestCSIDriver(TestCSIDriver.Options())
        try await driver.start(driverSocket: scratch.path + "/csi.sock", registrationSocket: scratch.path + "/reg.sock")
        let registrar = try GRPCPluginRegistrationClient(socketPath: scratch.path + "/reg.sock", timeout: TestCSIDriver.callTimeout)
        let info = try await registrar.getInfo()
        #expect(info.type == "CSIPlugin")
        #expect(info.endpoint == scratch.path + "/csi.sock")
        #expect(info.supportedVersions == ["1.0.0"])
        try await registrar.notifyRegistrationStatus(registered: false, error: "no")
        #expect(driver.calls.withLock { $0.registrationStatus } == [PluginRegistration.RegistrationStatus(pluginRegistered: false, error: "no")])
        await registrar.close()
        await driver.stop()
    }
}
