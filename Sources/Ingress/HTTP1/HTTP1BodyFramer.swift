public import NIOCore

/// Finds where an HTTP/1.x body ends in a connection's bytes, handing out
/// its data as it comes: counted for `Content-Length`, decoded for
/// `chunked` (extensions and trailers are read and dropped, as nginx does),
/// or everything until the connection closes.
public struct HTTP1BodyFramer: Sendable {
    /// What the next bytes were.
    public enum Event: Sendable, Equatable {
        /// Body data (a slice of the connection's bytes).
        case data(ByteBuffer)
        /// The body has ended; the bytes after it are the next message.
        case end
    }

    enum State: Sendable {
        case length(remaining: Int64)
        /// A chunk-size line: the size so far and how many hex digits it had.
        case chunkSize(size: Int64, digits: Int)
        /// The rest of a chunk-size line after the size (extensions), how long so far.
        case chunkExtension(size: Int64, length: Int)
        /// The LF of a chunk-size line.
        case chunkSizeLF(size: Int64)
        case chunkData(remaining: Int64)
        /// The CRLF after a chunk's data (`sawCR`: its CR was read).
        case chunkDataEnd(sawCR: Bool)
        /// The trailer section: bytes in it so far, whether the current line has bytes, whether a CR was read.
        case trailers(length: Int, lineHasBytes: Bool, sawCR: Bool)
        case untilClose
        /// The last data was handed out; `.end` is next.
        case ending
        case done
    }

    var state: State
    /// Bytes allowed in a chunk-size line's extensions and in the trailer section.
    let maxLineBytes: Int

    /// A framer for a body delimited as `framing` says.
    public init(_ framing: HTTP1Head.Framing, maxLineBytes: Int = 64 * 1024) {
        switch framing {
        case .none, .length(0): state = .ending
        case .length(let n): state = .length(remaining: n)
        case .chunked: state = .chunkSize(size: 0, digits: 0)
        case .untilClose: state = .untilClose
        }
        self.maxLineBytes = maxLineBytes
    }

    /// The next event from the front of `buffer`, nil when more bytes are needed.
    /// `.end` is returned once (at once for a message without a body); after it, the framer takes nothing more.
    public mutating func next(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> Event? {
        while true {
            switch state {
            case .done:
                return nil
            case .ending:
                state = .done
                return .end
            case .length(let remaining):
                guard buffer.readableBytes > 0 else { return nil }
                let n = Int(min(Int64(buffer.readableBytes), remaining))
                state = remaining == Int64(n) ? .ending : .length(remaining: remaining - Int64(n))
                // Safe: n <= readableBytes.
                return .data(buffer.readSlice(length: n) ?? ByteBuffer())
            case .untilClose:
                guard buffer.readableBytes > 0 else { return nil }
                return .data(buffer.readSlice(length: buffer.readableBytes) ?? ByteBuffer())
            case .chunkData(let remaining):
                guard buffer.readableBytes > 0 else { return nil }
                let n = Int(min(Int64(buffer.readableBytes), remaining))
                state = remaining == Int64(n) ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: remaining - Int64(n))
                return .data(buffer.readSlice(length: n) ?? ByteBuffer())
            case .chunkSize, .chunkExtension, .chunkSizeLF, .chunkDataEnd, .trailers:
                guard let byte = buffer.readInteger(as: UInt8.self) else { return nil }
                if try step(byte) { return .end }
            }
        }
    }

    /// The connection closed: the end of a body read until then, else an error (the message was cut short).
    public mutating func inputEnded() throws(HTTP1ParseError) -> Event? {
        switch state {
        case .untilClose:
            state = .done
            return .end
        case .ending:
            state = .done
            return .end
        case .done:
            return nil
        default:
            throw .invalid("the connection closed before the body ended")
        }
    }

    /// One byte of the chunked framing; true when the body has ended.
    mutating func step(_ c: UInt8) throws(HTTP1ParseError) -> Bool {
        switch state {
        case .chunkSize(let size, let digits):
            if let d = Self.hexValue(c) {
                guard digits < 15 else { throw .invalid("a chunk size is too large") }
                state = .chunkSize(size: size << 4 | Int64(d), digits: digits + 1)
            } else if digits > 0, c == 0x0D {
                state = .chunkSizeLF(size: size)
            } else if digits > 0, c == UInt8(ascii: ";") || HTTP1Syntax.isSpace(c) {
                state = .chunkExtension(size: size, length: 1)
            } else {
                throw .invalid("invalid chunk size")
            }
        case .chunkExtension(let size, let length):
            if c == 0x0D {
                state = .chunkSizeLF(size: size)
            } else {
                guard HTTP1Syntax.isFieldValue(c) else { throw .invalid("invalid character in a chunk extension") }
                guard length < maxLineBytes else { throw .invalid("a chunk extension is too long") }
                state = .chunkExtension(size: size, length: length + 1)
            }
        case .chunkSizeLF(let size):
            guard c == 0x0A else { throw .invalid("a chunk-size line does not end in CRLF") }
            state = size == 0 ? .trailers(length: 0, lineHasBytes: false, sawCR: false) : .chunkData(remaining: size)
        case .chunkDataEnd(let sawCR):
            if !sawCR {
                guard c == 0x0D else { throw .invalid("a chunk's data is not followed by CRLF") }
                state = .chunkDataEnd(sawCR: true)
            } else {
                guard c == 0x0A else { throw .invalid("a chunk's data is not followed by CRLF") }
                state = .chunkSize(size: 0, digits: 0)
            }
        case .trailers(let length, let lineHasBytes, let sawCR):
            guard length < maxLineBytes else { throw .headTooLarge(limit: maxLineBytes) }
            if sawCR {
                guard c == 0x0A else { throw .invalid("a trailer line does not end in CRLF") }
                if !lineHasBytes {
                    state = .done
                    return true
                }
                state = .trailers(length: length + 1, lineHasBytes: false, sawCR: false)
            } else if c == 0x0D {
                state = .trailers(length: length + 1, lineHasBytes: lineHasBytes, sawCR: true)
            } else {
                guard HTTP1Syntax.isFieldValue(c), lineHasBytes || !HTTP1Syntax.isSpace(c) else { throw .invalid("invalid character in a trailer") }
                state = .trailers(length: length + 1, lineHasBytes: true, sawCR: false)
            }
        case .length, .untilClose, .chunkData, .ending, .done:
            break
        }
        return false
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
