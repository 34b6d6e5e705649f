public import CSI
public import GRPCCore
import LinuxSystem
public import Synchronization
import Foundation

/// A CSI driver in Swift that speaks the real protocol over Unix sockets,
/// for tests that cannot have the upstream hostpath driver (CI has no Go
/// toolchain source for it): Identity, Node, optionally Controller, and a
/// registration socket in the node-driver-registrar's place.
///
/// With `mounts`, it behaves like the hostpath driver: CreateVolume makes a
/// directory under its root, NodeStageVolume bind-mounts it at the staging
/// path and NodePublishVolume at the target path (root only). Without, it
/// only records the calls. `failNext` makes the next call of a method fail
/// with a gRPC status, as a crashed or broken driver would answer.
public final class TestCSIDriver: Sendable {
    /// What the driver offers.
    public struct Options: Sendable {
        public var name = "csi.test.swiftkube.dev"
        public var nodeID = "node-1"
        /// The topology key NodeGetInfo reports, `<key>: nodeID`.
        public var topologyKey = "topology.test.csi/node"
        public var controller = true
        public var attach = false
        public var stageUnstage = true
        public var expand = true
        public var mounts = false
        /// The directory the driver keeps its volumes in.
        public var root = ""
        public init() {}
    }

    /// The calls the driver answered.
    public struct Calls: Sendable {
        public var created: [CSIv1.CreateVolumeRequest] = []
        public var deleted: [String] = []
        public var controllerPublished: [CSIv1.ControllerPublishVolumeRequest] = []
        public var controllerUnpublished: [CSIv1.ControllerUnpublishVolumeRequest] = []
        public var controllerExpanded: [CSIv1.ControllerExpandVolumeRequest] = []
        public var staged: [CSIv1.NodeStageVolumeRequest] = []
        public var unstaged: [CSIv1.NodeUnstageVolumeRequest] = []
        public var published: [CSIv1.NodePublishVolumeRequest] = []
        public var unpublished: [CSIv1.NodeUnpublishVolumeRequest] = []
        public var nodeExpanded: [CSIv1.NodeExpandVolumeRequest] = []
        public var registrationStatus: [PluginRegistration.RegistrationStatus] = []
    }

    /// The deadline tests give their calls: generous, because a test process
    /// running hundreds of tests on two cores can stall for minutes, and a
    /// deadline that expires then is not the behaviour under test.
    public static let callTimeout: Duration = .seconds(600)

    public let options: Options
    public let calls = Mutex(Calls())
    private let failures = Mutex<[String: RPCError]>([:])
    private let tasks = Mutex<[Task<Void, Never>]>([])
    private let executors = Mutex<[ThreadTaskExecutor]>([])

    public init(_ options: Options) {
        self.options = options
    }

    /// Makes the next call of `method` (`NodePublishVolume`) fail with `code` and `message`.
    public func failNext(_ method: String, code: RPCError.Code, message: String) {
        failures.withLock { $0[method] = RPCError(code: code, message: message) }
    }

    /// Makes the next call of `method` do its work and then fail as a
    /// driver that dies before answering (Unavailable): the caller cannot
    /// know whether it happened.
    public func crashAfterNext(_ method: String) {
        failures.withLock { $0["after:" + method] = RPCError(code: .unavailable, message: "error reading from server: EOF") }
    }

    private func check(_ method: String) throws {
        if let error = failures.withLock({ $0.removeValue(forKey: method) }) { throw error }
    }

    private func crashIfAsked(_ method: String) throws {
        if let error = failures.withLock({ $0.removeValue(forKey: "after:" + method) }) { throw error }
    }

    /// The directory of volume `id` under the driver's root.
    public func volumeDirectory(_ id: String) -> String { options.root + "/volumes/" + id }

