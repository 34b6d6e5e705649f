public import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why bytes are not an HTTP/1.x message the proxy passes on.
public enum HTTP1ParseError: Error, Equatable, CustomStringConvertible {
    /// The head grew past the limit before its empty line.
    case headTooLarge(limit: Int)
    /// The bytes break HTTP/1.1's syntax (RFC 9112); what is wrong.
    case invalid(String)
    /// A request's `Transfer-Encoding` other than `chunked` (answered 501 as upstream servers do).
    case unsupportedTransferCoding(String)

    public var description: String {
        switch self {
        case .headTooLarge(let limit): return "the message head is larger than \(limit) bytes"
        case .invalid(let why): return "invalid HTTP/1.1 message: \(why)"
        case .unsupportedTransferCoding(let coding): return "unsupported transfer coding \"\(coding)\""
        }
    }
}

/// Takes HTTP/1.x heads off the front of a connection's bytes, strictly
/// (RFC 9112): lines end in CRLF, no whitespace before a field's colon, no
/// obsolete line folding, one agreed `Content-Length`, and never both
/// `Content-Length` and `Transfer-Encoding` in a request, so that the proxy
/// and the backend cannot disagree on where a message ends (request
/// smuggling). A head larger than `maxBytes` is refused while it arrives.
public struct HTTP1HeadParser: Sendable {
    /// Which start line to expect.
    public enum Kind: Sendable { case request, response }

    public let kind: Kind
    public let maxBytes: Int
    /// Header fields allowed in one head.
    public static let maxFields = 500
    /// How many bytes at the front of the buffer were already searched for the head's end.
    var scanned = 0

    public init(kind: Kind, maxBytes: Int = 64 * 1024) {
        self.kind = kind
        self.maxBytes = maxBytes
    }

    /// The next complete head, read off `buffer`; nil when more bytes are needed.
    public mutating func parse(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> HTTP1Head? {
        if kind == .request, scanned == 0 {
            skipEmptyLines(&buffer)
            // Half of an empty line: wait for its LF.
            if buffer.readableBytes == 1, buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == 0x0D { return nil }
        }
        guard let end = try findEnd(buffer) else {
            if buffer.readableBytes > maxBytes { throw .headTooLarge(limit: maxBytes) }
            return nil
        }
        if end > maxBytes { throw .headTooLarge(limit: maxBytes) }
        scanned = 0
        guard let bytes = buffer.readSlice(length: end) else { return nil }
        return try Self.head(bytes, kind: kind)
    }

    /// Empty lines before a request line are ignored (RFC 9112 §2.2).
    func skipEmptyLines(_ buffer: inout ByteBuffer) {
        while buffer.readableBytes >= 2, buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) == 0x0D0A {
            buffer.moveReaderIndex(forwardBy: 2)
        }
    }

    /// The length of the head (through its empty line) at the front of `buffer`, if it is all there.
    mutating func findEnd(_ buffer: ByteBuffer) throws(HTTP1ParseError) -> Int? {
        let result: Result<Int?, HTTP1ParseError> = buffer.withUnsafeReadableBytes { p in
            guard let base = p.baseAddress else { return .success(nil) }
            var i = scanned
            let n = p.count
            // From one LF to the next (memchr), not byte by byte.
            while i < n, let found = memchr(base + i, 0x0A, n - i) {
                i = UnsafeRawPointer(found) - base
                guard i >= 1, p[i - 1] == 0x0D else { return .failure(.invalid("a line ends in a bare LF")) }
                if i == 1 { return .failure(.invalid("the start line is empty")) }
                if i >= 3, p[i - 2] == 0x0A { return .success(i + 1) }
                i += 1
            }
            scanned = n
            return .success(nil)
        }
        return try result.get()
    }

