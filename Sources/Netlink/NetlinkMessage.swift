/// One netlink message to send: header fields, a fixed-size family header
/// and attributes, built in pure Swift so tests compare the exact bytes.
///
/// ```swift
/// var m = NetlinkMessage(type: RouteNetlinkType.newLink, flags: [.request, .ack, .create, .exclusive])
/// m.append(IfInfoMessage(family: 0, index: 0).bytes)
/// m.attribute(IFLA.ifname, string: "br0")
/// m.nested(IFLA.linkinfo) { $0.attribute(IFLA_INFO.kind, string: "bridge") }
/// ```
public struct NetlinkMessage: Sendable, Equatable {
    public var type: UInt16
    public var flags: NetlinkFlags
    /// The family header and attributes (everything after nlmsghdr).
    public var payload: [UInt8] = []
    /// What this message does, for error messages ("RTM_NEWLINK veth1234").
    public var summary: String {
        get { subject.isEmpty ? action : action + subject }
        set {
            action = newValue
            subject = ""
        }
    }
    /// The summary in two parts, joined only when read: a batch of many
    /// messages shares one `action` string ("add rule ip kube-proxy ") and
    /// each names its `subject` (a chain) without a string of its own.
    var action: String
    var subject: String

    public init(type: UInt16, flags: NetlinkFlags, summary: String = "") {
        self.init(type: type, flags: flags, action: summary, subject: "")
    }

    /// A message whose summary is `action + subject`; `reserving` bytes of
    /// payload are allocated at once.
    public init(type: UInt16, flags: NetlinkFlags, action: String, subject: String, reserving capacity: Int = 0) {
        self.type = type
        self.flags = flags
        self.action = action
        self.subject = subject
        payload.reserveCapacity(capacity)
    }

    public static func == (a: NetlinkMessage, b: NetlinkMessage) -> Bool {
        a.type == b.type && a.flags == b.flags && a.payload == b.payload && a.summary == b.summary
    }

    /// Appends raw bytes (a family header), padded to 4 bytes.
    public mutating func append(_ bytes: [UInt8]) {
        payload.append(contentsOf: bytes)
        pad()
    }

    mutating func pad() {
        let extra = payload.count & 3
        if extra != 0 { payload.append(contentsOf: repeatElement(0, count: 4 - extra)) }
    }

    // The appenders below write straight into `payload`: a full sync of
    // kube-proxy encodes hundreds of thousands of messages, and temporary
    // arrays per attribute cost more than the rest of the encoding.

    /// Appends an attribute header (nlattr: length, type).
    mutating func header(length: Int, type: UInt16) {
        let l = UInt16(truncatingIfNeeded: length)
        payload.append(UInt8(truncatingIfNeeded: l))
        payload.append(UInt8(truncatingIfNeeded: l >> 8))
        payload.append(UInt8(truncatingIfNeeded: type))
        payload.append(UInt8(truncatingIfNeeded: type >> 8))
    }

    /// Appends an attribute with raw data.
    public mutating func attribute(_ type: UInt16, _ data: [UInt8]) {
        header(length: 4 + data.count, type: type)
        payload.append(contentsOf: data)
        pad()
    }

    public mutating func attribute(_ type: UInt16, string: String) {
        let utf8 = string.utf8
        header(length: 4 + utf8.count + 1, type: type)
        payload.append(contentsOf: utf8)
        payload.append(0)
        pad()
    }

