public import NIOCore

/// Reads HTTP/1.x messages off a connection's bytes, one part at a time:
/// heads with ``HTTP1HeadParser``, then their bodies with
/// ``HTTP1BodyFramer``. Both sides of the proxy read with it: requests from
/// clients, responses from backends.
public struct HTTP1MessageReader: Sendable {
    /// One part of a message.
    public enum Part: Sendable {
        case head(HTTP1Head)
        /// Body data, without chunked framing.
        case body(ByteBuffer)
        /// The message has ended (an informational response's head has none).
        case end
    }

    var parser: HTTP1HeadParser
    var framer: HTTP1BodyFramer?
    var buffer = ByteBuffer()
    /// Responses: the request was `HEAD`, so the response has no body.
    public var requestIsHEAD = false
    /// A `101 Switching Protocols` was read: the bytes after it are not HTTP, and nothing more is read.
    public private(set) var switched = false

    public init(kind: HTTP1HeadParser.Kind, maxBytes: Int = 64 * 1024) {
        parser = HTTP1HeadParser(kind: kind, maxBytes: maxBytes)
    }

    /// Whether bytes wait that no part has taken yet.
    public var hasBufferedBytes: Bool { buffer.readableBytes > 0 }

    /// Adds bytes read from the connection.
    public mutating func append(_ bytes: ByteBuffer) {
        if buffer.readableBytes == 0 {
            buffer = bytes
        } else {
            var bytes = bytes
            buffer.writeBuffer(&bytes)
        }
    }

    /// The next complete part, nil when more bytes are needed (or after a `101`).
    public mutating func next() throws(HTTP1ParseError) -> Part? {
        defer { compact() }
        if var body = framer {
            let event = try body.next(&buffer)
            framer = event == .end ? nil : body
            switch event {
            case .data(let data)?: return .body(data)
            case .end?: return .end
            case nil: return nil
            }
        }
        guard !switched, let head = try parser.parse(&buffer) else { return nil }
        let framing: HTTP1Head.Framing
        switch parser.kind {
        case .request:
            framing = head.framing
        case .response:
            if head.status == 101 { switched = true }
            // An informational head is followed by another head, not a body.
            if head.status < 200 { return .head(head) }
            framing = head.responseFraming(requestIsHEAD: requestIsHEAD)
        }
        // A message without a body has `.end` next.
        framer = HTTP1BodyFramer(framing, maxLineBytes: parser.maxBytes)
        return .head(head)
    }

    /// The connection closed: the end of a body read until then; an error when a message was cut short.
    public mutating func inputEnded() throws(HTTP1ParseError) -> Part? {
        guard var body = framer else {
            if buffer.readableBytes > 0, !switched { throw .invalid("the connection closed in the middle of a head") }
            return nil
        }
        framer = nil
        return try body.inputEnded() == .end ? .end : nil
    }

    /// The bytes not read as HTTP (after a `101`, or after a request the proxy stopped at), handed over once.
    public mutating func takeBuffered() -> ByteBuffer? {
        defer { buffer = ByteBuffer() }
        return buffer.readableBytes > 0 ? buffer : nil
    }

    /// Drops bytes nobody asked for.
    public mutating func discardBuffered() { buffer = ByteBuffer() }

    /// Lets go of the read buffer once it is all read (not `clear()`, which would allocate a new one while body slices
    /// still share it), and of the read part of a long one.
    mutating func compact() {
        if buffer.readableBytes == 0 { buffer = ByteBuffer() } else if buffer.readerIndex > 4096 { buffer.discardReadBytes() }
    }
}