    /// Parses a complete head (reader index 0, ending in CRLF CRLF).
    static func head(_ bytes: ByteBuffer, kind: Kind) throws(HTTP1ParseError) -> HTTP1Head {
        let result: Result<HTTP1Head, HTTP1ParseError> = bytes.withUnsafeReadableBytes { p in
            var scanner = Scanner(p: p)
            do throws(HTTP1ParseError) {
                return .success(try scanner.head(bytes, kind: kind))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// One pass over a head's bytes.
    struct Scanner {
        let p: UnsafeRawBufferPointer
        var i = 0

        init(p: UnsafeRawBufferPointer) { self.p = p }

        mutating func head(_ bytes: ByteBuffer, kind: Kind) throws(HTTP1ParseError) -> HTTP1Head {
            let first: Range<Int>, second: Range<Int>, minor: Int, status: Int
            switch kind {
            case .request:
                first = try run(HTTP1Syntax.isToken, "method")
                try expect(0x20, "a single space after the method")
                second = try run(HTTP1Syntax.isTarget, "request target")
                try expect(0x20, "a single space after the request target")
                minor = try version()
                status = 0
                try lineEnd("after the HTTP version")
            case .response:
                minor = try version()
                try expect(0x20, "a space after the HTTP version")
                status = try statusCode()
                if i < p.count, p[i] == 0x20 {
                    i += 1
                    let s = i
                    while i < p.count, HTTP1Syntax.isFieldValue(p[i]) { i += 1 }
                    second = s..<i
                } else {
                    second = i..<i
                }
                first = 0..<0
                try lineEnd("after the status")
            }
            var fields: [HTTP1Head.Field] = []
            fields.reserveCapacity(12)
            var contentLength: Int64?
            var transferEncoding: [Range<Int>] = []
            var close = false, keepAlive = false, namesFields = false, upgrade = false
            while !(p[i] == 0x0D && p[i + 1] == 0x0A) {
                if HTTP1Syntax.isSpace(p[i]) { throw .invalid("obsolete line folding") }
                guard fields.count < HTTP1HeadParser.maxFields else { throw .invalid("more than \(HTTP1HeadParser.maxFields) header fields") }
                let lineStart = i
                let name = try run(HTTP1Syntax.isToken, "header field name")
                guard p[i] == UInt8(ascii: ":") else { throw .invalid("whitespace or an invalid character in a header field name") }
                i += 1
                while HTTP1Syntax.isSpace(p[i]) { i += 1 }
                let valueStart = i
                while HTTP1Syntax.isFieldValue(p[i]) { i += 1 }
                var valueEnd = i
                while valueEnd > valueStart, HTTP1Syntax.isSpace(p[valueEnd - 1]) { valueEnd -= 1 }
                try lineEnd("in a header field value")
                let known = Self.name(p, name)
                fields.append(HTTP1Head.Field(nameStart: Int32(name.lowerBound), nameLength: Int32(name.count), valueStart: Int32(valueStart),
                                              valueLength: Int32(valueEnd - valueStart), lineStart: Int32(lineStart), lineEnd: Int32(i), name: known))
                let value = valueStart..<valueEnd
                switch known {
                case .contentLength:
                    let length = try Self.contentLength(p, value)
                    if let contentLength, contentLength != length { throw .invalid("differing Content-Length values") }
                    contentLength = length
                case .transferEncoding:
                    transferEncoding.append(value)
                case .connection:
                    // Its tokens: close, keep-alive, upgrade, or the name of a hop-by-hop field.
                    _ = HTTP1Syntax.anyListElement(p, value) { token in
                        if HTTP1Syntax.equal(p, token, "close") {
                            close = true
                        } else if HTTP1Syntax.equal(p, token, "keep-alive") {
                            keepAlive = true
                        } else if HTTP1Syntax.equal(p, token, "upgrade") {
                            upgrade = true
                        } else if !token.isEmpty {
                            namesFields = true
                        }
                        return false
                    }
                default:
                    break
                }
            }
            let framing = try Self.framing(p, kind: kind, minor: minor, contentLength: contentLength, transferEncoding: transferEncoding)
            return HTTP1Head(bytes: bytes, fields: fields, first: first, second: second, minorVersion: minor, status: status,
                             framing: framing, keepAlive: minor == 1 ? !close : keepAlive && !close, connectionNamesFields: namesFields,
                             connectionUpgrade: upgrade)
        }

        /// One or more bytes of a class.
        @inline(__always)
        mutating func run(_ allowed: (UInt8) -> Bool, _ what: String) throws(HTTP1ParseError) -> Range<Int> {
            let s = i
            while allowed(p[i]) { i += 1 }
            guard i > s else { throw .invalid("missing or invalid \(what)") }
            return s..<i
        }

        mutating func expect(_ byte: UInt8, _ what: String) throws(HTTP1ParseError) {
            guard p[i] == byte else { throw .invalid("expected \(what)") }
            i += 1
        }

        mutating func lineEnd(_ whereInLine: String) throws(HTTP1ParseError) {
            guard p[i] == 0x0D, p[i + 1] == 0x0A else { throw .invalid("invalid character \(whereInLine)") }
            i += 2
        }

        /// `HTTP/1.0` or `HTTP/1.1`: the minor version.
        mutating func version() throws(HTTP1ParseError) -> Int {
            let prefix = "HTTP/1."
            for expected in prefix.utf8 {
                guard p[i] == expected else { throw .invalid("expected HTTP/1.0 or HTTP/1.1") }
                i += 1
            }
            guard p[i] == UInt8(ascii: "0") || p[i] == UInt8(ascii: "1") else { throw .invalid("expected HTTP/1.0 or HTTP/1.1") }
            defer { i += 1 }
            return Int(p[i] - UInt8(ascii: "0"))
        }

        mutating func statusCode() throws(HTTP1ParseError) -> Int {
            var code = 0
            for _ in 0..<3 {
                guard p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") else { throw .invalid("the status code is not three digits") }
                code = code * 10 + Int(p[i] - UInt8(ascii: "0"))
                i += 1
            }
            guard code >= 100 else { throw .invalid("status code \(code)") }
            return code
        }


        /// What a header field's name is to the proxy.
        static func name(_ p: UnsafeRawBufferPointer, _ name: Range<Int>) -> HTTP1Head.Name {
            switch name.count {
            case 4 where HTTP1Syntax.equal(p, name, "host"): return .host
            case 14 where HTTP1Syntax.equal(p, name, "content-length"): return .contentLength
            case 17 where HTTP1Syntax.equal(p, name, "transfer-encoding"): return .transferEncoding
            case 10 where HTTP1Syntax.equal(p, name, "connection"): return .connection
            case 7 where HTTP1Syntax.equal(p, name, "upgrade"): return .upgrade
            case 9 where HTTP1Syntax.equal(p, name, "x-real-ip"): return .clientForwarding
            case 13... where HTTP1Syntax.equal(p, name.lowerBound..<name.lowerBound + 12, "x-forwarded-"): return .clientForwarding
            default: return ForwardedHeaders.hopByHop.contains { HTTP1Syntax.equal(p, name, $0) } ? .hopByHop : .other
            }
        }

        /// A `Content-Length` value: digits, or a list of the same digits repeated (RFC 9110 §8.6).
        static func contentLength(_ p: UnsafeRawBufferPointer, _ range: Range<Int>) throws(HTTP1ParseError) -> Int64 {
            var result: Int64?
            var i = range.lowerBound
            while i <= range.upperBound {
                while i < range.upperBound, HTTP1Syntax.isSpace(p[i]) { i += 1 }
                var value: Int64 = 0, digits = 0
                while i < range.upperBound, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "9") {
                    guard digits < 18 else { throw .invalid("Content-Length is too large") }
                    value = value * 10 + Int64(p[i] - UInt8(ascii: "0"))
                    digits += 1
                    i += 1
                }
                while i < range.upperBound, HTTP1Syntax.isSpace(p[i]) { i += 1 }
                guard digits > 0, i == range.upperBound || p[i] == UInt8(ascii: ",") else { throw .invalid("Content-Length is not a number") }
                if let result, result != value { throw .invalid("differing Content-Length values") }
                result = value
                i += 1
            }
            return result ?? 0
        }

        /// RFC 9112 §6.3: how the body is delimited.
        static func framing(_ p: UnsafeRawBufferPointer, kind: Kind, minor: Int, contentLength: Int64?,
                            transferEncoding: [Range<Int>]) throws(HTTP1ParseError) -> HTTP1Head.Framing {
            guard !transferEncoding.isEmpty else {
                if let contentLength { return contentLength == 0 && kind == .request ? .none : .length(contentLength) }
                return kind == .request ? .none : .untilClose
            }
            let codings = transferEncoding.map { String(decoding: UnsafeRawBufferPointer(rebasing: p[$0]), as: UTF8.self) }.joined(separator: ",")
            let elements = codings.split(separator: ",").map { $0.trimmingSpaces.lowercased() }.filter { !$0.isEmpty }
            switch kind {
            case .request:
                if contentLength != nil { throw .invalid("both Content-Length and Transfer-Encoding") }
                if minor == 0 { throw .invalid("Transfer-Encoding in an HTTP/1.0 request") }
                guard elements == ["chunked"] else { throw .unsupportedTransferCoding(codings) }
                return .chunked
            case .response:
                // Transfer-Encoding overrides Content-Length; a coding the proxy would have to drop is refused.
                guard elements == ["chunked"] else { throw .invalid("unsupported transfer coding \"\(codings)\" in a response") }
                return .chunked
            }
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" { s.removeLast() }
        return s
    }
}
