import NIOCore
import NIOHTTP1

/// One request as an exchange handles it, whichever protocol the client
/// speaks. A class: the exchange, its parts and the codec share it, and
/// each holds one reference instead of a copy of its strings.
final class ProxyRequest {
    let method: String
    let target: String
    let host: String?
    /// The client's HTTP/1.x minor version (1 for HTTP/2).
    let minorVersion: Int
    let keepAlive: Bool
    /// The `Upgrade` value of an HTTP/1.1 upgrade request.
    let upgrade: String?
    let isHEAD: Bool
    /// The body goes to the backend chunked.
    let chunkedToBackend: Bool
    /// The head to send to the backend.
    let backendHead: ByteBuffer

    init(method: String, target: String, host: String?, minorVersion: Int, keepAlive: Bool, upgrade: String?, isHEAD: Bool,
         chunkedToBackend: Bool, backendHead: ByteBuffer) {
        self.method = method
        self.target = target
        self.host = host
        self.minorVersion = minorVersion
        self.keepAlive = keepAlive
        self.upgrade = upgrade
        self.isHEAD = isHEAD
        self.chunkedToBackend = chunkedToBackend
        self.backendHead = backendHead
    }
}

/// A request, as the parts an exchange sees.
enum RequestPart {
    case head(ProxyRequest)
    case body(ByteBuffer)
    case end
}

/// How the client side of the proxy speaks to its client: it turns what
/// the channel reads into ``RequestPart``s and a backend's response into
/// what the channel writes. ``HTTP1ClientCodec`` works on the connection's
/// bytes, ``HTTP2ClientCodec`` on an HTTP/2 stream's HTTP/1-style parts.
protocol ClientCodec {
    associatedtype InboundIn
    associatedtype OutboundOut
    static var isHTTP2: Bool { get }

    init(client: ForwardedHeaders.Client, maxHeaderBytes: Int)

    /// Appends the parts in what the channel read to `parts`; throws when the bytes are not HTTP.
    mutating func decode(_ data: InboundIn, allocator: ByteBufferAllocator, into parts: inout CircularBuffer<RequestPart>) throws

    /// The bytes read after an upgrade request, once the backend accepted it (the tunnel's first bytes).
    mutating func takeHeldBytes() -> ByteBuffer?
    /// The backend declined an upgrade: decode what was held back.
    mutating func resume(allocator: ByteBufferAllocator, into parts: inout CircularBuffer<RequestPart>) throws

    /// The response head; `close` says whether the connection closes after it, and may be set when the body needs it.
    mutating func responseHead(_ head: HTTP1Head, request: ProxyRequest, upgrade: String?, close: inout Bool, allocator: ByteBufferAllocator) -> OutboundOut
    mutating func responseBody(_ data: ByteBuffer, allocator: ByteBufferAllocator) -> OutboundOut
    /// What ends the response, if anything has to be written.
    mutating func responseEnd(allocator: ByteBufferAllocator) -> OutboundOut?
    /// Appends `part` to `earlier` (written later in one piece), when the protocol and the sizes allow it.
    static func append(_ part: OutboundOut, to earlier: inout OutboundOut) -> Bool
    /// Nothing, written to learn when everything written before has gone out (before closing).
    func emptyWrite(allocator: ByteBufferAllocator) -> OutboundOut
    /// A whole response made by the proxy.
    func localResponse(_ status: HTTPResponseStatus, body: String, request: ProxyRequest?, close: Bool, allocator: ByteBufferAllocator) -> [OutboundOut]
}

/// HTTP/1.x on the connection's bytes: requests read by ``HTTP1MessageReader``
/// (heads parsed in place, bodies framed), responses written by ``HTTP1Writer``
/// with bodies that have no length chunked again (HTTP/1.1) or closed (HTTP/1.0).
struct HTTP1ClientCodec: ClientCodec {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    static var isHTTP2: Bool { false }

    let client: ForwardedHeaders.Client
    var reader: HTTP1MessageReader
    /// An upgrade request has ended: what follows may be the tunnel's bytes, so nothing more is parsed until ``resume(allocator:into:)``.
    var held = false
    /// The request being read asks for an upgrade.
    var upgradeRequest = false
    /// The response body goes out chunked.
    var chunkedResponse = false

    init(client: ForwardedHeaders.Client, maxHeaderBytes: Int) {
        self.client = client
        reader = HTTP1MessageReader(kind: .request, maxBytes: maxHeaderBytes)
    }

    mutating func decode(_ data: ByteBuffer, allocator: ByteBufferAllocator, into parts: inout CircularBuffer<RequestPart>) throws {
        reader.append(data)
        try drain(allocator: allocator, into: &parts)
    }

    mutating func drain(allocator: ByteBufferAllocator, into parts: inout CircularBuffer<RequestPart>) throws {
        while !held, let part = try reader.next() {
            switch part {
            case .head(let head):
                let request = makeRequest(head, allocator: allocator)
                upgradeRequest = request.upgrade != nil
                parts.append(.head(request))
            case .body(let data):
                parts.append(.body(data))
            case .end:
                parts.append(.end)
                held = upgradeRequest
            }
        }
    }

