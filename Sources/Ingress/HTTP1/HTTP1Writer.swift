package import NIOCore
import NIOHTTP1

/// Writes the heads the proxy sends, copying the lines it keeps from the
/// head it got: hop-by-hop headers (RFC 9110 §7.6.1) and those `Connection`
/// names are dropped, and on requests the client's own `X-Forwarded-*` and
/// `X-Real-IP` are replaced by the proxy's, as ingress-nginx does.
package enum HTTP1Writer {
    /// The request head for the backend, from an HTTP/1.x client's head.
    package static func backendRequest(_ head: HTTP1Head, client: ForwardedHeaders.Client, upgrade: String?, host: String?,
                               allocator: ByteBufferAllocator) -> ByteBuffer {
        let host = host ?? ""
        // At most: the head read (a request line rewritten to HTTP/1.1 is as long), a Transfer-Encoding line, and the proxy's lines.
        let maxBytes = head.bytes.readableBytes + 28 + client.forwardedBytes + host.utf8.count + (upgrade.map { $0.utf8.count + 32 } ?? 0)
        var out = allocator.buffer(capacity: maxBytes)
        out.writeHead(maxBytes: maxBytes) { w in
            head.bytes.withUnsafeReadableBytes { p in
                let lines: Int
                if head.minorVersion == 1 {
                    // The request line as the client wrote it: it goes with the lines that follow it.
                    lines = 0
                } else {
                    w.put(UnsafeRawBufferPointer(rebasing: p[head.first]))
                    w.put(" ")
                    w.put(UnsafeRawBufferPointer(rebasing: p[head.second]))
                    w.put(" HTTP/1.1\r\n")
                    lines = Int(head.fields.first?.lineStart ?? Int32(head.bytes.readableBytes - 2))
                }
                head.writeLines(&w, p, from: lines) { f in !head.isHopByHop(f, p) && f.name != .clientForwarding }
            }
            if head.framing == .chunked { w.put("Transfer-Encoding: chunked\r\n") }
            writeForwarded(&w, client: client, host: host, upgrade: upgrade)
        }
        return out
    }

    /// The request head for the backend, from an HTTP/2 client's head; whether its body is sent chunked (it has no length).
    static func backendRequest(_ head: HTTPRequestHead, client: ForwardedHeaders.Client, allocator: ByteBufferAllocator) -> (ByteBuffer, chunked: Bool) {
        var out = allocator.buffer(capacity: 512)
        out.writeString(head.method.rawValue)
        out.writeInteger(UInt8(ascii: " "))
        out.writeString(head.uri)
        out.writeStaticString(" HTTP/1.1\r\n")
        let host = head.headers.first(name: "host")
        var hasLength = false
        for (name, value) in head.headers where !ForwardedHeaders.isHopByHop(name) && !ForwardedHeaders.isClientForwarding(name) {
            if ForwardedHeaders.equalsIgnoringCase(name, "content-length") { hasLength = true }
            out.writeString(name)
            out.writeStaticString(": ")
            out.writeString(value)
            out.writeStaticString("\r\n")
        }
        if host == nil { out.writeStaticString("Host: \r\n") }
        // As NIO's encoder: a body without a length is chunked, except for methods that have none.
        let bodiless: [HTTPMethod] = [.GET, .HEAD, .DELETE, .OPTIONS, .TRACE, .CONNECT]
        let chunked = !hasLength && !bodiless.contains(head.method)
        if chunked { out.writeStaticString("Transfer-Encoding: chunked\r\n") }
        let forwardedHost = host ?? ""
        out.writeHead(maxBytes: client.forwardedBytes + forwardedHost.utf8.count) { w in
            writeForwarded(&w, client: client, host: forwardedHost, upgrade: nil)
        }
        return (out, chunked)
    }

    /// The proxy's `X-Real-IP` and `X-Forwarded-*` lines, the upgrade's, and the empty line.
    static func writeForwarded(_ w: inout HeadWriter, client: ForwardedHeaders.Client, host: String, upgrade: String?) {
        w.put(client.forwardedBeforeHost)
        w.put(host)
        w.put(client.forwardedAfterHost)
        if let upgrade {
            w.put("Upgrade: ")
            w.put(upgrade)
            w.put("\r\nConnection: upgrade\r\n")
        }
        w.put("\r\n")
    }

    /// How a response's body goes to an HTTP/1.x client.
    package struct ResponseFraming {
        /// The body is sent chunked (it came chunked or until close, to an HTTP/1.1 client).
        var chunked: Bool
        /// The connection closes after this response.
        var close: Bool
        /// An HTTP/1.0 client that asked to keep the connection: say that it is kept.
        var keepAliveHeader: Bool
        /// A `101`'s `Upgrade` value, sent with `Connection: upgrade`.
        var upgrade: String?

        package init(chunked: Bool, close: Bool, keepAliveHeader: Bool, upgrade: String? = nil) {
            self.chunked = chunked
            self.close = close
            self.keepAliveHeader = keepAliveHeader
            self.upgrade = upgrade
        }
    }

    /// The response head for an HTTP/1.x client, in a buffer with `bodyRoom` bytes more capacity.
    package static func clientResponse(_ head: HTTP1Head, minorVersion: Int, framing: ResponseFraming, bodyRoom: Int = 0,
                                       allocator: ByteBufferAllocator) -> ByteBuffer {
        // At most: the head read (a status line with the other version is as long), a Transfer-Encoding line and a Connection one.
        let maxBytes = head.bytes.readableBytes + 28 + 32 + (framing.upgrade?.utf8.count ?? 0)
        var out = allocator.buffer(capacity: maxBytes + bodyRoom)
        // A length that does not frame the body (it is chunked, either way) is not passed on.
        let dropLength = framing.chunked || head.framing == .chunked
        out.writeHead(maxBytes: maxBytes) { w in
            head.bytes.withUnsafeReadableBytes { p in
                // The status line as the backend wrote it when the versions agree, else from the space after the version.
                var lines = 0
                if head.minorVersion != minorVersion {
                    w.put(minorVersion == 1 ? "HTTP/1.1" : "HTTP/1.0")
                    lines = 8
                }
                head.writeLines(&w, p, from: lines) { f in !head.isHopByHop(f, p) && !(dropLength && f.name == .contentLength) }
            }
            if framing.chunked { w.put("Transfer-Encoding: chunked\r\n") }
            if let upgrade = framing.upgrade {
                w.put("Connection: upgrade\r\nUpgrade: ")
                w.put(upgrade)
                w.put("\r\n")
            } else if framing.close {
                w.put("Connection: close\r\n")
            } else if framing.keepAliveHeader {
                w.put("Connection: keep-alive\r\n")
            }
            w.put("\r\n")
        }
        return out
    }

    /// The response head for an HTTP/2 client.
    static func clientResponse(_ head: HTTP1Head) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        head.bytes.withUnsafeReadableBytes { p in
            for f in head.fields where !head.isHopByHop(f, p) {
                headers.add(name: head.text(Int(f.nameStart)..<Int(f.nameStart + f.nameLength)),
                            value: head.text(Int(f.valueStart)..<Int(f.valueStart + f.valueLength)))
            }
        }
        return HTTPResponseHead(version: .http2, status: HTTPResponseStatus(statusCode: head.status, reasonPhrase: head.reason), headers: headers)
    }

    /// A response the proxy makes itself, for an HTTP/1.x client.
    static func localResponse(_ status: HTTPResponseStatus, body: String, minorVersion: Int, close: Bool, keepAliveHeader: Bool,
                              allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: 256 + body.utf8.count)
        out.writeString("HTTP/1.\(minorVersion) \(status.code) \(status.reasonPhrase)\r\n")
        if !body.isEmpty { out.writeStaticString("Content-Type: text/html\r\n") }
        out.writeString("Content-Length: \(body.utf8.count)\r\n")
        if close {
            out.writeStaticString("Connection: close\r\n")
        } else if keepAliveHeader {
            out.writeStaticString("Connection: keep-alive\r\n")
        }
        out.writeStaticString("\r\n")
        out.writeString(body)
        return out
    }

    /// One chunk of a chunked body.
    static func chunk(_ data: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: data.readableBytes + 20)
        out.writeString(String(data.readableBytes, radix: 16))
        out.writeStaticString("\r\n")
        out.writeImmutableBuffer(data)
        out.writeStaticString("\r\n")
        return out
    }

    /// The last chunk of a chunked body (no trailers).
    static func lastChunk(allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: 5)
        out.writeStaticString("0\r\n\r\n")
        return out
    }
}

