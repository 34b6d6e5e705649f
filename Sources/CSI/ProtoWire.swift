/// The protobuf wire format (proto3), enough for the CSI and plugin
/// registration messages: varints, 64-bit integers, booleans, enums,
/// strings, nested messages, repeated fields and `map<string, string>`.
///
/// The messages in this module are written by hand from the CSI
/// specification; each encodes itself into a ``ProtoWriter`` and decodes
/// itself field by field from a ``ProtoReader``. Unknown fields are skipped,
/// as protobuf requires, so a driver built against a newer spec still talks
/// to us. Decoding has a budget: a message larger than
/// ``ProtoReader/maximumMessageSize`` or nested deeper than
/// ``ProtoReader/maximumDepth`` is refused, so a misbehaving driver cannot
/// make the kubelet allocate or recurse without bound.

/// Why bytes are not a valid message.
public struct ProtoDecodingError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A protobuf message this module can encode and decode.
public protocol ProtoMessage: Sendable, Equatable {
    /// The message with every field at its default.
    init()
    /// Reads field `field` (of wire type `wire`) into `self`; returns false
    /// for a field this message does not know, which the caller skips.
    mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool
    /// Appends the fields that are not at their default.
    func encode(to writer: inout ProtoWriter)
}

extension ProtoMessage {
    /// Decodes a whole message.
    public init(serializedBytes bytes: some Collection<UInt8>) throws(ProtoDecodingError) {
        let array = Array(bytes)
        guard array.count <= ProtoReader.maximumMessageSize else {
            throw ProtoDecodingError("message of \(array.count) bytes is larger than the limit of \(ProtoReader.maximumMessageSize)")
        }
        var reader = ProtoReader(array[...], depth: 0)
        self = try reader.decodeMessage(Self.self)
    }

    /// The message's bytes.
    public func serializedBytes() -> [UInt8] {
        var writer = ProtoWriter()
        encode(to: &writer)
        return writer.bytes
    }
}

/// A message without fields (the spec's many `…Request {}` and `…Response {}`).
public struct EmptyMessage: ProtoMessage {
    public init() {}
    public mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool { false }
    public func encode(to writer: inout ProtoWriter) {}
}

/// Reads fields from a message's bytes.
public struct ProtoReader {
    /// The largest message decoded (gRPC's default receive limit is 4 MiB).
    public static let maximumMessageSize = 4 << 20
    /// The deepest nesting of messages decoded.
    public static let maximumDepth = 32

    var bytes: ArraySlice<UInt8>
    let depth: Int

    init(_ bytes: ArraySlice<UInt8>, depth: Int) {
        self.bytes = bytes
        self.depth = depth
    }

    /// Decodes the fields of a message from the rest of the bytes.
    mutating func decodeMessage<M: ProtoMessage>(_ type: M.Type) throws(ProtoDecodingError) -> M {
        var message = M()
        while let (field, wire) = try nextKey() {
            if try !message.decodeField(field, wire: wire, from: &self) { try skip(wire) }
        }
        return message
    }

