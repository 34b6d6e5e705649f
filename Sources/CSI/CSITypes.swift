/// The `csi.v1` package of the Container Storage Interface specification
/// (v1.x): the messages the kubelet and the control plane exchange with a
/// driver, written from the spec with its field numbers. Field names are
/// the spec's in Swift case (`volume_id` → `volumeID`). Only what a CO
/// needs is modelled; other fields a driver sends are skipped on decoding.
public enum CSIv1 {}

extension CSIv1 {
    /// `CapacityRange`: at least `requiredBytes`, at most `limitBytes` (0: no bound).
    public struct CapacityRange: ProtoMessage {
        public var requiredBytes: Int64 = 0
        public var limitBytes: Int64 = 0
        public init() {}
        public init(requiredBytes: Int64, limitBytes: Int64 = 0) {
            self.requiredBytes = requiredBytes
            self.limitBytes = limitBytes
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: requiredBytes = try reader.int64(wire: wire)
            case 2: limitBytes = try reader.int64(wire: wire)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.int64(1, requiredBytes)
            writer.int64(2, limitBytes)
        }
    }

    /// `VolumeCapability`: how the volume is used (a block device or a
    /// mounted file system) and by whom (the access mode).
    public struct VolumeCapability: ProtoMessage {
        /// `VolumeCapability.MountVolume`.
        public struct Mount: ProtoMessage {
            public var fsType = ""
            public var mountFlags: [String] = []
            public var volumeMountGroup = ""
            public init() {}
            public init(fsType: String, mountFlags: [String] = [], volumeMountGroup: String = "") {
                self.fsType = fsType
                self.mountFlags = mountFlags
                self.volumeMountGroup = volumeMountGroup
            }
            public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
                switch field {
                case 1: fsType = try reader.string(wire: wire)
                case 2: mountFlags.append(try reader.string(wire: wire))
                case 3: volumeMountGroup = try reader.string(wire: wire)
                default: return false
                }
                return true
            }
            public func encode(to writer: inout ProtoWriter) {
                writer.string(1, fsType)
                writer.strings(2, mountFlags)
                writer.string(3, volumeMountGroup)
            }
        }

        /// The `access_type` oneof.
        public enum AccessType: Sendable, Equatable {
            case block
            case mount(Mount)
        }

        /// `VolumeCapability.AccessMode.Mode`.
        public struct AccessMode: RawRepresentable, Hashable, Sendable {
            public var rawValue: Int32
            public init(rawValue: Int32) { self.rawValue = rawValue }
            public static let unknown = Self(rawValue: 0)
            public static let singleNodeWriter = Self(rawValue: 1)
            public static let singleNodeReaderOnly = Self(rawValue: 2)
            public static let multiNodeReaderOnly = Self(rawValue: 3)
            public static let multiNodeSingleWriter = Self(rawValue: 4)
            public static let multiNodeMultiWriter = Self(rawValue: 5)
            public static let singleNodeSingleWriter = Self(rawValue: 6)
            public static let singleNodeMultiWriter = Self(rawValue: 7)

            /// The mode for a Kubernetes volume's access modes, as upstream's
            /// `asCSIAccessModeV1` (ReadWriteOncePod as SINGLE_NODE_WRITER
            /// unless the driver has SINGLE_NODE_MULTI_WRITER).
            public init(kubernetesModes modes: [String], singleNodeMultiWriter: Bool = false) {
                if modes.contains("ReadWriteMany") {
                    self = .multiNodeMultiWriter
                } else if modes.contains("ReadOnlyMany") && !modes.contains("ReadWriteOnce") {
                    self = .multiNodeReaderOnly
                } else if modes.contains("ReadWriteOncePod") {
                    self = singleNodeMultiWriter ? .singleNodeSingleWriter : .singleNodeWriter
                } else {
                    self = .singleNodeWriter
                }
            }
        }

        public var accessType: AccessType?
        public var accessMode: AccessMode = .unknown

