/// Parses the websocket frames a peer sends and joins fragmented messages.
/// Feed it bytes with ``append(_:)`` and take messages with
/// ``nextMessage()``; control frames may arrive between the fragments of a
/// data message and are returned at once.
public struct WebSocketParser: Sendable {
    private var buffer: [UInt8] = []
    private var offset = 0
    private var fragments: [UInt8] = []
    private var fragmentedOpcode: WebSocketFrame.Opcode?
    /// Whether frames must be masked (a server parsing a client's frames).
    public let requireMask: Bool
    /// The largest message accepted.
    public let maxMessageSize: Int

    public init(requireMask: Bool, maxMessageSize: Int = 16 << 20) {
        self.requireMask = requireMask
        self.maxMessageSize = maxMessageSize
    }

    public mutating func append(_ bytes: [UInt8]) {
        if offset > 0 && (offset == buffer.count || offset > 64 * 1024) {
            buffer.removeFirst(offset)
            offset = 0
        }
        buffer += bytes
    }

    /// The next complete frame, unmasked, or nil until more bytes arrive.
    public mutating func nextFrame() throws(StreamingError) -> WebSocketFrame? {
        let available = buffer.count - offset
        guard available >= 2 else { return nil }
        let b0 = buffer[offset], b1 = buffer[offset + 1]
        guard b0 & 0x70 == 0 else { throw .protocolViolation("websocket frame with reserved bits set (no extension was negotiated)") }
        guard let opcode = WebSocketFrame.Opcode(rawValue: b0 & 0x0f) else {
            throw .protocolViolation("websocket opcode \(b0 & 0x0f) is reserved")
        }
        let masked = b1 & 0x80 != 0
        if requireMask && !masked { throw .protocolViolation("client websocket frames must be masked") }
        var header = 2
        var length = UInt64(b1 & 0x7f)
        if length == 126 {
            guard available >= 4 else { return nil }
            length = UInt64(BigEndian.uint16(buffer, at: offset + 2))
            header = 4
        } else if length == 127 {
            guard available >= 10 else { return nil }
            length = UInt64(BigEndian.uint32(buffer, at: offset + 2)) << 32 | UInt64(BigEndian.uint32(buffer, at: offset + 6))
            header = 10
        }
        if opcode.isControl {
            guard b0 & 0x80 != 0, length <= 125 else { throw .protocolViolation("websocket control frames must be unfragmented and at most 125 bytes") }
        }
        guard length <= UInt64(maxMessageSize) else { throw .protocolViolation("websocket frame of \(length) bytes exceeds \(maxMessageSize)") }
        let maskLength = masked ? 4 : 0
        guard available >= header + maskLength + Int(length) else { return nil }
        let start = offset + header + maskLength
        var payload = Array(buffer[start..<(start + Int(length))])
        if masked {
            let key = buffer[(offset + header)..<(offset + header + 4)].map { $0 }
            for i in payload.indices { payload[i] ^= key[i & 3] }
        }
        offset = start + Int(length)
        return WebSocketFrame(fin: b0 & 0x80 != 0, opcode: opcode, payload: payload)
    }

    /// The next complete message, or nil until more bytes arrive.
    public mutating func nextMessage() throws(StreamingError) -> WebSocketMessage? {
        while let frame = try nextFrame() {
            switch frame.opcode {
            case .ping: return .ping(frame.payload)
            case .pong: return .pong(frame.payload)
            case .close:
                guard frame.payload.count >= 2 else { return .close(code: nil, reason: "") }
                return .close(code: BigEndian.uint16(frame.payload, at: 0),
                              reason: String(decoding: frame.payload.dropFirst(2), as: UTF8.self))
            case .text, .binary:
                guard fragmentedOpcode == nil else { throw .protocolViolation("a new websocket message began before the last one ended") }
                if frame.fin { return frame.opcode == .text ? .text(frame.payload) : .binary(frame.payload) }
                fragmentedOpcode = frame.opcode
                fragments = frame.payload
            case .continuation:
                guard let opcode = fragmentedOpcode else { throw .protocolViolation("websocket continuation frame without a message") }
                guard fragments.count + frame.payload.count <= maxMessageSize else {
                    throw .protocolViolation("websocket message exceeds \(maxMessageSize) bytes")
                }
                fragments += frame.payload
                if frame.fin {
                    let message = fragments
                    fragments = []
                    fragmentedOpcode = nil
                    return opcode == .text ? .text(message) : .binary(message)
                }
            }
        }
        return nil
    }
}