    /// Serves the driver on `driverSocket` and, when given, the registration
    /// service on `registrationSocket`; returns once both accept connections.
    ///
    /// The servers run on a thread of their own: the kubelet and the control
    /// plane call them from other processes while a test may block the
    /// cooperative pool (synchronous waits in this or other tests), and a
    /// starved pool would leave their calls unanswered until the deadline.
    public func start(driverSocket: String, registrationSocket: String? = nil) async throws {
        let executor = try ThreadTaskExecutor()
        executors.withLock { $0.append(executor) }
        let driver = service()
        tasks.withLock { $0.append(Task(executorPreference: executor) { try? await driver.serve(socketPath: driverSocket) }) }
        var sockets = [driverSocket]
        if let registrationSocket {
            let registrar = registration(endpoint: driverSocket)
            tasks.withLock { $0.append(Task(executorPreference: executor) { try? await registrar.serve(socketPath: registrationSocket) }) }
            sockets.append(registrationSocket)
        }
        // Bounded generously: a loaded test process can stall for minutes.
        for socket in sockets {
            for _ in 0..<24_000 where !FileManager.default.fileExists(atPath: socket) {
                try await Task.sleep(for: .milliseconds(25))
            }
        }
    }

    /// Stops serving (the sockets are removed), as a driver that exits.
    public func stop() async {
        let running = tasks.withLock { tasks in defer { tasks = [] }; return tasks }
        for task in running { task.cancel() }
        for task in running { await task.value }
        for executor in executors.withLock({ e in defer { e = [] }; return e }) { executor.shutdown() }
    }

    func registration(endpoint: String) -> GRPCUnaryService {
        var service = GRPCUnaryService()
        service.on(CSIMethods.registrationGetInfo) { [options] _ in
            PluginRegistration.PluginInfo(type: "CSIPlugin", name: options.name, endpoint: endpoint, supportedVersions: ["1.0.0"])
        }
        service.on(CSIMethods.notifyRegistrationStatus) { [self] status in
            calls.withLock { $0.registrationStatus.append(status) }
            return EmptyMessage()
        }
        return service
    }

