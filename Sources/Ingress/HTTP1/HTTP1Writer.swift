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
        var out = allocator.buffer(capacity: head.bytes.readableBytes + 160)
        head.bytes.withUnsafeReadableBytes { p in
            out.writeBytes(UnsafeRawBufferPointer(rebasing: p[head.first]))
            out.writeInteger(UInt8(ascii: " "))
            out.writeBytes(UnsafeRawBufferPointer(rebasing: p[head.second]))
            out.writeStaticString(" HTTP/1.1\r\n")
            for f in head.fields where !head.isHopByHop(f, p) && !head.isClientForwarding(f, p) {
                out.writeBytes(UnsafeRawBufferPointer(rebasing: p[Int(f.lineStart)..<Int(f.lineEnd)]))
            }
        }
        if head.framing == .chunked { out.writeStaticString("Transfer-Encoding: chunked\r\n") }
        writeForwarded(&out, client: client, host: host ?? "", upgrade: upgrade)
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
        writeForwarded(&out, client: client, host: host ?? "", upgrade: nil)
        return (out, chunked)
    }

    static func writeForwarded(_ out: inout ByteBuffer, client: ForwardedHeaders.Client, host: String, upgrade: String?) {
        out.writeStaticString("X-Real-IP: ")
        out.writeString(client.address)
        out.writeStaticString("\r\nX-Forwarded-For: ")
        out.writeString(client.address)
        out.writeStaticString("\r\nX-Forwarded-Host: ")
        out.writeString(host)
        out.writeStaticString("\r\nX-Forwarded-Port: ")
        out.writeString(client.portText)
        out.writeStaticString("\r\nX-Forwarded-Proto: ")
        out.writeString(client.scheme)
        out.writeStaticString("\r\n")
        if let upgrade {
            out.writeStaticString("Upgrade: ")
            out.writeString(upgrade)
            out.writeStaticString("\r\nConnection: upgrade\r\n")
        }
        out.writeStaticString("\r\n")
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

    /// The response head for an HTTP/1.x client.
    package static func clientResponse(_ head: HTTP1Head, minorVersion: Int, framing: ResponseFraming, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: head.bytes.readableBytes + 64)
        out.writeStaticString(minorVersion == 1 ? "HTTP/1.1" : "HTTP/1.0")
        let lineEnd = Int(head.fields.first?.lineStart ?? Int32(head.bytes.readableBytes - 2))
        head.bytes.withUnsafeReadableBytes { p in
            // The status code and reason as the backend wrote them, from the space after the version.
            out.writeBytes(UnsafeRawBufferPointer(rebasing: p[8..<lineEnd]))
            for f in head.fields where !head.isHopByHop(f, p) {
                // A length that does not frame the body (it is chunked, either way) is not passed on.
                if framing.chunked || head.framing == .chunked, head.nameIs(f, "content-length") { continue }
                out.writeBytes(UnsafeRawBufferPointer(rebasing: p[Int(f.lineStart)..<Int(f.lineEnd)]))
            }
        }
        if framing.chunked { out.writeStaticString("Transfer-Encoding: chunked\r\n") }
        if let upgrade = framing.upgrade {
            out.writeStaticString("Connection: upgrade\r\nUpgrade: ")
            out.writeString(upgrade)
            out.writeStaticString("\r\n")
        } else if framing.close {
            out.writeStaticString("Connection: close\r\n")
        } else if framing.keepAliveHeader {
            out.writeStaticString("Connection: keep-alive\r\n")
        }
        out.writeStaticString("\r\n")
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
    /// Whether a field is hop-by-hop: one of RFC 9110's (``ForwardedHeaders/hopByHop``, the list HTTP/2 heads are
    /// checked against too), or one the `Connection` header names.
    func isHopByHop(_ f: Field, _ p: UnsafeRawBufferPointer) -> Bool {
        let start = Int(f.nameStart)
        let name = start..<(start + Int(f.nameLength))
        if ForwardedHeaders.hopByHop.contains(where: { HTTP1Syntax.equal(p, name, $0) }) { return true }
        return connectionNamesFields && nominatedByConnection(name, p)
    }

    /// Whether some `Connection` header lists this name.
    func nominatedByConnection(_ name: Range<Int>, _ p: UnsafeRawBufferPointer) -> Bool {
        fields.contains { c in
            HTTP1Syntax.equal(p, Int(c.nameStart)..<Int(c.nameStart + c.nameLength), "connection")
                && HTTP1Syntax.anyListElement(p, Int(c.valueStart)..<Int(c.valueStart + c.valueLength)) { token in
                    token.count == name.count && zip(token, name).allSatisfy { HTTP1Syntax.lower(p[$0]) == HTTP1Syntax.lower(p[$1]) }
                }
        }
    }

    /// `X-Forwarded-*` and `X-Real-IP`, which the proxy sets itself.
    func isClientForwarding(_ f: Field, _ p: UnsafeRawBufferPointer) -> Bool {
        let start = Int(f.nameStart), length = Int(f.nameLength)
        if length == 9 { return HTTP1Syntax.equal(p, start..<start + 9, "x-real-ip") }
        return length > 12 && HTTP1Syntax.equal(p, start..<start + 12, "x-forwarded-")
    }
}
