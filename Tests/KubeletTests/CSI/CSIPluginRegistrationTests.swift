import CSI
import Foundation
import KubeAPI
import Kubelet
import Synchronization
import TestSupport
import Testing

/// A CSINode in memory.
final class RecordingCSINodeWriter: CSINodeWriter {
    let drivers = Mutex<[CSINodeDriver]>([])

    let labels = Mutex<[String: String]>([:])

    func installDriver(_ driver: CSINodeDriver, topology: [String: String]) async throws {
        labels.withLock { $0.merge(topology) { _, new in new } }
        drivers.withLock { drivers in
            drivers.removeAll { $0.name == driver.name }
            drivers.append(driver)
        }
    }

    func uninstallDriver(named name: String) async throws {
        drivers.withLock { $0.removeAll { $0.name == name } }
    }
}

/// The statuses a test registrar was told.
final class StatusLog: Sendable {
    let statuses = Mutex<[PluginRegistration.RegistrationStatus]>([])
    var first: PluginRegistration.RegistrationStatus? { statuses.withLock { $0.first } }
}

/// Plugin registration through `plugins_registry` sockets, with a registrar
/// and a driver in Swift speaking the real protocols over Unix sockets.
@Suite struct CSIPluginRegistrationTests {
    /// Registration with the tests' generous call deadlines.
    static func registration(directory: String, registry: CSIDriverRegistry, nodeWriter: any CSINodeWriter) -> CSIPluginRegistration {
        CSIPluginRegistration(
            directory: directory, registry: registry, nodeWriter: nodeWriter,
            makeRegistrationClient: { try GRPCPluginRegistrationClient(socketPath: $0, timeout: TestCSIDriver.callTimeout) },
            makeNodeClient: { try GRPCCSIClient(endpoint: $0, timeout: TestCSIDriver.callTimeout) })
    }

    @Test func versionsOneXAreSupported() {
        #expect(CSIPluginRegistration.highestSupportedVersion(["1.0.0"]) == "1.0.0")
        #expect(CSIPluginRegistration.highestSupportedVersion(["0.3.0", "1.2.0", "v1.10.0", "2.0.0"]) == "v1.10.0")
        #expect(CSIPluginRegistration.highestSupportedVersion(["0.3.0", "2.0.0"]) == nil)
        #expect(CSIPluginRegistration.highestSupportedVersion(["one"]) == nil)
        #expect(CSIPluginRegistration.highestSupportedVersion([]) == nil)
    }

    @Test func aRegisteredDriverIsInTheCSINodeAsUpstreamWritesIt() {
        let driver = CSIRegisteredDriver(
            name: "hostpath.csi.k8s.io", endpoint: CSIEndpoint(socketPath: "/csi/csi.sock"), supportedVersions: ["1.0.0"],
            registrationSocket: "/reg.sock", nodeID: "n1", maxVolumesPerNode: 0, accessibleTopology: ["zone": "a", "node": "n1"])
        var expected = CSINodeDriver(name: "hostpath.csi.k8s.io", nodeID: "n1")
        expected.topologyKeys = ["node", "zone"]
        #expect(driver.csiNodeDriver == expected)
        var limited = driver
        limited.maxVolumesPerNode = 8
        limited.accessibleTopology = [:]
        #expect(limited.csiNodeDriver.allocatable?.count == 8)
        #expect(limited.csiNodeDriver.topologyKeys == nil)
    }

    @Test func aSocketRegistersItsDriverAndItsRemovalDeregistersIt() async throws {
        let scratch = ScratchDirectory("csi-reg")
        let registryDirectory = scratch.path + "/plugins_registry"
        try FileManager.default.createDirectory(atPath: registryDirectory, withIntermediateDirectories: true)
        let driverSocket = scratch.path + "/csi.sock"
        let registrationSocket = registryDirectory + "/csi.test.swiftkube.dev-reg.sock"
        let driver = TestCSIDriver(TestCSIDriver.Options())
        try await driver.start(driverSocket: driverSocket, registrationSocket: registrationSocket)

        let registry = CSIDriverRegistry()
        let writer = RecordingCSINodeWriter()
        let registration = Self.registration(directory: registryDirectory, registry: registry, nodeWriter: writer)
        await registration.scan()

        let registered = try #require(registry.driver(named: "csi.test.swiftkube.dev"))
        #expect(registered.endpoint == CSIEndpoint(socketPath: driverSocket))
        #expect(registered.nodeID == "node-1")
        #expect(registered.registrationSocket == registrationSocket)
        var expected = CSINodeDriver(name: "csi.test.swiftkube.dev", nodeID: "node-1")
        expected.topologyKeys = ["topology.test.csi/node"]
        var allocatable = VolumeNodeResources()
        allocatable.count = 16
        expected.allocatable = allocatable
        #expect(writer.drivers.withLock { $0 } == [expected])
        #expect(writer.labels.withLock { $0 } == ["topology.test.csi/node": "node-1"])
        #expect(driver.calls.withLock { $0.registrationStatus.map(\.pluginRegistered) } == [true])

        // A second pass with nothing changed registers nothing again.
        await registration.scan()
        #expect(driver.calls.withLock { $0.registrationStatus.count } == 1)

        // The plugin exits: its sockets go, and so does the driver.
        await driver.stop()
        try? FileManager.default.removeItem(atPath: registrationSocket)
        await registration.scan()
        #expect(registry.driver(named: "csi.test.swiftkube.dev") == nil)
        #expect(writer.drivers.withLock { $0 }.isEmpty)
    }

