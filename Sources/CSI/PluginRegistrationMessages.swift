/// The kubelet's plugin registration API (`pluginregistration`, the
/// node-driver-registrar protocol): a plugin puts a socket into
/// `<kubelet root>/plugins_registry`, the kubelet asks it `GetInfo` and
/// tells it the outcome with `NotifyRegistrationStatus`.
public enum PluginRegistration {
    /// `PluginInfo`: `type` is `CSIPlugin` (or `DevicePlugin`), `endpoint`
    /// the driver's own socket, `supportedVersions` the CSI versions it speaks.
    public struct PluginInfo: ProtoMessage {
        public var type = ""
        public var name = ""
        public var endpoint = ""
        public var supportedVersions: [String] = []
        public init() {}
        public init(type: String, name: String, endpoint: String, supportedVersions: [String]) {
            self.type = type
            self.name = name
            self.endpoint = endpoint
            self.supportedVersions = supportedVersions
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: type = try reader.string(wire: wire)
            case 2: name = try reader.string(wire: wire)
            case 3: endpoint = try reader.string(wire: wire)
            case 4: supportedVersions.append(try reader.string(wire: wire))
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, type)
            writer.string(2, name)
            writer.string(3, endpoint)
            writer.strings(4, supportedVersions)
        }
    }

    /// `RegistrationStatus`.
    public struct RegistrationStatus: ProtoMessage {
        public var pluginRegistered = false
        public var error = ""
        public init() {}
        public init(pluginRegistered: Bool, error: String) {
            self.pluginRegistered = pluginRegistered
            self.error = error
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: pluginRegistered = try reader.bool(wire: wire)
            case 2: error = try reader.string(wire: wire)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.bool(1, pluginRegistered)
            writer.string(2, error)
        }
    }
}
