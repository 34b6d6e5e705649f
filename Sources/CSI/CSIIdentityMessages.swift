extension CSIv1 {
    /// `GetPluginInfoResponse`: the driver's name (the CSIDriver object's
    /// and StorageClass provisioner's name) and version.
    public struct GetPluginInfoResponse: ProtoMessage {
        public var name = ""
        public var vendorVersion = ""
        public var manifest: [String: String] = [:]
        public init() {}
        public init(name: String, vendorVersion: String, manifest: [String: String] = [:]) {
            self.name = name
            self.vendorVersion = vendorVersion
            self.manifest = manifest
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: name = try reader.string(wire: wire)
            case 2: vendorVersion = try reader.string(wire: wire)
            case 3: try reader.mapEntry(wire: wire, into: &manifest)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, name)
            writer.string(2, vendorVersion)
            writer.map(3, manifest)
        }
    }

    /// A plugin capability: a service the driver offers, or how it expands volumes.
    public enum PluginCapability: Hashable, Sendable {
        /// `PluginCapability.Service.Type`: 1 CONTROLLER_SERVICE,
        /// 2 VOLUME_ACCESSIBILITY_CONSTRAINTS, 3 GROUP_CONTROLLER_SERVICE.
        case service(Int32)
        /// `PluginCapability.VolumeExpansion.Type`: 1 ONLINE, 2 OFFLINE.
        case volumeExpansion(Int32)

        public static let controllerService = Self.service(1)
        public static let volumeAccessibilityConstraints = Self.service(2)
        public static let onlineExpansion = Self.volumeExpansion(1)
        public static let offlineExpansion = Self.volumeExpansion(2)
    }

    /// `GetPluginCapabilitiesResponse`.
    public struct GetPluginCapabilitiesResponse: ProtoMessage {
        public var capabilities: [PluginCapability] = []
        public init() {}
        public init(capabilities: [PluginCapability]) { self.capabilities = capabilities }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            if let capability = try reader.message(Capability.self, wire: wire).value { capabilities.append(capability) }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.messages(1, capabilities.map { Capability(value: $0) })
        }

        /// `PluginCapability`, the message: its oneof is field 1 (service) or 2 (volume_expansion).
        struct Capability: ProtoMessage {
            var value: PluginCapability?
            init() {}
            init(value: PluginCapability) { self.value = value }
            mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
                switch field {
                case 1: value = .service(try reader.message(EnumMessage.self, wire: wire).value)
                case 2: value = .volumeExpansion(try reader.message(EnumMessage.self, wire: wire).value)
                default: return false
                }
                return true
            }
            func encode(to writer: inout ProtoWriter) {
                switch value {
                case .service(let type): writer.message(1, EnumMessage(type))
                case .volumeExpansion(let type): writer.message(2, EnumMessage(type))
                case nil: break
                }
            }
        }
    }

    /// `ProbeResponse`: `ready` absent means ready (the CO may assume so).
    public struct ProbeResponse: ProtoMessage {
        public var ready: Bool?
        public init() {}
        public init(ready: Bool?) { self.ready = ready }
        /// Whether the driver is ready.
        public var isReady: Bool { ready ?? true }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            ready = try reader.boolValue(wire: wire)
            return true
        }
        public func encode(to writer: inout ProtoWriter) { writer.boolValue(1, ready) }
    }
}
