public import Logging
public import NIOCore
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import NIOTLS
import Synchronization

/// The ingress controller's data plane: HTTP/1.1 on the HTTP port, and
/// TLS on the HTTPS port with the certificate chosen by SNI and HTTP/2 or
/// HTTP/1.1 chosen by ALPN; every request is routed by the current
/// ``RoutingTableStore`` table.
///
/// ```swift
/// let server = ProxyServer(configuration: ProxyConfiguration(httpPort: 8080, httpsPort: 8443), store: store, tls: tls)
/// try await server.start()
/// ...
/// await server.shutdown()   // stops accepting, drains in-flight requests
/// ```
public final class ProxyServer: Sendable {
    public let configuration: ProxyConfiguration
    let shared: ProxyShared
    let tls: TLSContextStore?
    let group: MultiThreadedEventLoopGroup
    let listeners = Mutex<[NamedChannel]>([])
    let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// - Parameters:
    ///   - tls: SNI contexts; without it the HTTPS port is not opened.
    ///   - metrics: counts every exchange (ingress-nginx's metrics); nil counts nothing.
    public init(configuration: ProxyConfiguration, store: RoutingTableStore, tls: TLSContextStore?, logger: Logger = Logger(label: "ingress"),
                threads: Int = System.coreCount, metrics: IngressMetrics? = nil) {
        self.configuration = configuration
        self.tls = tls
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        self.group = group
        shared = ProxyShared(store: store, pool: BackendPool(configuration: configuration, group: group), logger: logger, metrics: metrics)
    }

    /// The bound HTTP port (resolves port 0), nil before start or without HTTP.
    public var httpPort: Int? { listeners.withLock { $0.first { $0.name == "http" }?.channel.localAddress?.port } }
    /// The bound HTTPS port, nil before start or without HTTPS.
    public var httpsPort: Int? { listeners.withLock { $0.first { $0.name == "https" }?.channel.localAddress?.port } }

    /// Requests being proxied now.
    public var inFlightRequests: Int { shared.inFlight.load(ordering: .relaxed) }

    /// Binds the listeners.
    public func start() async throws {
        if let port = configuration.httpPort {
            let ch = try await bootstrap(tls: false).bind(host: configuration.bindAddress, port: port).get()
            listeners.withLock { $0.append(NamedChannel(ch, "http")) }
            shared.logger.info("serving HTTP on \(ch.localAddress?.description ?? "?")")
        }
        if let port = configuration.httpsPort, tls != nil {
            let ch = try await bootstrap(tls: true).bind(host: configuration.bindAddress, port: port).get()
            listeners.withLock { $0.append(NamedChannel(ch, "https")) }
            shared.logger.info("serving HTTPS on \(ch.localAddress?.description ?? "?")")
        }
    }

    func bootstrap(tls useTLS: Bool) -> ServerBootstrap {
        let shared = self.shared
        let tls = self.tls
        let maxHeader = configuration.maxHeaderBytes
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // A client that shuts its sending side after a request still gets the response (plain HTTP/1.1).
            .childChannelOption(.allowRemoteHalfClosure, value: !useTLS)
            .childChannelInitializer { [weak self] ch in
                self?.track(ch)
                let client = ForwardedHeaders.Client(address: ch.remoteAddress?.ipAddress ?? "",
                                                     scheme: useTLS ? "https" : "http", port: ch.localAddress?.port ?? 0)
                guard useTLS, let tls else {
                    return ch.eventLoop.makeCompletedFuture {
                        try Self.configureHTTP1(ch.pipeline.syncOperations, shared: shared, client: client, maxHeader: maxHeader)
                    }
                }
                let sni = SNIHandler { result in
                    let serverName: String? = if case .hostname(let h) = result { h } else { nil }
                    let context = tls.context(serverName: serverName)
                    return ch.eventLoop.makeCompletedFuture {
                        try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: context))
                    }.flatMap {
                        ch.configureHTTP2SecureUpgrade(
                            h2ChannelConfigurator: { conn in
                                conn.configureHTTP2Pipeline(mode: .server, inboundStreamInitializer: { stream in
                                    stream.eventLoop.makeCompletedFuture {
                                        let ops = stream.pipeline.syncOperations
                                        try ops.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                                        try ops.addHandler(ProxyHandler<HTTP2ClientCodec>(shared: shared, client: client, maxHeaderBytes: maxHeader))
                                    }
                                }).map { _ in }
                            },
                            http1ChannelConfigurator: { conn in
                                conn.eventLoop.makeCompletedFuture {
                                    try Self.configureHTTP1(conn.pipeline.syncOperations, shared: shared, client: client, maxHeader: maxHeader)
                                }
                            })
                    }
                }
                return ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(sni)) }
            }
    }

    /// HTTP/1.x: the proxy reads and writes the connection's bytes itself (``HTTP1ClientCodec``).
    static func configureHTTP1(_ ops: ChannelPipeline.SynchronousOperations, shared: ProxyShared, client: ForwardedHeaders.Client,
                               maxHeader: Int) throws {
        try ops.addHandler(ProxyHandler<HTTP1ClientCodec>(shared: shared, client: client, maxHeaderBytes: maxHeader))
    }

    func track(_ ch: any Channel) {
        let id = ObjectIdentifier(ch)
        connections.withLock { $0[id] = ch }
        ch.closeFuture.whenComplete { [weak self] _ in self?.connections.withLock { _ = $0.removeValue(forKey: id) } }
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace
    /// period; idle keep-alive connections are closed at once, busy ones after
    /// their response), then closes everything.
    public func shutdown() async {
        shared.draining.store(true, ordering: .relaxed)
        let ls = listeners.withLock { l in defer { l = [] }; return l }
        for l in ls { try? await l.channel.close() }
        let deadline = ContinuousClock.now + .milliseconds(Int64(configuration.shutdownGracePeriod * 1000))
        while shared.inFlight.load(ordering: .relaxed) > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        let open = connections.withLock { Array($0.values) }
        for ch in open { try? await ch.close() }
        await shared.pool.closeAll()
        try? await group.shutdownGracefully()
    }

    /// Serves until the task is cancelled, then shuts down gracefully.
    public func run() async throws {
        try await start()
        await withTaskCancellationHandler {
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        } onCancel: {}
        await shutdown()
    }
}

/// A listener remembered with its role.
struct NamedChannel: Sendable {
    let channel: any Channel
    let name: String
    init(_ channel: any Channel, _ name: String) {
        self.channel = channel
        self.name = name
    }
}
