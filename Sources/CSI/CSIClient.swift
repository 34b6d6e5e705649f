/// A CSI driver's `csi.v1.Identity` service: who the driver is and whether it is ready.
public protocol CSIIdentityClient: Sendable {
    func getPluginInfo() async throws(CSIError) -> CSIv1.GetPluginInfoResponse
    func getPluginCapabilities() async throws(CSIError) -> CSIv1.GetPluginCapabilitiesResponse
    func probe() async throws(CSIError) -> CSIv1.ProbeResponse
    /// Ends the connection once the calls under way have finished.
    func close() async
}

/// A CSI driver's `csi.v1.Node` service, what the kubelet calls to make a
/// volume usable on this node: stage it once per node (format and mount at
/// a global path, for drivers with `STAGE_UNSTAGE_VOLUME`), publish it into
/// each pod's volume directory, and the reverse. The volume code takes this
/// protocol so that its unit tests run against a fake; ``GRPCCSIClient`` is
/// the real one. Every call throws ``CSIError`` with the driver's status code.
public protocol CSINodeClient: CSIIdentityClient {
    func nodeGetInfo() async throws(CSIError) -> CSIv1.NodeGetInfoResponse
    func nodeGetCapabilities() async throws(CSIError) -> CSIv1.NodeGetCapabilitiesResponse
    func nodeStageVolume(_ request: CSIv1.NodeStageVolumeRequest) async throws(CSIError)
    func nodeUnstageVolume(_ request: CSIv1.NodeUnstageVolumeRequest) async throws(CSIError)
    func nodePublishVolume(_ request: CSIv1.NodePublishVolumeRequest) async throws(CSIError)
    func nodeUnpublishVolume(_ request: CSIv1.NodeUnpublishVolumeRequest) async throws(CSIError)
    func nodeGetVolumeStats(_ request: CSIv1.NodeGetVolumeStatsRequest) async throws(CSIError) -> CSIv1.NodeGetVolumeStatsResponse
    func nodeExpandVolume(_ request: CSIv1.NodeExpandVolumeRequest) async throws(CSIError) -> CSIv1.NodeExpandVolumeResponse
}

/// A CSI driver's `csi.v1.Controller` service, as the external-provisioner,
/// external-attacher and external-resizer roles use it.
public protocol CSIControllerClient: CSIIdentityClient {
    func controllerGetCapabilities() async throws(CSIError) -> CSIv1.ControllerGetCapabilitiesResponse
    func createVolume(_ request: CSIv1.CreateVolumeRequest) async throws(CSIError) -> CSIv1.CreateVolumeResponse
    func deleteVolume(_ request: CSIv1.DeleteVolumeRequest) async throws(CSIError)
    func controllerPublishVolume(_ request: CSIv1.ControllerPublishVolumeRequest) async throws(CSIError) -> CSIv1.ControllerPublishVolumeResponse
    func controllerUnpublishVolume(_ request: CSIv1.ControllerUnpublishVolumeRequest) async throws(CSIError)
    func controllerExpandVolume(_ request: CSIv1.ControllerExpandVolumeRequest) async throws(CSIError) -> CSIv1.ControllerExpandVolumeResponse
}

/// Both services of a driver, as one socket usually serves them.
public typealias CSIDriverClient = CSINodeClient & CSIControllerClient

/// The CSI client over a driver's Unix socket.
///
/// ```swift
/// let driver = try GRPCCSIClient(endpoint: CSIEndpoint("unix:///csi/csi.sock")!)
/// let info = try await driver.nodeGetInfo()   // info.nodeID, info.maxVolumesPerNode
/// await driver.close()
/// ```
public final class GRPCCSIClient: CSINodeClient, CSIControllerClient {
    public let connection: GRPCUnixConnection
    public var endpoint: CSIEndpoint { connection.endpoint }

    public init(endpoint: CSIEndpoint, timeout: Duration = .seconds(120)) throws {
        connection = try GRPCUnixConnection(endpoint: endpoint, timeout: timeout)
    }

    public func close() async { await connection.close() }

    public func getPluginInfo() async throws(CSIError) -> CSIv1.GetPluginInfoResponse {
        try await connection.call(CSIMethods.getPluginInfo, EmptyMessage())
    }
    public func getPluginCapabilities() async throws(CSIError) -> CSIv1.GetPluginCapabilitiesResponse {
        try await connection.call(CSIMethods.getPluginCapabilities, EmptyMessage())
    }
    public func probe() async throws(CSIError) -> CSIv1.ProbeResponse {
        try await connection.call(CSIMethods.probe, EmptyMessage())
    }

