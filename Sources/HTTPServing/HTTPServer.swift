import Synchronization
import KubeAPI
public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif
public import NIOSSL

/// An HTTPS/1.1 server on SwiftNIO that hands each request to an async
/// handler (the API server's and the kubelet's). Request bodies above `maxBodyBytes` are refused with 413 before
/// they are read. Streaming responses run until the producer returns or the
/// client goes away, then the connection closes. An upgrade response (101)
/// hands the raw connection to the route (see ``UpgradeBridge``).
public final class HTTPServer: Sendable {
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    let host: String
    let port: Int
    let tls: NIOSSLContext
    let maxBodyBytes: Int
    let handler: Handler
    let logger: Logger
    /// Whether clients are asked for a certificate (the TLS context must
    /// request one, e.g. `.optionalVerification`). Any presented chain is
    /// accepted in the handshake and handed to the handler as
    /// ``HTTPRequest/peerCertificate``, which verifies it, as kube-apiserver
    /// does with `RequestClientCert`: an unverifiable certificate is a 401, not
    /// a failed handshake.
    let acceptsClientCertificates: Bool

    public init(host: String, port: Int, tls: NIOSSLContext, maxBodyBytes: Int = 3 * 1024 * 1024,
                acceptsClientCertificates: Bool = false, logger: Logger, handler: @escaping Handler) {
        self.acceptsClientCertificates = acceptsClientCertificates
        self.host = host
        self.port = port
        self.tls = tls
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
        self.handler = handler
    }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// A listening socket that accepts nothing yet: binding before anything
    /// else lets a server fail on a taken port before it has done any work.
    public struct Listener: Sendable {
        let channel: NIOAsyncChannel<Connection, Never>
        /// The port bound (the one the kernel chose, with port 0).
        public let port: Int

        /// Closes the socket of a listener that will not be served.
        public func close() async {
            try? await channel.channel.close()
        }
    }

