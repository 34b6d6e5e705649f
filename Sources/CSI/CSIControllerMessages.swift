extension CSIv1 {
    /// `ControllerServiceCapability.RPC.Type`.
    public struct ControllerCapability: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let createDeleteVolume = Self(rawValue: 1)
        public static let publishUnpublishVolume = Self(rawValue: 2)
        public static let listVolumes = Self(rawValue: 3)
        public static let getCapacity = Self(rawValue: 4)
        public static let createDeleteSnapshot = Self(rawValue: 5)
        public static let listSnapshots = Self(rawValue: 6)
        public static let cloneVolume = Self(rawValue: 7)
        public static let publishReadonly = Self(rawValue: 8)
        public static let expandVolume = Self(rawValue: 9)
    }

    /// `ControllerGetCapabilitiesResponse`.
    public struct ControllerGetCapabilitiesResponse: ProtoMessage {
        public var capabilities: Set<ControllerCapability> = []
        public init() {}
        public init(capabilities: Set<ControllerCapability>) { self.capabilities = capabilities }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            if let type = try reader.message(RPCCapability.self, wire: wire).type { capabilities.insert(ControllerCapability(rawValue: type)) }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.messages(1, capabilities.map(\.rawValue).sorted().map { RPCCapability(type: $0) })
        }
    }

    /// `CreateVolumeRequest`. `name` is the CO's idempotency key (the PV's name).
    public struct CreateVolumeRequest: ProtoMessage {
        public var name = ""
        public var capacityRange: CapacityRange?
        public var volumeCapabilities: [VolumeCapability] = []
        public var parameters: [String: String] = [:]
        public var secrets: [String: String] = [:]
        public var accessibilityRequirements: TopologyRequirement?
        public var mutableParameters: [String: String] = [:]
        public init() {}
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: name = try reader.string(wire: wire)
            case 2: capacityRange = try reader.message(CapacityRange.self, wire: wire)
            case 3: volumeCapabilities.append(try reader.message(VolumeCapability.self, wire: wire))
            case 4: try reader.mapEntry(wire: wire, into: &parameters)
            case 5: try reader.mapEntry(wire: wire, into: &secrets)
            case 7: accessibilityRequirements = try reader.message(TopologyRequirement.self, wire: wire)
            case 8: try reader.mapEntry(wire: wire, into: &mutableParameters)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, name)
            writer.message(2, capacityRange)
            writer.messages(3, volumeCapabilities)
            writer.map(4, parameters)
            writer.map(5, secrets)
            writer.message(7, accessibilityRequirements)
            writer.map(8, mutableParameters)
        }
    }

    /// `CreateVolumeResponse`.
    public struct CreateVolumeResponse: ProtoMessage {
        public var volume: Volume?
        public init() {}
        public init(volume: Volume) { self.volume = volume }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            volume = try reader.message(Volume.self, wire: wire)
            return true
        }
        public func encode(to writer: inout ProtoWriter) { writer.message(1, volume) }
    }

    /// `DeleteVolumeRequest`.
    public struct DeleteVolumeRequest: ProtoMessage {
        public var volumeID = ""
        public var secrets: [String: String] = [:]
        public init() {}
        public init(volumeID: String, secrets: [String: String] = [:]) {
            self.volumeID = volumeID
            self.secrets = secrets
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: volumeID = try reader.string(wire: wire)
            case 2: try reader.mapEntry(wire: wire, into: &secrets)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, volumeID)
            writer.map(2, secrets)
        }
    }

    /// `ControllerPublishVolumeRequest`: attach the volume to a node.
    public struct ControllerPublishVolumeRequest: ProtoMessage {
        public var volumeID = ""
        public var nodeID = ""
        public var volumeCapability: VolumeCapability?
        public var readonly = false
        public var secrets: [String: String] = [:]
        public var volumeContext: [String: String] = [:]
        public init() {}
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: volumeID = try reader.string(wire: wire)
            case 2: nodeID = try reader.string(wire: wire)
            case 3: volumeCapability = try reader.message(VolumeCapability.self, wire: wire)
            case 4: readonly = try reader.bool(wire: wire)
            case 5: try reader.mapEntry(wire: wire, into: &secrets)
            case 6: try reader.mapEntry(wire: wire, into: &volumeContext)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, volumeID)
            writer.string(2, nodeID)
            writer.message(3, volumeCapability)
            writer.bool(4, readonly)
            writer.map(5, secrets)
            writer.map(6, volumeContext)
        }
    }

    /// `ControllerPublishVolumeResponse`: what NodeStage/NodePublish get as `publish_context`.
    public struct ControllerPublishVolumeResponse: ProtoMessage {
        public var publishContext: [String: String] = [:]
        public init() {}
        public init(publishContext: [String: String]) { self.publishContext = publishContext }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            try reader.mapEntry(wire: wire, into: &publishContext)
            return true
        }
        public func encode(to writer: inout ProtoWriter) { writer.map(1, publishContext) }
    }

    /// `ControllerUnpublishVolumeRequest`: detach the volume from a node.
    public struct ControllerUnpublishVolumeRequest: ProtoMessage {
        public var volumeID = ""
        public var nodeID = ""
        public var secrets: [String: String] = [:]
        public init() {}
        public init(volumeID: String, nodeID: String, secrets: [String: String] = [:]) {
            self.volumeID = volumeID
            self.nodeID = nodeID
            self.secrets = secrets
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: volumeID = try reader.string(wire: wire)
            case 2: nodeID = try reader.string(wire: wire)
            case 3: try reader.mapEntry(wire: wire, into: &secrets)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, volumeID)
            writer.string(2, nodeID)
            writer.map(3, secrets)
        }
    }

    /// `ControllerExpandVolumeRequest`.
    public struct ControllerExpandVolumeRequest: ProtoMessage {
        public var volumeID = ""
        public var capacityRange: CapacityRange?
        public var secrets: [String: String] = [:]
        public var volumeCapability: VolumeCapability?
        public init() {}
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: volumeID = try reader.string(wire: wire)
            case 2: capacityRange = try reader.message(CapacityRange.self, wire: wire)
            case 3: try reader.mapEntry(wire: wire, into: &secrets)
            case 4: volumeCapability = try reader.message(VolumeCapability.self, wire: wire)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, volumeID)
            writer.message(2, capacityRange)
            writer.map(3, secrets)
            writer.message(4, volumeCapability)
        }
    }

    /// `ControllerExpandVolumeResponse`.
    public struct ControllerExpandVolumeResponse: ProtoMessage {
        public var capacityBytes: Int64 = 0
        public var nodeExpansionRequired = false
        public init() {}
        public init(capacityBytes: Int64, nodeExpansionRequired: Bool) {
            self.capacityBytes = capacityBytes
            self.nodeExpansionRequired = nodeExpansionRequired
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: capacityBytes = try reader.int64(wire: wire)
            case 2: nodeExpansionRequired = try reader.bool(wire: wire)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.int64(1, capacityBytes)
            writer.bool(2, nodeExpansionRequired)
        }
    }
}