    mutating func varint() throws(ProtoDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard let byte = bytes.popFirst() else { throw ProtoDecodingError("truncated varint") }
            guard shift < 64 else { throw ProtoDecodingError("varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func nextKey() throws(ProtoDecodingError) -> (Int, Int)? {
        if bytes.isEmpty { return nil }
        let key = try varint()
        let field = key >> 3
        guard field > 0, field <= 536_870_911 else { throw ProtoDecodingError("invalid field number \(field)") }
        return (Int(field), Int(key & 7))
    }

    mutating func lengthDelimited() throws(ProtoDecodingError) -> ArraySlice<UInt8> {
        let count = try varint()
        guard count <= UInt64(bytes.count) else { throw ProtoDecodingError("length \(count) runs past the end of the message") }
        let out = bytes.prefix(Int(count))
        bytes = bytes.dropFirst(Int(count))
        return out
    }

    mutating func skip(_ wire: Int) throws(ProtoDecodingError) {
        switch wire {
        case 0: _ = try varint()
        case 1:
            guard bytes.count >= 8 else { throw ProtoDecodingError("truncated fixed64") }
            bytes = bytes.dropFirst(8)
        case 2: _ = try lengthDelimited()
        case 5:
            guard bytes.count >= 4 else { throw ProtoDecodingError("truncated fixed32") }
            bytes = bytes.dropFirst(4)
        default: throw ProtoDecodingError("unsupported wire type \(wire)")
        }
    }

    private static func expect(_ wire: Int, _ wanted: Int) throws(ProtoDecodingError) {
        guard wire == wanted else { throw ProtoDecodingError("wire type \(wire) where \(wanted) was expected") }
    }

    /// A `string` field.
    public mutating func string(wire: Int) throws(ProtoDecodingError) -> String {
        try Self.expect(wire, 2)
        return String(decoding: try lengthDelimited(), as: UTF8.self)
    }

    /// An `int64` field.
    public mutating func int64(wire: Int) throws(ProtoDecodingError) -> Int64 {
        try Self.expect(wire, 0)
        return Int64(bitPattern: try varint())
    }

    /// An enum or `int32` field.
    public mutating func int32(wire: Int) throws(ProtoDecodingError) -> Int32 {
        try Self.expect(wire, 0)
        return Int32(truncatingIfNeeded: try varint())
    }

    /// A `bool` field.
    public mutating func bool(wire: Int) throws(ProtoDecodingError) -> Bool {
        try Self.expect(wire, 0)
        return try varint() != 0
    }

    /// A nested message field.
    public mutating func message<M: ProtoMessage>(_ type: M.Type, wire: Int) throws(ProtoDecodingError) -> M {
        try Self.expect(wire, 2)
        guard depth < Self.maximumDepth else { throw ProtoDecodingError("messages nested deeper than \(Self.maximumDepth)") }
        var nested = ProtoReader(try lengthDelimited(), depth: depth + 1)
        return try nested.decodeMessage(M.self)
    }

    /// One entry of a `map<string, string>` field.
    public mutating func mapEntry(wire: Int, into map: inout [String: String]) throws(ProtoDecodingError) {
        let entry = try message(StringMapEntry.self, wire: wire)
        map[entry.key] = entry.value
    }

    /// A `google.protobuf.BoolValue` field.
    public mutating func boolValue(wire: Int) throws(ProtoDecodingError) -> Bool {
        try message(BoolValue.self, wire: wire).value
    }
}

/// Appends fields in the wire format; proto3 leaves out fields at their default.
public struct ProtoWriter {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func key(_ field: Int, _ wire: Int) { varint(UInt64(field) << 3 | UInt64(wire)) }

    mutating func lengthDelimited(_ field: Int, _ payload: [UInt8]) {
        key(field, 2)
        varint(UInt64(payload.count))
        bytes += payload
    }

    /// A `string` field (left out when empty).
    public mutating func string(_ field: Int, _ value: String) {
        if !value.isEmpty { lengthDelimited(field, Array(value.utf8)) }
    }

    /// A `repeated string` field.
    public mutating func strings(_ field: Int, _ values: [String]) {
        for value in values { lengthDelimited(field, Array(value.utf8)) }
    }

    /// An `int64` field (left out when zero).
    public mutating func int64(_ field: Int, _ value: Int64) {
        if value != 0 { key(field, 0); varint(UInt64(bitPattern: value)) }
    }

    /// An enum or `int32` field (left out when zero); negative values take ten bytes, as protobuf's.
    public mutating func int32(_ field: Int, _ value: Int32) {
        if value != 0 { key(field, 0); varint(UInt64(bitPattern: Int64(value))) }
    }

    /// A `bool` field (left out when false).
    public mutating func bool(_ field: Int, _ value: Bool) {
        if value { key(field, 0); varint(1) }
    }

    /// A nested message field (left out when nil; written, maybe empty, when present).
    public mutating func message(_ field: Int, _ value: (some ProtoMessage)?) {
        if let value { lengthDelimited(field, value.serializedBytes()) }
    }

    /// A repeated message field.
    public mutating func messages(_ field: Int, _ values: [some ProtoMessage]) {
        for value in values { lengthDelimited(field, value.serializedBytes()) }
    }

    /// A `map<string, string>` field, its entries in key order (so equal maps encode equally).
    public mutating func map(_ field: Int, _ map: [String: String]) {
        for (key, value) in map.sorted(by: { $0.key < $1.key }) {
            message(field, StringMapEntry(key: key, value: value))
        }
    }

    /// A `google.protobuf.BoolValue` field (left out when nil).
    public mutating func boolValue(_ field: Int, _ value: Bool?) {
        message(field, value.map { BoolValue(value: $0) })
    }
}

/// One entry of a `map<string, string>`: key is field 1, value field 2.
struct StringMapEntry: ProtoMessage {
    var key = ""
    var value = ""
    init() {}
    init(key: String, value: String) {
        self.key = key
        self.value = value
    }
    mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
        switch field {
        case 1: key = try reader.string(wire: wire)
        case 2: value = try reader.string(wire: wire)
        default: return false
        }
        return true
    }
    func encode(to writer: inout ProtoWriter) {
        writer.string(1, key)
        writer.string(2, value)
    }
}

/// `google.protobuf.BoolValue`: a bool that can be absent.
struct BoolValue: ProtoMessage {
    var value = false
    init() {}
    init(value: Bool) { self.value = value }
    mutating func decodeField(_ field: Int, wire: Int, from reader: inout ProtoReader) throws(ProtoDecodingError) -> Bool {
        guard field == 1 else { return false }
        value = try reader.bool(wire: wire)
        return true
    }
    func encode(to writer: inout ProtoWriter) { writer.bool(1, value) }
}
