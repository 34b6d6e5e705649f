/// Turns SPDY/3 frames into bytes and bytes into frames for one side of a
/// connection. It owns the two header compression contexts, so frames must
/// be encoded in the order they are sent and parsed in the order received.
public final class SPDYFramer {
    private let compressor: SPDYHeaderCompressor
    private let decompressor: SPDYHeaderDecompressor
    private var buffer: [UInt8] = []
    private var offset = 0
    /// The largest frame accepted from the peer.
    public let maxFrameSize: Int

    public init(maxFrameSize: Int = 16 << 20) throws(StreamingError) {
        compressor = try SPDYHeaderCompressor()
        decompressor = try SPDYHeaderDecompressor()
        self.maxFrameSize = maxFrameSize
    }

    // MARK: Encoding

    /// The bytes of `frame`, header blocks compressed.
    public func encode(_ frame: SPDYFrame) throws(StreamingError) -> [UInt8] {
        switch frame {
        case .data(let id, let flags, let payload):
            guard payload.count <= SPDYFrame.maxPayload else { throw .protocolViolation("data frame of \(payload.count) bytes") }
            return BigEndian.bytes(id & 0x7fff_ffff) + [flags] + Self.length(payload.count) + payload
        case .synStream(let id, let associated, let priority, let flags, let headers):
            let body = BigEndian.bytes(id & 0x7fff_ffff) + BigEndian.bytes(associated & 0x7fff_ffff)
                + [(priority & 0x07) << 5, 0] + (try compressor.compress(headers.encoded()))
            return control(.synStream, flags: flags, body)
        case .synReply(let id, let flags, let headers):
            return control(.synReply, flags: flags, BigEndian.bytes(id & 0x7fff_ffff) + (try compressor.compress(headers.encoded())))
        case .headers(let id, let flags, let headers):
            return control(.headers, flags: flags, BigEndian.bytes(id & 0x7fff_ffff) + (try compressor.compress(headers.encoded())))
        case .rstStream(let id, let status):
            return control(.rstStream, flags: 0, BigEndian.bytes(id & 0x7fff_ffff) + BigEndian.bytes(status.rawValue))
        case .settings(let flags, let entries):
            var body = BigEndian.bytes(UInt32(entries.count))
            for e in entries { body += [e.flags] + Array(BigEndian.bytes(e.id).dropFirst()) + BigEndian.bytes(e.value) }
            return control(.settings, flags: flags, body)
        case .ping(let id):
            return control(.ping, flags: 0, BigEndian.bytes(id))
        case .goAway(let last, let status):
            return control(.goAway, flags: 0, BigEndian.bytes(last & 0x7fff_ffff) + BigEndian.bytes(status))
        case .windowUpdate(let id, let delta):
            return control(.windowUpdate, flags: 0, BigEndian.bytes(id & 0x7fff_ffff) + BigEndian.bytes(delta & 0x7fff_ffff))
        }
    }

    private func control(_ kind: SPDYFrame.Kind, flags: UInt8, _ body: [UInt8]) -> [UInt8] {
        [0x80, 0x03] + BigEndian.bytes(kind.rawValue) + [flags] + Self.length(body.count) + body
    }

    private static func length(_ n: Int) -> [UInt8] {
        [UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)]
    }

    // MARK: Parsing

    /// Adds bytes received from the peer.
    public func append(_ bytes: [UInt8]) {
        if offset > 0 && offset == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            offset = 0
        }
        buffer += bytes
    }

    /// The next complete frame, or nil until more bytes arrive. Frames of
    /// unknown control types are skipped, as the protocol asks.
    public func nextFrame() throws(StreamingError) -> SPDYFrame? {
        while true {
            guard buffer.count - offset >= 8 else { return nil }
            let length = Int(BigEndian.uint24(buffer, at: offset + 5))
            guard length <= maxFrameSize else { throw .protocolViolation("frame of \(length) bytes exceeds \(maxFrameSize)") }
            guard buffer.count - offset >= 8 + length else { return nil }
            let head = Array(buffer[offset..<(offset + 8)])
            let body = buffer[(offset + 8)..<(offset + 8 + length)]
            offset += 8 + length
            let frame = try decode(rawHead: head, body: body)
            if offset > 64 * 1024 {
                buffer.removeFirst(offset)
                offset = 0
            }
            if let frame { return frame }
        }
    }

    private func decode(rawHead h: [UInt8], body: ArraySlice<UInt8>) throws(StreamingError) -> SPDYFrame? {
        let flags = h[4]
        guard h[0] & 0x80 != 0 else {
            let id = BigEndian.uint32(h, at: 0) & 0x7fff_ffff
            return .data(streamID: id, flags: flags, payload: Array(body))
        }
        let version = BigEndian.uint16(h, at: 0) & 0x7fff
        guard version == 3 else { throw .unsupported("SPDY version \(version) (only 3 is spoken)") }
        guard let kind = SPDYFrame.Kind(rawValue: BigEndian.uint16(h, at: 2)) else { return nil }
        let b = Array(body)
        func need(_ n: Int) throws(StreamingError) {
            guard b.count >= n else { throw .protocolViolation("\(kind) frame of \(b.count) bytes is too short") }
        }
        switch kind {
        case .synStream:
            try need(10)
            let headers = try SPDYHeaders.decode(decompressor.decompress(b[10...]))
            return .synStream(streamID: BigEndian.uint32(b, at: 0) & 0x7fff_ffff, associatedTo: BigEndian.uint32(b, at: 4) & 0x7fff_ffff,
                              priority: b[8] >> 5, flags: flags, headers: headers)
        case .synReply:
            try need(4)
            return .synReply(streamID: BigEndian.uint32(b, at: 0) & 0x7fff_ffff, flags: flags,
                             headers: try SPDYHeaders.decode(decompressor.decompress(b[4...])))
        case .headers:
            try need(4)
            return .headers(streamID: BigEndian.uint32(b, at: 0) & 0x7fff_ffff, flags: flags,
                            headers: try SPDYHeaders.decode(decompressor.decompress(b[4...])))
        case .rstStream:
            try need(8)
            let status = SPDYFrame.ResetStatus(rawValue: BigEndian.uint32(b, at: 4)) ?? .protocolError
            return .rstStream(streamID: BigEndian.uint32(b, at: 0) & 0x7fff_ffff, status: status)
        case .settings:
            try need(4)
            let count = Int(BigEndian.uint32(b, at: 0))
            guard count <= (b.count - 4) / 8 else { throw .protocolViolation("SETTINGS claims \(count) entries") }
            let entries = (0..<count).map { i in
                let at = 4 + i * 8
                return SPDYFrame.Setting(flags: b[at], id: BigEndian.uint24(b, at: at + 1), value: BigEndian.uint32(b, at: at + 4))
            }
            return .settings(flags: flags, entries: entries)
        case .ping:
            try need(4)
            return .ping(id: BigEndian.uint32(b, at: 0))
        case .goAway:
            try need(4)
            return .goAway(lastStreamID: BigEndian.uint32(b, at: 0) & 0x7fff_ffff, status: b.count >= 8 ? BigEndian.uint32(b, at: 4) : 0)
        case .windowUpdate:
            try need(8)
            return .windowUpdate(streamID: BigEndian.uint32(b, at: 0) & 0x7fff_ffff, delta: BigEndian.uint32(b, at: 4) & 0x7fff_ffff)
        }
    }
}