extension HTTP1Head {
    /// Copies the head from byte `start` to the end of its fields, leaving out the fields `keep` refuses; runs of
    /// kept lines are copied in one write.
    func writeLines(_ w: inout HeadWriter, _ p: UnsafeRawBufferPointer, from start: Int, keep: (Field) -> Bool) {
        var run = start
        for f in fields where !keep(f) {
            if Int(f.lineStart) > run { w.put(UnsafeRawBufferPointer(rebasing: p[run..<Int(f.lineStart)])) }
            run = Int(f.lineEnd)
        }
        let end = p.count - 2
        if end > run { w.put(UnsafeRawBufferPointer(rebasing: p[run..<end])) }
    }

    /// Whether a field is hop-by-hop: one of RFC 9110's (``ForwardedHeaders/hopByHop``, the list HTTP/2 heads are
    /// checked against too, classified by the parser), or one the `Connection` header names.
    func isHopByHop(_ f: Field, _ p: UnsafeRawBufferPointer) -> Bool {
        if f.name.isHopByHop { return true }
        return connectionNamesFields && nominatedByConnection(Int(f.nameStart)..<Int(f.nameStart + f.nameLength), p)
    }

    /// Whether some `Connection` header lists this name.
    func nominatedByConnection(_ name: Range<Int>, _ p: UnsafeRawBufferPointer) -> Bool {
        fields.contains { c in
            c.name == .connection
                && HTTP1Syntax.anyListElement(p, Int(c.valueStart)..<Int(c.valueStart + c.valueLength)) { token in
                    token.count == name.count && zip(token, name).allSatisfy { HTTP1Syntax.lower(p[$0]) == HTTP1Syntax.lower(p[$1]) }
                }
        }
    }
}