    func makeRequest(_ head: HTTP1Head, allocator: ByteBufferAllocator) -> ProxyRequest {
        let host = head.value(.host)
        let upgrade: String? = head.minorVersion == 1 && head.connectionUpgrade ? head.value(.upgrade).flatMap { $0.isEmpty ? nil : $0 } : nil
        return ProxyRequest(method: head.method, target: head.target, host: host, minorVersion: head.minorVersion, keepAlive: head.keepAlive,
                            upgrade: upgrade, isHEAD: head.isHEAD, chunkedToBackend: head.framing == .chunked,
                            backendHead: HTTP1Writer.backendRequest(head, client: client, upgrade: upgrade, host: host, allocator: allocator))
    }

    /// The bytes read after an accepted upgrade's request: the tunnel's first.
    mutating func takeHeldBytes() -> ByteBuffer? { reader.takeBuffered() }

    /// The upgrade was declined: parse on.
    mutating func resume(allocator: ByteBufferAllocator, into parts: inout CircularBuffer<RequestPart>) throws {
        held = false
        try drain(allocator: allocator, into: &parts)
    }

    mutating func responseHead(_ head: HTTP1Head, request: ProxyRequest, upgrade: String?, close: inout Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        let framing = head.responseFraming(requestIsHEAD: request.isHEAD)
        let delimitedByLength: Bool = if case .length = framing { true } else { framing == .none }
        if !delimitedByLength, request.minorVersion == 0 { close = true }
        chunkedResponse = !delimitedByLength && request.minorVersion == 1
        // Room for a small body, appended to the head (``append(_:to:)``).
        let bodyRoom = if case .length(let n) = framing, n <= Self.appendLimit { Int(n) } else { 0 }
        return HTTP1Writer.clientResponse(head, minorVersion: request.minorVersion,
                                          framing: .init(chunked: chunkedResponse, close: close,
                                                         keepAliveHeader: request.minorVersion == 0 && !close, upgrade: upgrade),
                                          bodyRoom: bodyRoom, allocator: allocator)
    }

    mutating func responseBody(_ data: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        chunkedResponse ? HTTP1Writer.chunk(data, allocator: allocator) : data
    }

    mutating func responseEnd(allocator: ByteBufferAllocator) -> ByteBuffer? {
        defer { chunkedResponse = false }
        return chunkedResponse ? HTTP1Writer.lastChunk(allocator: allocator) : nil
    }

    func emptyWrite(allocator: ByteBufferAllocator) -> ByteBuffer { ByteBuffer() }

    /// Small parts are copied together; large bodies are written as they came, without a copy.
    static func append(_ part: ByteBuffer, to earlier: inout ByteBuffer) -> Bool {
        guard part.readableBytes <= Self.appendLimit else { return false }
        earlier.writeImmutableBuffer(part)
        return true
    }

    /// The largest part ``append(_:to:)`` copies.
    static var appendLimit: Int { 8192 }

    func localResponse(_ status: HTTPResponseStatus, body: String, request: ProxyRequest?, close: Bool, allocator: ByteBufferAllocator) -> [ByteBuffer] {
        let minor = request?.minorVersion ?? 1
        return [HTTP1Writer.localResponse(status, body: request?.isHEAD == true ? "" : body, minorVersion: minor, close: close,
                                          keepAliveHeader: minor == 0 && !close, allocator: allocator)]
    }
}

/// An HTTP/2 stream, through NIO's HTTP/2-to-HTTP/1 codec.
struct HTTP2ClientCodec: ClientCodec {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    static var isHTTP2: Bool { true }

    let client: ForwardedHeaders.Client

    init(client: ForwardedHeaders.Client, maxHeaderBytes: Int) { self.client = client }

    mutating func decode(_ data: HTTPServerRequestPart, allocator: ByteBufferAllocator, into parts: inout CircularBuffer<RequestPart>) throws {
        switch data {
        case .head(let head):
            let (backendHead, chunked) = HTTP1Writer.backendRequest(head, client: client, allocator: allocator)
            parts.append(.head(ProxyRequest(method: head.method.rawValue, target: head.uri, host: head.headers.first(name: "host"),
                                            minorVersion: 1, keepAlive: true, upgrade: nil, isHEAD: head.method == .HEAD,
                                            chunkedToBackend: chunked, backendHead: backendHead)))
        case .body(let data):
            parts.append(.body(data))
        case .end:
            parts.append(.end)
        }
    }

    func takeHeldBytes() -> ByteBuffer? { nil }
    func resume(allocator: ByteBufferAllocator, into parts: inout CircularBuffer<RequestPart>) {}

    mutating func responseHead(_ head: HTTP1Head, request: ProxyRequest, upgrade: String?, close: inout Bool, allocator: ByteBufferAllocator) -> HTTPServerResponsePart {
        .head(HTTP1Writer.clientResponse(head))
    }

    mutating func responseBody(_ data: ByteBuffer, allocator: ByteBufferAllocator) -> HTTPServerResponsePart { .body(.byteBuffer(data)) }

    mutating func responseEnd(allocator: ByteBufferAllocator) -> HTTPServerResponsePart? { .end(nil) }

    func emptyWrite(allocator: ByteBufferAllocator) -> HTTPServerResponsePart { .body(.byteBuffer(ByteBuffer())) }

    /// HTTP/2 frames its parts itself.
    static func append(_ part: HTTPServerResponsePart, to earlier: inout HTTPServerResponsePart) -> Bool { false }

    func localResponse(_ status: HTTPResponseStatus, body: String, request: ProxyRequest?, close: Bool, allocator: ByteBufferAllocator) -> [HTTPServerResponsePart] {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/html")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        return [.head(HTTPResponseHead(version: .http2, status: status, headers: headers)), .body(.byteBuffer(allocator.buffer(string: body))), .end(nil)]
    }
}