        public init() {}
        public init(_ accessType: AccessType, accessMode: AccessMode) {
            self.accessType = accessType
            self.accessMode = accessMode
        }

        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: _ = try reader.message(EmptyMessage.self, wire: wire); accessType = .block
            case 2: accessType = .mount(try reader.message(Mount.self, wire: wire))
            case 3: accessMode = AccessMode(rawValue: try reader.message(EnumMessage.self, wire: wire).value)
            default: return false
            }
            return true
        }

        public func encode(to writer: inout ProtoWriter) {
            switch accessType {
            case .block: writer.message(1, EmptyMessage())
            case .mount(let mount): writer.message(2, mount)
            case nil: break
            }
            writer.message(3, EnumMessage(accessMode.rawValue))
        }
    }

    /// `Topology`: segments such as `topology.hostpath.csi/node: node-1`.
    public struct Topology: ProtoMessage {
        public var segments: [String: String] = [:]
        public init() {}
        public init(segments: [String: String]) { self.segments = segments }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            try reader.mapEntry(wire: wire, into: &segments)
            return true
        }
        public func encode(to writer: inout ProtoWriter) { writer.map(1, segments) }
    }

    /// `TopologyRequirement`: where a new volume must (requisite) and
    /// should (preferred, in order) be accessible from.
    public struct TopologyRequirement: ProtoMessage {
        public var requisite: [Topology] = []
        public var preferred: [Topology] = []
        public init() {}
        public init(requisite: [Topology], preferred: [Topology]) {
            self.requisite = requisite
            self.preferred = preferred
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: requisite.append(try reader.message(Topology.self, wire: wire))
            case 2: preferred.append(try reader.message(Topology.self, wire: wire))
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.messages(1, requisite)
            writer.messages(2, preferred)
        }
    }

    /// `Volume`: what CreateVolume made.
    public struct Volume: ProtoMessage {
        public var capacityBytes: Int64 = 0
        public var volumeID = ""
        public var volumeContext: [String: String] = [:]
        public var accessibleTopology: [Topology] = []
        public init() {}
        public init(capacityBytes: Int64, volumeID: String, volumeContext: [String: String] = [:], accessibleTopology: [Topology] = []) {
            self.capacityBytes = capacityBytes
            self.volumeID = volumeID
            self.volumeContext = volumeContext
            self.accessibleTopology = accessibleTopology
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: capacityBytes = try reader.int64(wire: wire)
            case 2: volumeID = try reader.string(wire: wire)
            case 3: try reader.mapEntry(wire: wire, into: &volumeContext)
            case 5: accessibleTopology.append(try reader.message(Topology.self, wire: wire))
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.int64(1, capacityBytes)
            writer.string(2, volumeID)
            writer.map(3, volumeContext)
            writer.messages(5, accessibleTopology)
        }
    }

    /// `VolumeUsage`: bytes or inodes of a volume.
    public struct VolumeUsage: ProtoMessage {
        /// `VolumeUsage.Unit`.
        public struct Unit: RawRepresentable, Hashable, Sendable {
            public var rawValue: Int32
            public init(rawValue: Int32) { self.rawValue = rawValue }
            public static let unknown = Self(rawValue: 0)
            public static let bytes = Self(rawValue: 1)
            public static let inodes = Self(rawValue: 2)
        }
        public var available: Int64 = 0
        public var total: Int64 = 0
        public var used: Int64 = 0
        public var unit: Unit = .unknown
        public init() {}
        public init(available: Int64, total: Int64, used: Int64, unit: Unit) {
            self.available = available
            self.total = total
            self.used = used
            self.unit = unit
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: available = try reader.int64(wire: wire)
            case 2: total = try reader.int64(wire: wire)
            case 3: used = try reader.int64(wire: wire)
            case 4: unit = Unit(rawValue: try reader.int32(wire: wire))
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.int64(1, available)
            writer.int64(2, total)
            writer.int64(3, used)
            writer.int32(4, unit.rawValue)
        }
    }

    /// `VolumeCondition`: whether the driver sees the volume as abnormal.
    public struct VolumeCondition: ProtoMessage {
        public var abnormal = false
        public var message = ""
        public init() {}
        public init(abnormal: Bool, message: String) {
            self.abnormal = abnormal
            self.message = message
        }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            switch field {
            case 1: abnormal = try reader.bool(wire: wire)
            case 2: message = try reader.string(wire: wire)
            default: return false
            }
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.bool(1, abnormal)
            writer.string(2, message)
        }
    }

    /// A capability message whose `type` oneof holds an `RPC { Type type = 1; }`
    /// (`ControllerServiceCapability`, `NodeServiceCapability`).
    public struct RPCCapability: ProtoMessage {
        /// The RPC's type, nil when the driver sent another oneof case.
        public var type: Int32?
        public init() {}
        public init(type: Int32) { self.type = type }
        public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            type = try reader.message(EnumMessage.self, wire: wire).value
            return true
        }
        public func encode(to writer: inout ProtoWriter) {
            writer.message(1, type.map { EnumMessage($0) })
        }
    }

    /// A message that holds one enum in field 1 (`VolumeCapability.AccessMode`,
    /// the capabilities' `RPC`, `PluginCapability.Service`, …).
    struct EnumMessage: ProtoMessage {
        var value: Int32 = 0
        init() {}
        init(_ value: Int32) { self.value = value }
        mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
            guard field == 1 else { return false }
            value = try reader.int32(wire: wire)
            return true
        }
        func encode(to writer: inout ProtoWriter) { writer.int32(1, value) }
    }
}