/// Writes a head's pieces straight into a buffer's writable memory: one
/// capacity check and one access to the buffer for the whole head, where a
/// `ByteBuffer` write per piece would cost one each.
struct HeadWriter {
    let memory: UnsafeMutableRawBufferPointer
    private(set) var count = 0

    init(_ memory: UnsafeMutableRawBufferPointer) { self.memory = memory }

    mutating func put(_ bytes: UnsafeRawBufferPointer) {
        // The caller's bound was wrong: stop rather than write past the memory given.
        precondition(count + bytes.count <= memory.count, "head larger than the \(memory.count) bytes reserved")
        guard let source = bytes.baseAddress, let target = memory.baseAddress else { return }
        (target + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    mutating func put(_ text: StaticString) { text.withUTF8Buffer { put(UnsafeRawBufferPointer($0)) } }

    mutating func put(_ text: String) {
        var text = text
        text.withUTF8 { put(UnsafeRawBufferPointer($0)) }
    }

    mutating func put(_ bytes: [UInt8]) { bytes.withUnsafeBytes { put($0) } }
}

extension ByteBuffer {
    /// Writes at most `maxBytes` through a ``HeadWriter``.
    mutating func writeHead(maxBytes: Int, _ body: (inout HeadWriter) -> Void) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: maxBytes) { memory in
            var writer = HeadWriter(memory)
            body(&writer)
            return writer.count
        }
    }
}
