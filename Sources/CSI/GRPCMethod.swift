public import GRPCCore

/// One unary gRPC method of a service whose messages are ``ProtoMessage``s:
/// its descriptor, and the (de)serializers grpc-swift-2 calls with it.
public struct GRPCMethod<Request: ProtoMessage, Response: ProtoMessage>: Sendable {
    public let descriptor: MethodDescriptor

    public init(service: String, method: String) {
        descriptor = MethodDescriptor(fullyQualifiedService: service, method: method)
    }

    /// `service/method`, as `csi.v1.Node/NodeStageVolume`.
    public var fullName: String { descriptor.fullyQualifiedMethod }
}

/// Encodes a ``ProtoMessage`` for grpc-swift-2.
public struct ProtoSerializer<Message: ProtoMessage>: MessageSerializer {
    public init() {}
    public func serialize<Bytes: GRPCContiguousBytes>(_ message: Message) throws -> Bytes {
        Bytes(message.serializedBytes())
    }
}

/// Decodes a ``ProtoMessage`` for grpc-swift-2, within ``ProtoReader``'s budget.
public struct ProtoDeserializer<Message: ProtoMessage>: MessageDeserializer {
    public init() {}
    public func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        do {
            return try serializedMessageBytes.withUnsafeBytes { buffer throws(ProtoDecodingError) in
                try Message(serializedBytes: buffer)
            }
        } catch {
            throw RPCError(code: .internalError, message: "invalid \(Message.self) message: \(error)")
        }
    }
}

/// The methods of the CSI services (`csi.v1.Identity`, `csi.v1.Node`,
/// `csi.v1.Controller`) and of the kubelet's plugin registration that
/// this project calls.
public enum CSIMethods {
    static let identity = "csi.v1.Identity", node = "csi.v1.Node", controller = "csi.v1.Controller"

    public static let getPluginInfo = GRPCMethod<EmptyMessage, CSIv1.GetPluginInfoResponse>(service: identity, method: "GetPluginInfo")
    public static let getPluginCapabilities = GRPCMethod<EmptyMessage, CSIv1.GetPluginCapabilitiesResponse>(service: identity, method: "GetPluginCapabilities")
    public static let probe = GRPCMethod<EmptyMessage, CSIv1.ProbeResponse>(service: identity, method: "Probe")

    public static let nodeGetInfo = GRPCMethod<EmptyMessage, CSIv1.NodeGetInfoResponse>(service: node, method: "NodeGetInfo")
    public static let nodeGetCapabilities = GRPCMethod<EmptyMessage, CSIv1.NodeGetCapabilitiesResponse>(service: node, method: "NodeGetCapabilities")
    public static let nodeStageVolume = GRPCMethod<CSIv1.NodeStageVolumeRequest, EmptyMessage>(service: node, method: "NodeStageVolume")
    public static let nodeUnstageVolume = GRPCMethod<CSIv1.NodeUnstageVolumeRequest, EmptyMessage>(service: node, method: "NodeUnstageVolume")
    public static let nodePublishVolume = GRPCMethod<CSIv1.NodePublishVolumeRequest, EmptyMessage>(service: node, method: "NodePublishVolume")
    public static let nodeUnpublishVolume = GRPCMethod<CSIv1.NodeUnpublishVolumeRequest, EmptyMessage>(service: node, method: "NodeUnpublishVolume")
    public static let nodeGetVolumeStats = GRPCMethod<CSIv1.NodeGetVolumeStatsRequest, CSIv1.NodeGetVolumeStatsResponse>(service: node, method: "NodeGetVolumeStats")
    public static let nodeExpandVolume = GRPCMethod<CSIv1.NodeExpandVolumeRequest, CSIv1.NodeExpandVolumeResponse>(service: node, method: "NodeExpandVolume")

    public static let controllerGetCapabilities = GRPCMethod<EmptyMessage, CSIv1.ControllerGetCapabilitiesResponse>(service: controller, method: "ControllerGetCapabilities")
    public static let createVolume = GRPCMethod<CSIv1.CreateVolumeRequest, CSIv1.CreateVolumeResponse>(service: controller, method: "CreateVolume")
    public static let deleteVolume = GRPCMethod<CSIv1.DeleteVolumeRequest, EmptyMessage>(service: controller, method: "DeleteVolume")
    public static let controllerPublishVolume = GRPCMethod<CSIv1.ControllerPublishVolumeRequest, CSIv1.ControllerPublishVolumeResponse>(service: controller, method: "ControllerPublishVolume")
    public static let controllerUnpublishVolume = GRPCMethod<CSIv1.ControllerUnpublishVolumeRequest, EmptyMessage>(service: controller, method: "ControllerUnpublishVolume")
    public static let controllerExpandVolume = GRPCMethod<CSIv1.ControllerExpandVolumeRequest, CSIv1.ControllerExpandVolumeResponse>(service: controller, method: "ControllerExpandVolume")

    public static let registrationGetInfo = GRPCMethod<EmptyMessage, PluginRegistration.PluginInfo>(service: "pluginregistration.Registration", method: "GetInfo")
    public static let notifyRegistrationStatus = GRPCMethod<PluginRegistration.RegistrationStatus, EmptyMessage>(service: "pluginregistration.Registration", method: "NotifyRegistrationStatus")
}