    /// Binds the HTTPS port. Throws ``BindError`` (with the errno, e.g.
    /// EADDRINUSE) when the address cannot be had.
    public func bind() async throws(BindError) -> Listener {
        let tls = self.tls
        let clientCertificates = acceptsClientCertificates
        do {
            let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 512)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if clientCertificates {
                            // The handler verifies the certificate: see `acceptsClientCertificates`.
                            try channel.pipeline.syncOperations.addHandler(
                                NIOSSLServerHandler(context: tls, customVerificationCallback: { _, promise in
                                    promise.succeed(.certificateVerified)
                                }))
                        } else {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                        }
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        try channel.pipeline.syncOperations.addHandler(UpgradeBridge())
                        return try Connection(wrappingChannelSynchronously: channel)
                    }
                }
            return Listener(channel: server, port: server.channel.localAddress?.port ?? port)
        } catch let error as IOError {
            throw BindError(host: host, port: port, errno: error.errnoCode, reason: "\(error)")
        } catch {
            throw BindError(host: host, port: port, errno: 0, reason: "\(error)")
        }
    }

    /// Serves a bound listener until the task is cancelled.
    public func serve(_ listener: Listener) async throws {
        logger.info("serving HTTPS on \(host):\(listener.port)")
        try await accept(listener.channel)
    }

    /// Binds and serves until the task is cancelled.
    /// `onBound` receives the actual port (useful with port 0).
    public func run(onBound: @Sendable (Int) -> Void = { _ in }) async throws {
        let listener = try await bind()
        onBound(listener.port)
        try await serve(listener)
    }

    /// Serves plain HTTP (no TLS) on a Unix socket at `path`, created with
    /// mode 0600 so only root reaches it (the kubelet's socket for nodectl),
    /// until the task is cancelled; the socket file is removed at the end.
    public func run(unixSocket path: String) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 128)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        chmod(path, 0o600)
        defer { unlink(path) }
        logger.info("serving HTTP on unix:\(path)")
        try await accept(server)
    }

    /// Serves each accepted connection in its own task until cancelled.
    private func accept(_ server: NIOAsyncChannel<Connection, Never>) async throws {
        try await withTaskCancellationHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onCancel: {
            server.channel.close(promise: nil)
        }
    }

    private func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                var parts = inbound.makeAsyncIterator()
                // Known once the handshake is done, which the first request follows.
                var peerCertificate: [UInt8]??
                while let part = try await parts.next() {
                    guard case .head(let head) = part else { continue }
                    if let cl = head.headers.first(name: "content-length").flatMap(Int.init), cl > maxBodyBytes {
                        try await write(tooLarge(), head: head, to: outbound, connection: connection)
                        return
                    }
                    var body: [UInt8] = []
                    var overLimit = false
                    reading: while let p = try await parts.next() {
                        switch p {
                        case .body(let buf):
                            if body.count + buf.readableBytes > maxBodyBytes {
                                overLimit = true
                                break reading
                            }
                            body.append(contentsOf: buf.readableBytesView)
                        case .end:
                            break reading
                        case .head:
                            return
                        }
                    }
                    if overLimit {
                        try await write(tooLarge(), head: head, to: outbound, connection: connection)
                        return
                    }
                    var request = HTTPRequest(method: head.method, uri: head.uri, headers: head.headers, body: body)
                    if acceptsClientCertificates {
                        if peerCertificate == nil { peerCertificate = await Self.peerCertificate(connection.channel) }
                        request.peerCertificate = peerCertificate ?? nil
                    }
                    let response = await handler(request)
                    if case .upgrade(let run) = response.body {
                        try await outbound.write(.head(HTTPResponseHead(version: head.version, status: .switchingProtocols, headers: response.headers)))
                        try await run(UpgradedConnection(iterator: parts, outbound: outbound))
                        return
                    }
                    let keepOpen = try await write(response, head: head, to: outbound, connection: connection)
                    if !keepOpen { return }
                }
            }
        } catch {
            logger.trace("connection ended: \(error)")
        }
    }

    /// The DER bytes of the certificate the client presented, if any.
    private static func peerCertificate(_ channel: any Channel) async -> [UInt8]? {
        guard let cert = try? await channel.nioSSL_peerCertificate().get() else { return nil }
        return try? cert.toDERBytes()
    }

    private func tooLarge() -> HTTPResponse {
        let status = Status(message: "Request entity too large: limit is \(maxBodyBytes)", reason: "RequestEntityTooLarge", code: 413)
        return .status(status)
    }

    /// Writes a response; returns whether the connection may serve another request.
    @discardableResult
    private func write(_ response: HTTPResponse, head: HTTPRequestHead,
                       to outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
                       connection: Connection) async throws -> Bool {
        var headers = response.headers
        switch response.body {
        case .bytes(let bytes):
            headers.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers)))
            if !bytes.isEmpty && head.method != .HEAD {
                try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
            }
            try await outbound.write(.end(nil))
            return keepAlive
        case .upgrade:
            // Served by `serve`, which hands the connection over.
            return false
        case .stream(let produce):
            // Chunked on a kept-alive connection, as kube-apiserver streams
            // watches and logs: the terminating chunk ends the response and
            // the client may send its next request on the same connection.
            headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
            try await outbound.write(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers)))
            let writer = ChunkWriter(outbound: outbound)
            // The producer runs until it returns, the client goes away (the
            // channel closes) or the server shuts down (this task is cancelled).
            let producer = Task { try await produce(writer) }
            let closed = ClosedFlag()
            connection.channel.closeFuture.whenComplete { _ in
                closed.set()
                producer.cancel()
            }
            let shuttingDown = await withTaskCancellationHandler {
                _ = await producer.result
                return Task.isCancelled
            } onCancel: {
                producer.cancel()
            }
            if closed.isSet { return false }
            // The terminating chunk: a clean end also when the server shuts down.
            try await outbound.write(.end(nil))
            return keepAlive && !shuttingDown
        }
    }
}

/// Set once a connection has closed.
final class ClosedFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}

struct ChunkWriter: ResponseStreamWriter {
    let outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>
    func write(_ bytes: [UInt8]) async throws {
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
    }
}
