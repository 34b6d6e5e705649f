/// One SPDY/3 frame (the framing `SPDY/3.1` upgrades of kubectl and the
/// API server use; flow control is not used by their peers).
///
///     control: |1| version 3 (15) | type (16) | flags (8) | length (24) | data
///     data:    |0| stream id (31)             | flags (8) | length (24) | data
public enum SPDYFrame: Equatable, Sendable {
    case synStream(streamID: UInt32, associatedTo: UInt32 = 0, priority: UInt8 = 0, flags: UInt8 = 0, headers: SPDYHeaders)
    case synReply(streamID: UInt32, flags: UInt8 = 0, headers: SPDYHeaders)
    case rstStream(streamID: UInt32, status: SPDYFrame.ResetStatus)
    case settings(flags: UInt8 = 0, entries: [Setting])
    case ping(id: UInt32)
    case goAway(lastStreamID: UInt32, status: UInt32 = 0)
    case headers(streamID: UInt32, flags: UInt8 = 0, headers: SPDYHeaders)
    case windowUpdate(streamID: UInt32, delta: UInt32)
    case data(streamID: UInt32, flags: UInt8 = 0, payload: [UInt8])

    /// FLAG_FIN: the sender's last frame on the stream.
    public static let fin: UInt8 = 0x01
    /// FLAG_UNIDIRECTIONAL on SYN_STREAM.
    public static let unidirectional: UInt8 = 0x02
    /// The largest payload a frame's 24-bit length allows.
    public static let maxPayload = (1 << 24) - 1

    /// Control frame types.
    enum Kind: UInt16 {
        case synStream = 1, synReply = 2, rstStream = 3, settings = 4, ping = 6, goAway = 7, headers = 8, windowUpdate = 9
    }

    /// RST_STREAM status codes.
    public enum ResetStatus: UInt32, Sendable {
        case protocolError = 1, invalidStream, refusedStream, unsupportedVersion, cancel, internalError,
             flowControlError, streamInUse, streamAlreadyClosed, invalidCredentials, frameTooLarge
    }

    /// One SETTINGS entry.
    public struct Setting: Equatable, Sendable {
        public var flags: UInt8
        public var id: UInt32
        public var value: UInt32

        public init(flags: UInt8 = 0, id: UInt32, value: UInt32) {
            self.flags = flags
            self.id = id
            self.value = value
        }
    }

    /// The stream a frame belongs to (0 for connection-level frames).
    public var streamID: UInt32 {
        switch self {
        case .synStream(let id, _, _, _, _), .synReply(let id, _, _), .rstStream(let id, _), .headers(let id, _, _),
             .windowUpdate(let id, _), .data(let id, _, _):
            return id
        case .settings, .ping, .goAway:
            return 0
        }
    }
}

/// The name/value pairs of a SPDY header block, in order. Names are
/// lower-case on the wire; several values of one name are joined with NUL.
public struct SPDYHeaders: Equatable, Sendable, ExpressibleByDictionaryLiteral {
    public var pairs: [(name: String, value: String)]

    public init(_ pairs: [(name: String, value: String)] = []) {
        self.pairs = pairs.map { (name: $0.name.lowercased(), value: $0.value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements.map { (name: $0.0, value: $0.1) })
    }

    /// The (first) value of `name`, case-insensitively.
    public subscript(name: String) -> String? {
        let key = name.lowercased()
        return pairs.first { $0.name == key }?.value
    }

    public static func == (a: SPDYHeaders, b: SPDYHeaders) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// The uncompressed block: count, then (length, name, length, value) each, all lengths 32-bit.
    func encoded() -> [UInt8] {
        var out = BigEndian.bytes(UInt32(pairs.count))
        for (name, value) in pairs {
            let n = Array(name.utf8), v = Array(value.utf8)
            out += BigEndian.bytes(UInt32(n.count)) + n + BigEndian.bytes(UInt32(v.count)) + v
        }
        return out
    }

    /// Parses an uncompressed block.
    static func decode(_ block: [UInt8]) throws(StreamingError) -> SPDYHeaders {
        var offset = 0
        func u32() throws(StreamingError) -> Int {
            guard offset + 4 <= block.count else { throw .protocolViolation("header block is truncated") }
            defer { offset += 4 }
            return Int(BigEndian.uint32(block, at: offset))
        }
        func string() throws(StreamingError) -> String {
            let length = try u32()
            guard length <= block.count - offset else { throw .protocolViolation("header block is truncated") }
            defer { offset += length }
            return String(decoding: block[offset..<(offset + length)], as: UTF8.self)
        }
        let count = try u32()
        guard count <= block.count / 8 else { throw .protocolViolation("header block claims \(count) headers in \(block.count) bytes") }
        var pairs: [(name: String, value: String)] = []
        for _ in 0..<count {
            let name = try string()
            let value = try string()
            pairs.append((name: name, value: value))
        }
        return SPDYHeaders(pairs)
    }
}