    /// A registrar that answers GetInfo with `info` and records the status it is told.
    static func registrar(_ info: PluginRegistration.PluginInfo, statuses: StatusLog, socket: String) -> Task<Void, Never> {
        var service = GRPCUnaryService()
        service.on(CSIMethods.registrationGetInfo) { _ in info }
        service.on(CSIMethods.notifyRegistrationStatus) { [statuses] status in
            statuses.statuses.withLock { $0.append(status) }
            return EmptyMessage()
        }
        return Task { try? await service.serve(socketPath: socket) }
    }

    static func waitForSocket(_ path: String) async throws {
        for _ in 0..<24_000 where !FileManager.default.fileExists(atPath: path) { try await Task.sleep(for: .milliseconds(25)) }
    }

    @Test func aPluginOfAnotherTypeOrVersionIsRefusedAndTold() async throws {
        let scratch = ScratchDirectory("csi-reg")
        let registry = CSIDriverRegistry()
        let writer = RecordingCSINodeWriter()
        let registration = Self.registration(directory: scratch.path, registry: registry, nodeWriter: writer)

        let deviceStatuses = StatusLog()
        let deviceSocket = scratch.path + "/gpu.sock"
        let device = Self.registrar(.init(type: "DevicePlugin", name: "example.com/gpu", endpoint: "", supportedVersions: ["v1beta1"]),
                                    statuses: deviceStatuses, socket: deviceSocket)
        try await Self.waitForSocket(deviceSocket)
        let typeError = try await #require(throws: CSIRegistrationError.self) { try await registration.register(socketPath: deviceSocket) }
        #expect(typeError == .unsupportedType("DevicePlugin"))
        let status = try #require(deviceStatuses.first)
        #expect(status.pluginRegistered == false)
        #expect(status.error.contains("plugin type \"DevicePlugin\" is not supported"))
        device.cancel()

        let oldStatuses = StatusLog()
        let oldSocket = scratch.path + "/old.sock"
        let old = Self.registrar(.init(type: "CSIPlugin", name: "old.csi.example.com", endpoint: "", supportedVersions: ["0.3.0"]),
                                 statuses: oldStatuses, socket: oldSocket)
        try await Self.waitForSocket(oldSocket)
        let versionError = try await #require(throws: CSIRegistrationError.self) { try await registration.register(socketPath: oldSocket) }
        #expect(versionError == .unsupportedVersions(driver: "old.csi.example.com", versions: ["0.3.0"]))
        #expect(oldStatuses.first?.pluginRegistered == false)
        old.cancel()

        #expect(registry.all.isEmpty)
        #expect(writer.drivers.withLock { $0 }.isEmpty)
        await device.value
        await old.value
    }

    @Test func aDriverThatDoesNotAnswerIsNotRegistered() async throws {
        let scratch = ScratchDirectory("csi-reg")
        let statuses = StatusLog()
        let socket = scratch.path + "/reg.sock"
        let registrar = Self.registrar(.init(type: "CSIPlugin", name: "gone.csi.example.com", endpoint: scratch.path + "/no-driver.sock",
                                             supportedVersions: ["1.0.0"]), statuses: statuses, socket: socket)
        try await Self.waitForSocket(socket)
        let registry = CSIDriverRegistry()
        let registration = Self.registration(directory: scratch.path, registry: registry, nodeWriter: RecordingCSINodeWriter())
        let error = try await #require(throws: CSIError.self) { try await registration.register(socketPath: socket) }
        #expect(error.method == "csi.v1.Node/NodeGetInfo")
        #expect(error.code == .unavailable)
        #expect(statuses.first?.pluginRegistered == false)
        #expect(registry.all.isEmpty)
        registrar.cancel()
        await registrar.value
    }
}