    public func nodeGetInfo() async throws(CSIError) -> CSIv1.NodeGetInfoResponse {
        try await connection.call(CSIMethods.nodeGetInfo, EmptyMessage())
    }
    public func nodeGetCapabilities() async throws(CSIError) -> CSIv1.NodeGetCapabilitiesResponse {
        try await connection.call(CSIMethods.nodeGetCapabilities, EmptyMessage())
    }
    public func nodeStageVolume(_ request: CSIv1.NodeStageVolumeRequest) async throws(CSIError) {
        _ = try await connection.call(CSIMethods.nodeStageVolume, request)
    }
    public func nodeUnstageVolume(_ request: CSIv1.NodeUnstageVolumeRequest) async throws(CSIError) {
        _ = try await connection.call(CSIMethods.nodeUnstageVolume, request)
    }
    public func nodePublishVolume(_ request: CSIv1.NodePublishVolumeRequest) async throws(CSIError) {
        _ = try await connection.call(CSIMethods.nodePublishVolume, request)
    }
    public func nodeUnpublishVolume(_ request: CSIv1.NodeUnpublishVolumeRequest) async throws(CSIError) {
        _ = try await connection.call(CSIMethods.nodeUnpublishVolume, request)
    }
    public func nodeGetVolumeStats(_ request: CSIv1.NodeGetVolumeStatsRequest) async throws(CSIError) -> CSIv1.NodeGetVolumeStatsResponse {
        try await connection.call(CSIMethods.nodeGetVolumeStats, request)
    }
    public func nodeExpandVolume(_ request: CSIv1.NodeExpandVolumeRequest) async throws(CSIError) -> CSIv1.NodeExpandVolumeResponse {
        try await connection.call(CSIMethods.nodeExpandVolume, request)
    }

    public func controllerGetCapabilities() async throws(CSIError) -> CSIv1.ControllerGetCapabilitiesResponse {
        try await connection.call(CSIMethods.controllerGetCapabilities, EmptyMessage())
    }
    public func createVolume(_ request: CSIv1.CreateVolumeRequest) async throws(CSIError) -> CSIv1.CreateVolumeResponse {
        try await connection.call(CSIMethods.createVolume, request)
    }
    public func deleteVolume(_ request: CSIv1.DeleteVolumeRequest) async throws(CSIError) {
        _ = try await connection.call(CSIMethods.deleteVolume, request)
    }
    public func controllerPublishVolume(_ request: CSIv1.ControllerPublishVolumeRequest) async throws(CSIError) -> CSIv1.ControllerPublishVolumeResponse {
        try await connection.call(CSIMethods.controllerPublishVolume, request)
    }
    public func controllerUnpublishVolume(_ request: CSIv1.ControllerUnpublishVolumeRequest) async throws(CSIError) {
        _ = try await connection.call(CSIMethods.controllerUnpublishVolume, request)
    }
    public func controllerExpandVolume(_ request: CSIv1.ControllerExpandVolumeRequest) async throws(CSIError) -> CSIv1.ControllerExpandVolumeResponse {
        try await connection.call(CSIMethods.controllerExpandVolume, request)
    }
}

/// The `pluginregistration.Registration` service a plugin's registration
/// socket serves (the node-driver-registrar's, for CSI drivers).
public protocol PluginRegistrationClient: Sendable {
    func getInfo() async throws(CSIError) -> PluginRegistration.PluginInfo
    func notifyRegistrationStatus(registered: Bool, error: String) async throws(CSIError)
    func close() async
}

/// ``PluginRegistrationClient`` over the registration socket.
public final class GRPCPluginRegistrationClient: PluginRegistrationClient {
    public let connection: GRPCUnixConnection

    public init(socketPath: String, timeout: Duration = .seconds(10)) throws {
        connection = try GRPCUnixConnection(endpoint: CSIEndpoint(socketPath: socketPath), timeout: timeout)
    }

    public func getInfo() async throws(CSIError) -> PluginRegistration.PluginInfo {
        try await connection.call(CSIMethods.registrationGetInfo, EmptyMessage())
    }

    public func notifyRegistrationStatus(registered: Bool, error: String) async throws(CSIError) {
        _ = try await connection.call(CSIMethods.notifyRegistrationStatus,
                                      PluginRegistration.RegistrationStatus(pluginRegistered: registered, error: error))
    }

    public func close() async { await connection.close() }
}