    func service() -> GRPCUnaryService {
        var s = GRPCUnaryService()
        let options = options
        s.on(CSIMethods.getPluginInfo) { _ in CSIv1.GetPluginInfoResponse(name: options.name, vendorVersion: "0.1.0") }
        s.on(CSIMethods.getPluginCapabilities) { _ in
            CSIv1.GetPluginCapabilitiesResponse(capabilities: options.controller
                ? [.controllerService, .volumeAccessibilityConstraints, .onlineExpansion] : [.volumeAccessibilityConstraints])
        }
        s.on(CSIMethods.probe) { _ in CSIv1.ProbeResponse(ready: true) }
        s.on(CSIMethods.nodeGetInfo) { _ in
            CSIv1.NodeGetInfoResponse(nodeID: options.nodeID, maxVolumesPerNode: 16,
                                      accessibleTopology: CSIv1.Topology(segments: [options.topologyKey: options.nodeID]))
        }
        s.on(CSIMethods.nodeGetCapabilities) { _ in
            var capabilities: Set<CSIv1.NodeCapability> = [.getVolumeStats]
            if options.stageUnstage { capabilities.insert(.stageUnstageVolume) }
            if options.expand { capabilities.insert(.expandVolume) }
            return CSIv1.NodeGetCapabilitiesResponse(capabilities: capabilities)
        }
        s.on(CSIMethods.nodeStageVolume) { [self] request in
            try check("NodeStageVolume")
            if options.mounts {
                try bind(volumeDirectory(request.volumeID), onto: request.stagingTargetPath, readOnly: false)
            }
            calls.withLock { $0.staged.append(request) }
            return EmptyMessage()
        }
        s.on(CSIMethods.nodeUnstageVolume) { [self] request in
            try check("NodeUnstageVolume")
            if options.mounts { try unbind(request.stagingTargetPath, remove: false) }
            calls.withLock { $0.unstaged.append(request) }
            return EmptyMessage()
        }
        s.on(CSIMethods.nodePublishVolume) { [self] request in
            try check("NodePublishVolume")
            if options.mounts {
                let source = options.stageUnstage ? request.stagingTargetPath : volumeDirectory(request.volumeID)
                try bind(source, onto: request.targetPath, readOnly: request.readonly)
            }
            calls.withLock { $0.published.append(request) }
            try crashIfAsked("NodePublishVolume")
            return EmptyMessage()
        }
        s.on(CSIMethods.nodeUnpublishVolume) { [self] request in
            try check("NodeUnpublishVolume")
            if options.mounts { try unbind(request.targetPath, remove: true) }
            calls.withLock { $0.unpublished.append(request) }
            return EmptyMessage()
        }
        s.on(CSIMethods.nodeGetVolumeStats) { _ in
            CSIv1.NodeGetVolumeStatsResponse(usage: [
                CSIv1.VolumeUsage(available: (1 << 30) - 4096, total: 1 << 30, used: 4096, unit: .bytes),
                CSIv1.VolumeUsage(available: 990, total: 1000, used: 10, unit: .inodes),
            ])
        }
        s.on(CSIMethods.nodeExpandVolume) { [self] request in
            try check("NodeExpandVolume")
            calls.withLock { $0.nodeExpanded.append(request) }
            return CSIv1.NodeExpandVolumeResponse(capacityBytes: request.capacityRange?.requiredBytes ?? 0)
        }
        guard options.controller else { return s }
        s.on(CSIMethods.controllerGetCapabilities) { _ in
            var capabilities: Set<CSIv1.ControllerCapability> = [.createDeleteVolume]
            if options.attach { capabilities.insert(.publishUnpublishVolume) }
            if options.expand { capabilities.insert(.expandVolume) }
            return CSIv1.ControllerGetCapabilitiesResponse(capabilities: capabilities)
        }
        s.on(CSIMethods.createVolume) { [self] request in
            try check("CreateVolume")
            let id = "vol-" + request.name
            if options.mounts { try FileManager.default.createDirectory(atPath: volumeDirectory(id), withIntermediateDirectories: true) }
            calls.withLock { $0.created.append(request) }
            return CSIv1.CreateVolumeResponse(volume: CSIv1.Volume(
                capacityBytes: request.capacityRange?.requiredBytes ?? 1 << 30, volumeID: id, volumeContext: ["created-by": "test"],
                accessibleTopology: [CSIv1.Topology(segments: [options.topologyKey: options.nodeID])]))
        }
        s.on(CSIMethods.deleteVolume) { [self] request in
            try check("DeleteVolume")
            if options.mounts { try? FileManager.default.removeItem(atPath: volumeDirectory(request.volumeID)) }
            calls.withLock { $0.deleted.append(request.volumeID) }
            return EmptyMessage()
        }
        s.on(CSIMethods.controllerPublishVolume) { [self] request in
            try check("ControllerPublishVolume")
            calls.withLock { $0.controllerPublished.append(request) }
            return CSIv1.ControllerPublishVolumeResponse(publishContext: ["device": "/dev/test-" + request.volumeID])
        }
        s.on(CSIMethods.controllerUnpublishVolume) { [self] request in
            try check("ControllerUnpublishVolume")
            calls.withLock { $0.controllerUnpublished.append(request) }
            return EmptyMessage()
        }
        s.on(CSIMethods.controllerExpandVolume) { [self] request in
            try check("ControllerExpandVolume")
            calls.withLock { $0.controllerExpanded.append(request) }
            return CSIv1.ControllerExpandVolumeResponse(capacityBytes: request.capacityRange?.requiredBytes ?? 0, nodeExpansionRequired: true)
        }
        return s
    }

    private func bind(_ source: String, onto target: String, readOnly: Bool) throws {
        guard FileManager.default.fileExists(atPath: source) else {
            throw RPCError(code: .notFound, message: "volume source \(source) does not exist")
        }
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        if MountPoint.isMountPoint(target) { return }
        do {
            try Mounts.mount(source: source, target: target, type: nil, flags: [.bind], data: nil)
            if readOnly { try Mounts.mount(source: nil, target: target, type: nil, flags: [.bind, .remount, .readOnly], data: nil) }
        } catch {
            throw RPCError(code: .internalError, message: "mount \(source) on \(target): \(error)")
        }
    }

    private func unbind(_ target: String, remove: Bool) throws {
        if MountPoint.isMountPoint(target) {
            do { try Mounts.unmount(target, detach: false) } catch {
                throw RPCError(code: .internalError, message: "unmount \(target): \(error)")
            }
        }
        if remove { try? FileManager.default.removeItem(atPath: target) }
    }
}