    /// A NUL-terminated string attribute from a literal (no String to encode).
    public mutating func attribute(_ type: UInt16, string: StaticString) {
        header(length: 4 + string.utf8CodeUnitCount + 1, type: type)
        payload.append(contentsOf: UnsafeBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
        payload.append(0)
        pad()
    }

    public mutating func attribute(_ type: UInt16, u8: UInt8) { attribute(type, [u8]) }
    public mutating func attribute(_ type: UInt16, u16: UInt16) { attribute(type, u16.littleEndianBytes) }
    public mutating func attribute(_ type: UInt16, u32: UInt32) {
        header(length: 8, type: type)
        append32(u32.littleEndian)
    }
    public mutating func attribute(_ type: UInt16, u64: UInt64) { attribute(type, u64.littleEndianBytes) }
    /// Network byte order (nf_tables uses big-endian for most numbers).
    public mutating func attribute(_ type: UInt16, be32: UInt32) {
        header(length: 8, type: type)
        append32(be32.bigEndian)
    }
    public mutating func attribute(_ type: UInt16, be64: UInt64) { attribute(type, be64.bigEndianBytes) }

    /// Appends the four bytes of `value` as they lie in memory.
    mutating func append32(_ value: UInt32) {
        withUnsafeBytes(of: value) { payload.append(contentsOf: $0) }
    }

    /// Appends a nested attribute whose contents `body` builds. `flagNested`
    /// sets NLA_F_NESTED, which nf_tables requires.
    public mutating func nested(_ type: UInt16, flagNested: Bool = false, _ body: (inout NetlinkMessage) -> Void) {
        let start = payload.count
        payload.append(contentsOf: repeatElement(0, count: 4))
        body(&self)
        let length = UInt16(truncatingIfNeeded: payload.count - start)
        let t = flagNested ? type | 0x8000 : type
        payload[start] = UInt8(truncatingIfNeeded: length)
        payload[start + 1] = UInt8(truncatingIfNeeded: length >> 8)
        payload[start + 2] = UInt8(truncatingIfNeeded: t)
        payload[start + 3] = UInt8(truncatingIfNeeded: t >> 8)
        pad()
    }

    /// The complete message with its nlmsghdr.
    public func serialized(sequence: UInt32, portID: UInt32 = 0) -> [UInt8] {
        var out: [UInt8] = []
        serialize(into: &out, sequence: sequence, portID: portID)
        return out
    }

    /// Appends the complete message with its nlmsghdr to `out`.
    public func serialize(into out: inout [UInt8], sequence: UInt32, portID: UInt32 = 0) {
        out.reserveCapacity(out.count + 16 + payload.count)
        withUnsafeBytes(of: UInt32(16 + payload.count).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: type.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: flags.rawValue.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: sequence.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: portID.littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: payload)
    }
}

/// nlmsghdr flags.
public struct NetlinkFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let request = NetlinkFlags(rawValue: 0x1)
    public static let multi = NetlinkFlags(rawValue: 0x2)
    public static let ack = NetlinkFlags(rawValue: 0x4)
    public static let echo = NetlinkFlags(rawValue: 0x8)
    /// GET: the root of a dump.
    public static let root = NetlinkFlags(rawValue: 0x100)
    public static let match = NetlinkFlags(rawValue: 0x200)
    public static let dump: NetlinkFlags = [.root, .match]
    /// NEW: replace an existing object.
    public static let replace = NetlinkFlags(rawValue: 0x100)
    /// NEW: fail if it exists.
    public static let exclusive = NetlinkFlags(rawValue: 0x200)
    /// NEW: create if missing.
    public static let create = NetlinkFlags(rawValue: 0x400)
    /// NEW: append.
    public static let append = NetlinkFlags(rawValue: 0x800)
}

extension FixedWidthInteger {
    /// The value's bytes, least significant first.
    public var littleEndianBytes: [UInt8] {
        withUnsafeBytes(of: self.littleEndian) { Array($0) }
    }

    /// The value's bytes, most significant first (network order).
    public var bigEndianBytes: [UInt8] {
        withUnsafeBytes(of: self.bigEndian) { Array($0) }
    }

    /// Reads a little-endian value at `offset`.
    public init(littleEndianBytes bytes: ArraySlice<UInt8>, at offset: Int) {
        var v: Self = 0
        for i in 0..<MemoryLayout<Self>.size { v |= Self(truncatingIfNeeded: bytes[bytes.startIndex + offset + i]) << (8 * i) }
        self = v
    }

    /// Reads a big-endian value at `offset`.
    public init(bigEndianBytes bytes: ArraySlice<UInt8>, at offset: Int) {
        var v: Self = 0
        for i in 0..<MemoryLayout<Self>.size { v = (v << 8) | Self(truncatingIfNeeded: bytes[bytes.startIndex + offset + i]) }
        self = v
    }
}
