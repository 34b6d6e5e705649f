import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// One HTTP/1.1 connection to a webhook, kept open between calls as Go's
/// transport keeps webhook connections alive (a TLS handshake per call
/// would cost more than the call). One exchange at a time.
final class WebhookConnection: Sendable {
    let channel: any Channel
    private let collector: NIOLoopBound<WebhookResponseCollector>

    private init(channel: any Channel, collector: NIOLoopBound<WebhookResponseCollector>) {
        self.channel = channel
        self.collector = collector
    }

    /// Dials `host:port` with TLS verified for `serverName` (an IP address: nil).
    static func connect(host: String, port: Int, serverName: String?, tls: NIOSSLContext, timeout: Duration,
                        maxResponseBytes: Int) async throws -> WebhookConnection {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.nanoseconds(Int64(timeout.components.seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(WebhookResponseCollector(maxBytes: maxResponseBytes))
                }
            }
            .connect(host: host, port: port).get()
        let collector = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: WebhookResponseCollector.self), eventLoop: channel.eventLoop)
        }.get()
        return WebhookConnection(channel: channel, collector: collector)
    }

    /// Sends one request and waits for its whole answer.
    func exchange(_ head: HTTPRequestHead, body: [UInt8]) async throws -> WebhookResponseCollector.Answer {
        let promise = channel.eventLoop.makePromise(of: WebhookResponseCollector.Answer.self)
        let channel = self.channel, collector = self.collector
        channel.eventLoop.execute {
            guard channel.isActive else { return promise.fail(ChannelError.ioOnClosedChannel) }
            collector.value.start(promise)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: body))), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        return try await promise.futureResult.get()
    }

    func close() { channel.close(promise: nil) }
}

/// Collects one response at a time for ``WebhookConnection``.
final class WebhookResponseCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    struct Answer: Sendable {
        var status: Int
        var body: [UInt8]
        /// Whether the server keeps the connection open.
        var keepAlive: Bool
        /// Whether any of the answer arrived (a connection closed before that may be retried).
        var started = true
    }

    /// A connection that ended before (or while) answering.
    struct Closed: Error {
        /// Whether any of the answer had arrived.
        var answered: Bool
    }

    /// The answer was larger than allowed.
    struct TooLarge: Error {
        var limit: Int
    }

    let maxBytes: Int
    private var promise: EventLoopPromise<Answer>?
    private var answer = Answer(status: 0, body: [], keepAlive: true, started: false)

    init(maxBytes: Int) { self.maxBytes = maxBytes }

    func start(_ p: EventLoopPromise<Answer>) {
        promise = p
        answer = Answer(status: 0, body: [], keepAlive: true, started: false)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            answer.started = true
            answer.status = Int(h.status.code)
            answer.keepAlive = h.isKeepAlive
        case .body(let b):
            guard answer.body.count + b.readableBytes <= maxBytes else {
                fail(TooLarge(limit: maxBytes))
                context.close(promise: nil)
                return
            }
            answer.body.append(contentsOf: b.readableBytesView)
        case .end:
            let p = promise
            promise = nil
            p?.succeed(answer)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(Closed(answered: answer.started))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    private func fail(_ error: any Error) {
        let p = promise
        promise = nil
        p?.fail(error)
    }
}

/// Idle webhook connections by where they lead (address, verified name, CA bundle).
final class WebhookConnectionPool: Sendable {
    private let idle = Mutex<[String: [WebhookConnection]]>([:])
    /// Idle connections kept per destination.
    static let perDestination = 8

    func take(_ key: String) -> WebhookConnection? {
        idle.withLock { all in
            while let c = all[key]?.popLast() {
                if c.channel.isActive { return c }
            }
            return nil
        }
    }

    func give(_ c: WebhookConnection, _ key: String) {
        let kept = idle.withLock { all in
            var list = all[key, default: []].filter { $0.channel.isActive }
            guard list.count < Self.perDestination else { return false }
            list.append(c)
            all[key] = list
            return true
        }
        if !kept { c.close() }
    }
}
