extension CSIv1 {
    /// `NodeServiceCapability.RPC.Type`.
    public struct NodeCapability: RawRepresentable, Hashable, Sendable {
        public var rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let stageUnstageVolume = Self(rawValue: 1)
        public static let getVolumeStats = Self(rawValue: 2)
        public static let expandVolume = Self(rawValue: 3)
        public static let volumeCondition = Self(rawValue: 4)
        public static let singleNodeMultiWriter = Self(rawValue: 5)
        public static let volumeMountGroup = Self(rawValue: 6)
    }

    /// `NodeGetCapabilitiesResponse`.
    public struct NodeGetCapabilitiesResponse: ProtoMessage {
        public var capabilities: Set<NodeCapability> = []
        public init() {}
        public init(capabilities: Set<NodeCapability>) { self.capabilities = capabilities }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            if let type = try reader.message(RPCCapability.self, wire: wire).type { capabilities.insert(NodeCapability(rawValue: type)) }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.messages(1, capabilities.map(\.rawValue).sorted().map { RPCCapability(type: $0) })
        }
    }

    /// `NodeGetInfoResponse`: the driver's ID for this node, how many of its
    /// volumes the node takes (0: no limit) and where the node is.
    public struct NodeGetInfoResponse: ProtoMessage {
        public var nodeID = ""
        public var maxVolumesPerNode: Int64 = 0
        public var accessibleTopology: Topology?
        public init() {}
        public init(nodeID: String, maxVolumesPerNode: Int64 = 0, accessibleTopology: Topology? = nil) {
            self.nodeID = nodeID
            self.maxVolumesPerNode = maxVolumesPerNode
            self.accessibleTopology = accessibleTopology
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: nodeID = try reader.string(wire: wire)
            case 2: maxVolumesPerNode = try reader.int64(wire: wire)
            case 3: accessibleTopology = try reader.message(Topology.self, wire: wire)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, nodeID)
            writer.int64(2, maxVolumesPerNode)
            writer.message(3, accessibleTopology)
        }
    }

    /// `NodeStageVolumeRequest`: make the volume ready on this node at a
    /// global staging path (format and mount a device, …).
    public struct NodeStageVolumeRequest: ProtoMessage {
        public var volumeID = ""
        public var publishContext: [String: String] = [:]
        public var stagingTargetPath = ""
        public var volumeCapability: VolumeCapability?
        public var secrets: [String: String] = [:]
        public var volumeContext: [String: String] = [:]
        public init() {}
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: volumeID = try reader.string(wire: wire)
            case 2: try reader.mapEntry(wire: wire, into: &publishContext)
            case 3: stagingTargetPath = try reader.string(wire: wire)
            case 4: volumeCapability = try reader.message(VolumeCapability.self, wire: wire)
            case 5: try reader.mapEntry(wire: wire, into: &secrets)
            case 6: try reader.mapEntry(wire: wire, into: &volumeContext)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, volumeID)
            writer.map(2, publishContext)
            writer.string(3, stagingTargetPath)
            writer.message(4, volumeCapability)
            writer.map(5, secrets)
            writer.map(6, volumeContext)
        }
    }

    /// `NodeUnstageVolumeRequest`.
    public struct NodeUnstageVolumeRequest: ProtoMessage {
        public var volumeID = ""
        public var stagingTargetPath = ""
        public init() {}
        public init(volumeID: String, stagingTargetPath: String) {
            self.volumeID = volumeID
            self.stagingTargetPath = stagingTargetPath
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: volumeID = try reader.string(wire: wire)
            case 2: stagingTargetPath = try reader.string(wire: wire)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, volumeID)
            writer.string(2, stagingTargetPath)
        }
    }

    /// `NodePublishVolumeRequest`: make the volume available at a pod's target path.
    public struct NodePublishVolumeRequest: ProtoMessage {
        public var volumeID = ""
        public var publishContext: [String: String] = [:]
        public var stagingTargetPath = ""
        public var targetPath = ""
        public var volumeCapability: VolumeCapability?
        public var readonly = false
        public var secrets: [String: String] = [:]
        public var volumeContext: [String: String] = [:]
        public init() {}
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: volumeID = try reader.string(wire: wire)
            case 2: try reader.mapEntry(wire: wire, into: &publishContext)
            case 3: stagingTargetPath = try reader.string(wire: wire)
            case 4: targetPath = try reader.string(wire: wire)
            case 5: volumeCapability = try reader.message(VolumeCapability.self, wire: wire)
            case 6: readonly = try reader.bool(wire: wire)
            case 7: try reader.mapEntry(wire: wire, into: &secrets)
            case 8: try reader.mapEntry(wire: wire, into: &volumeContext)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, volumeID)
            writer.map(2, publishContext)
            writer.string(3, stagingTargetPath)
            writer.string(4, targetPath)
            writer.message(5, volumeCapability)
            writer.bool(6, readonly)
            writer.map(7, secrets)
            writer.map(8, volumeContext)
        }
    }

    /// `NodeUnpublishVolumeRequest`.
    public struct NodeUnpublishVolumeRequest: ProtoMessage {
        public var volumeID = ""
        public var targetPath = ""
        public init() {}
        public init(volumeID: String, targetPath: String) {
            self.volumeID = volumeID
            self.targetPath = targetPath
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: volumeID = try reader.string(wire: wire)
            case 2: targetPath = try reader.string(wire: wire)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, volumeID)
            writer.string(2, targetPath)
        }
    }

    /// `NodeGetVolumeStatsRequest`.
    public struct NodeGetVolumeStatsRequest: ProtoMessage {
        public var volumeID = ""
        public var volumePath = ""
        public var stagingTargetPath = ""
        public init() {}
        public init(volumeID: String, volumePath: String, stagingTargetPath: String = "") {
            self.volumeID = volumeID
            self.volumePath = volumePath
            self.stagingTargetPath = stagingTargetPath
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: volumeID = try reader.string(wire: wire)
            case 2: volumePath = try reader.string(wire: wire)
            case 3: stagingTargetPath = try reader.string(wire: wire)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, volumeID)
            writer.string(2, volumePath)
            writer.string(3, stagingTargetPath)
        }
    }

    /// `NodeGetVolumeStatsResponse`.
    public struct NodeGetVolumeStatsResponse: ProtoMessage {
        public var usage: [VolumeUsage] = []
        public var volumeCondition: VolumeCondition?
        public init() {}
        public init(usage: [VolumeUsage], volumeCondition: VolumeCondition? = nil) {
            self.usage = usage
            self.volumeCondition = volumeCondition
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: usage.append(try reader.message(VolumeUsage.self, wire: wire))
            case 2: volumeCondition = try reader.message(VolumeCondition.self, wire: wire)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.messages(1, usage)
            writer.message(2, volumeCondition)
        }
    }

    /// `NodeExpandVolumeRequest`: grow the file system on this node.
    public struct NodeExpandVolumeRequest: ProtoMessage {
        public var volumeID = ""
        public var volumePath = ""
        public var capacityRange: CapacityRange?
        public var stagingTargetPath = ""
        public var volumeCapability: VolumeCapability?
        public var secrets: [String: String] = [:]
        public init() {}
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: volumeID = try reader.string(wire: wire)
            case 2: volumePath = try reader.string(wire: wire)
            case 3: capacityRange = try reader.message(CapacityRange.self, wire: wire)
            case 4: stagingTargetPath = try reader.string(wire: wire)
            case 5: volumeCapability = try reader.message(VolumeCapability.self, wire: wire)
            case 6: try reader.mapEntry(wire: wire, into: &secrets)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.string(1, volumeID)
            writer.string(2, volumePath)
            writer.message(3, capacityRange)
            writer.string(4, stagingTargetPath)
            writer.message(5, volumeCapability)
            writer.map(6, secrets)
        }
    }

    /// `NodeExpandVolumeResponse` (and `ControllerExpandVolumeResponse`'s first field).
    public struct NodeExpandVolumeResponse: ProtoMessage {
        public var capacityBytes: Int64 = 0
        public init() {}
        public init(capacityBytes: Int64) { self.capacityBytes = capacityBytes }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            capacityBytes = try reader.int64(wire: wire)
            return true
        }
        public func encode(to writer: inout ProtoWriter) { writer.int64(1, capacityBytes) }
    }
}
