public import NIOCore

/// One HTTP/1.x message head as it came off the wire: its bytes, and where
/// its start line and header fields are in them. The proxy reads the few
/// fields it needs in place and copies the others' lines as they are, so a
/// head is never turned into strings and encoded again.
public struct HTTP1Head: Sendable {
    /// One header field: where its name and value are in ``bytes``, and where its line ends (after the CRLF).
    struct Field: Sendable {
        var nameStart: Int32
        var nameLength: Int32
        var valueStart: Int32
        var valueLength: Int32
        var lineStart: Int32
        var lineEnd: Int32
        /// What the proxy knows the name to be, decided once while parsing.
        var name: Name
    }

    /// The header names the proxy acts on (compared once per field, while parsing, instead of per use).
    enum Name: UInt8, Sendable {
        case other
        case host
        case contentLength
        /// Hop-by-hop ones the proxy reads: they are never forwarded either.
        case transferEncoding, connection, upgrade
        /// The other hop-by-hop headers of ``ForwardedHeaders/hopByHop``.
        case hopByHop
        /// `X-Forwarded-*` and `X-Real-IP`, which the proxy sets itself on requests.
        case clientForwarding

        /// Whether the field describes one connection (RFC 9110 §7.6.1), so is never forwarded.
        var isHopByHop: Bool { self == .transferEncoding || self == .connection || self == .upgrade || self == .hopByHop }
    }

    /// How the body that follows a head is delimited (RFC 9112 §6).
    public enum Framing: Sendable, Equatable {
        /// No body.
        case none
        /// `Content-Length` bytes.
        case length(Int64)
        /// `Transfer-Encoding: chunked`.
        case chunked
        /// Until the connection closes (responses only).
        case untilClose
    }

    /// The head's bytes, from the start line to the empty line, reader index at 0.
    public let bytes: ByteBuffer
    var fields: [Field]
    /// Requests: the method and the target; responses: the status code and the reason.
    var first: Range<Int>
    var second: Range<Int>
    /// `1` for HTTP/1.1, `0` for HTTP/1.0.
    public let minorVersion: Int
    /// The response's status code (0 for a request).
    public let status: Int
    /// How the body after this head is delimited; for a response, as if the request was not `HEAD` (see ``responseFraming(requestIsHEAD:)``).
    public let framing: Framing
    /// Whether the connection stays open after this message, by the version and the `Connection` header.
    public let keepAlive: Bool
    /// Whether a `Connection` header names header fields (tokens other than close, keep-alive and upgrade), which are hop-by-hop then.
    let connectionNamesFields: Bool
    /// Whether a `Connection` header has the token `upgrade`.
    public let connectionUpgrade: Bool

    init(bytes: ByteBuffer, fields: [Field], first: Range<Int>, second: Range<Int>, minorVersion: Int, status: Int,
         framing: Framing, keepAlive: Bool, connectionNamesFields: Bool, connectionUpgrade: Bool) {
        self.bytes = bytes
        self.fields = fields
        self.first = first
        self.second = second
        self.minorVersion = minorVersion
        self.status = status
        self.framing = framing
        self.keepAlive = keepAlive
        self.connectionNamesFields = connectionNamesFields
        self.connectionUpgrade = connectionUpgrade
    }

    /// The request's method.
    public var method: String { text(first) }
    /// The request's target (path and query, as sent).
    public var target: String { text(second) }
    /// The response's reason phrase.
    public var reason: String { text(second) }
    /// Whether the request's method is `HEAD`.
    public var isHEAD: Bool { first.count == 4 && matches(first, "head") }
    /// How many header fields the head has.
    public var fieldCount: Int { fields.count }

    /// The first value of the header `lowercaseName`, if present.
    public func value(_ lowercaseName: String) -> String? {
        for f in fields where nameIs(f, lowercaseName) { return text(Int(f.valueStart)..<Int(f.valueStart + f.valueLength)) }
        return nil
    }

    /// The first value of a header the parser recognized (see ``Name``).
    func value(_ name: Name) -> String? {
        for f in fields where f.name == name { return text(Int(f.valueStart)..<Int(f.valueStart + f.valueLength)) }
        return nil
    }

    /// Whether some value of the comma-separated header `lowercaseName` has the token `lowercaseToken`.
    public func hasToken(_ lowercaseName: String, _ lowercaseToken: String) -> Bool {
        fields.contains { nameIs($0, lowercaseName) && Self.listContains(bytes, Int($0.valueStart)..<Int($0.valueStart + $0.valueLength), lowercaseToken) }
    }

