/// A message the kernel sent back.
public struct NetlinkReply: Sendable, Equatable {
    public var type: UInt16
    public var flags: UInt16
    public var sequence: UInt32
    /// Everything after nlmsghdr.
    public var payload: ArraySlice<UInt8>

    /// Message types every family shares.
    public static let noop: UInt16 = 1
    public static let error: UInt16 = 2
    public static let done: UInt16 = 3

    /// Splits a received datagram into messages.
    public static func parse(_ bytes: [UInt8]) -> [NetlinkReply] {
        var out: [NetlinkReply] = []
        var offset = 0
        while offset + 16 <= bytes.count {
            let slice = bytes[...]
            let length = Int(UInt32(littleEndianBytes: slice, at: offset))
            guard length >= 16, offset + length <= bytes.count else { break }
            out.append(NetlinkReply(
                type: UInt16(littleEndianBytes: slice, at: offset + 4),
                flags: UInt16(littleEndianBytes: slice, at: offset + 6),
                sequence: UInt32(littleEndianBytes: slice, at: offset + 8),
                payload: bytes[(offset + 16)..<(offset + length)]))
            offset += (length + 3) & ~3
        }
        return out
    }

    /// The attributes after a family header of `headerSize` bytes.
    public func attributes(after headerSize: Int) -> NetlinkAttributes {
        NetlinkAttributes(payload.dropFirst(headerSize))
    }
}

/// Attributes (TLVs) of a message or of a nested attribute.
public struct NetlinkAttributes: Sendable, Sequence {
    public let bytes: ArraySlice<UInt8>

    public init(_ bytes: ArraySlice<UInt8>) { self.bytes = bytes }

    public struct Attribute: Sendable {
        /// The type without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits.
        public var type: UInt16
        public var data: ArraySlice<UInt8>

        public var string: String {
            String(decoding: data.prefix { $0 != 0 }, as: UTF8.self)
        }
        public var u8: UInt8 { data.first ?? 0 }
        public var u16: UInt16 { data.count >= 2 ? UInt16(littleEndianBytes: data, at: 0) : 0 }
        public var u32: UInt32 { data.count >= 4 ? UInt32(littleEndianBytes: data, at: 0) : 0 }
        public var be32: UInt32 { data.count >= 4 ? UInt32(bigEndianBytes: data, at: 0) : 0 }
        public var be64: UInt64 { data.count >= 8 ? UInt64(bigEndianBytes: data, at: 0) : 0 }
        public var nested: NetlinkAttributes { NetlinkAttributes(data) }
    }

    public func makeIterator() -> AnyIterator<Attribute> {
        var offset = bytes.startIndex
        let end = bytes.endIndex
        let bytes = self.bytes
        return AnyIterator {
            guard offset + 4 <= end else { return nil }
            let length = Int(UInt16(littleEndianBytes: bytes, at: offset - bytes.startIndex))
            let type = UInt16(littleEndianBytes: bytes, at: offset - bytes.startIndex + 2) & 0x3fff
            guard length >= 4, offset + length <= end else { return nil }
            let attribute = Attribute(type: type, data: bytes[(offset + 4)..<(offset + length)])
            offset += (length + 3) & ~3
            return attribute
        }
    }

    /// The first attribute of `type`.
    public subscript(type: UInt16) -> Attribute? {
        first { $0.type == type }
    }
}
