/// One websocket frame (RFC 6455 section 5.2).
///
///     |FIN|RSV1-3| opcode (4) |MASK| length (7) | [length 16 or 64] | [mask key 32] | payload
public struct WebSocketFrame: Equatable, Sendable {
    public enum Opcode: UInt8, Sendable {
        case continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9, pong = 0xA

        /// Close, ping and pong: never fragmented, at most 125 bytes.
        public var isControl: Bool { rawValue & 0x8 != 0 }
    }

    public var fin: Bool
    public var opcode: Opcode
    public var payload: [UInt8]

    public init(fin: Bool = true, opcode: Opcode, payload: [UInt8]) {
        self.fin = fin
        self.opcode = opcode
        self.payload = payload
    }

    /// The frame's bytes. Servers send unmasked frames; clients pass a
    /// 4-byte `mask` (section 5.3).
    public func encoded(mask: [UInt8]? = nil) -> [UInt8] {
        var out: [UInt8] = [(fin ? 0x80 : 0) | opcode.rawValue]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        let n = payload.count
        if n < 126 {
            out.append(maskBit | UInt8(n))
        } else if n <= 0xffff {
            out.append(maskBit | 126)
            out += BigEndian.bytes(UInt16(n))
        } else {
            out.append(maskBit | 127)
            out += BigEndian.bytes(UInt32(UInt64(n) >> 32)) + BigEndian.bytes(UInt32(UInt64(n) & 0xffff_ffff))
        }
        guard let mask, mask.count == 4 else { return out + payload }
        out += mask
        out.reserveCapacity(out.count + n)
        for (i, byte) in payload.enumerated() { out.append(byte ^ mask[i & 3]) }
        return out
    }

    /// A close frame with a status code (1000 normal) and reason.
    public static func close(code: UInt16 = 1000, reason: String = "") -> WebSocketFrame {
        WebSocketFrame(opcode: .close, payload: BigEndian.bytes(code) + Array(reason.utf8.prefix(123)))
    }
}

/// What a websocket peer said, once fragments are joined.
public enum WebSocketMessage: Equatable, Sendable {
    case text([UInt8])
    case binary([UInt8])
    case ping([UInt8])
    case pong([UInt8])
    /// The peer is closing: its status code (nil if none) and reason.
    case close(code: UInt16?, reason: String)
}