    /// Every header as a name and a value (for HTTP/2 clients, whose heads are made of strings anyway).
    public var headers: [(name: String, value: String)] {
        fields.map { (text(Int($0.nameStart)..<Int($0.nameStart + $0.nameLength)), text(Int($0.valueStart)..<Int($0.valueStart + $0.valueLength))) }
    }

    /// A response's framing given the request's method: `HEAD`, 1xx, 204 and 304 have no body (RFC 9112 §6.3).
    public func responseFraming(requestIsHEAD: Bool) -> Framing {
        requestIsHEAD || status < 200 || status == 204 || status == 304 ? .none : framing
    }

    func text(_ range: Range<Int>) -> String {
        bytes.getString(at: range.lowerBound, length: range.count) ?? ""
    }

    func nameIs(_ field: Field, _ lowercaseName: String) -> Bool {
        Int(field.nameLength) == lowercaseName.utf8.count && matches(Int(field.nameStart)..<Int(field.nameStart + field.nameLength), lowercaseName)
    }

    /// Whether the bytes in `range` equal the lowercase ASCII `lowercase`, ignoring case.
    func matches(_ range: Range<Int>, _ lowercase: String) -> Bool {
        bytes.withUnsafeReadableBytes { HTTP1Syntax.equal($0, range, lowercase) }
    }

    /// Whether the comma-separated list in `range` of `buffer` has `lowercaseToken` as one of its elements.
    static func listContains(_ buffer: ByteBuffer, _ range: Range<Int>, _ lowercaseToken: String) -> Bool {
        buffer.withUnsafeReadableBytes { p in
            HTTP1Syntax.anyListElement(p, range) { HTTP1Syntax.equal(p, $0, lowercaseToken) }
        }
    }
}

/// Byte classes of RFC 9110 §5.6.
enum HTTP1Syntax {
    @inline(__always) static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }
    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }

    /// `tchar`, the characters of a token (method, header name): letters, digits and ``!#$%&'*+-.^_`|~``, as a bit
    /// per ASCII character (HTTP1ParserTests checks the masks against that list).
    static let tokenMaskLow: UInt64 = 0x03FF_6CFA_0000_0000
    static let tokenMaskHigh: UInt64 = 0x57FF_FFFF_C7FF_FFFE

    @inline(__always) static func isToken(_ c: UInt8) -> Bool {
        c < 64 ? tokenMaskLow >> c & 1 == 1 : c < 128 && tokenMaskHigh >> (c - 64) & 1 == 1
    }
    /// A field value's characters: visible ASCII, space, tab and obs-text (not CR, LF, NUL or other controls).
    @inline(__always) static func isFieldValue(_ c: UInt8) -> Bool { c >= 0x20 && c != 0x7F || c == 0x09 }
    /// A request target's characters: visible ASCII and obs-text.
    @inline(__always) static func isTarget(_ c: UInt8) -> Bool { c > 0x20 && c != 0x7F }

    /// Whether an element of the comma-separated list in `range` (each without surrounding spaces) satisfies `test`.
    static func anyListElement(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, _ test: (Range<Int>) -> Bool) -> Bool {
        var start = range.lowerBound
        while start <= range.upperBound {
            var end = start
            while end < range.upperBound, p[end] != UInt8(ascii: ",") { end += 1 }
            var s = start, e = end
            while s < e, isSpace(p[s]) { s += 1 }
            while e > s, isSpace(p[e - 1]) { e -= 1 }
            if test(s..<e) { return true }
            start = end + 1
        }
        return false
    }

    /// Whether the bytes in `range` are the lowercase ASCII `lowercase`, ignoring case.
    static func equal(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercase: StaticString) -> Bool {
        range.count == lowercase.utf8CodeUnitCount && lowercase.withUTF8Buffer { equal(p, range, UnsafeRawBufferPointer($0)) }
    }

    /// The same, for a name known only at run time.
    static func equal(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercase: String) -> Bool {
        var name = lowercase
        return range.count == name.utf8.count && name.withUTF8 { equal(p, range, UnsafeRawBufferPointer($0)) }
    }

    static func equal(_ p: UnsafeRawBufferPointer, _ range: Range<Int>, _ lowercase: UnsafeRawBufferPointer) -> Bool {
        guard range.count == lowercase.count else { return false }
        var i = range.lowerBound
        for expected in lowercase {
            if lower(p[i]) != expected { return false }
            i += 1
        }
        return true
    }
}
