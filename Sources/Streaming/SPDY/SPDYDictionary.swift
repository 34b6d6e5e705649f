/// The preset zlib dictionary of SPDY/3 header compression (draft 3,
/// section 2.6.10.1). It is a header block of common names and values, each
/// with its 32-bit big-endian length, then a run of unprefixed status
/// lines, dates and content types. Both ends must use exactly these bytes
/// (1423 of them, adler32 0xe3c6a7c2, the id every SPDY/3 header block
/// carries after its zlib header).
public enum SPDYDictionary {
    static let prefixedWords = [
        "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
        "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection",
        "content-base", "content-encoding", "content-language", "content-length", "content-location", "content-md5",
        "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host", "if-match",
        "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "location",
        "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after",
        "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via", "warning",
        "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie",
        "keep-alive", "origin",
    ]

    static let tail = [
        "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505",
        "203 Non-Authoritative Information", "204 No Content", "301 Moved Permanently", "400 Bad Request",
        "401 Unauthorized", "403 Forbidden", "404 Not Found", "500 Internal Server Error", "501 Not Implemented",
        "503 Service Unavailable",
        "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT",
        "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,",
        "publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.",
    ]

    /// The dictionary bytes.
    public static let bytes: [UInt8] = {
        var out: [UInt8] = []
        for word in prefixedWords {
            let utf8 = Array(word.utf8)
            out += BigEndian.bytes(UInt32(utf8.count)) + utf8
        }
        for piece in tail { out += Array(piece.utf8) }
        return out
    }()
}

/// Big-endian integers on the wire.
enum BigEndian {
    static func bytes(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    static func bytes(_ value: UInt16) -> [UInt8] {
        [UInt8(value >> 8), UInt8(value & 0xff)]
    }

    static func uint32<C: Collection>(_ bytes: C, at offset: C.Index) -> UInt32 where C.Element == UInt8 {
        var v: UInt32 = 0
        var i = offset
        for _ in 0..<4 {
            v = v << 8 | UInt32(bytes[i])
            i = bytes.index(after: i)
        }
        return v
    }

    static func uint24<C: Collection>(_ bytes: C, at offset: C.Index) -> UInt32 where C.Element == UInt8 {
        var v: UInt32 = 0
        var i = offset
        for _ in 0..<3 {
            v = v << 8 | UInt32(bytes[i])
            i = bytes.index(after: i)
        }
        return v
    }

    static func uint16<C: Collection>(_ bytes: C, at offset: C.Index) -> UInt16 where C.Element == UInt8 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[bytes.index(after: offset)])
    }
}
