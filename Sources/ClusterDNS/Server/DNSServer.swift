public import Logging
public import NIOCore
public import NIOPosix
import Glibc

/// Why the server could not start.
public struct DNSServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// The DNS server: UDP and TCP on one address and port, each query
/// answered by the ``DNSResolver`` from a snapshot of the ``RecordStore``,
/// and forwarded to the upstream when the resolver says so.
///
/// ```swift
/// let server = DNSServer(listen: HostPort(host: "127.0.0.1", port: 0), resolver: resolver, store: store)
/// try await server.run { port in print("listening on \(port)") }    // until cancelled
/// ```
public struct DNSServer: Sendable {
    public let listen: HostPort
    public let resolver: DNSResolver
    public let store: RecordStore
    public let upstream: (any DNSUpstream)?
    /// Counts every query, its answer and its time (CoreDNS' metrics); nil counts nothing.
    public let metrics: DNSMetrics?
    let logger: Logger
    let group: any EventLoopGroup

    public init(listen: HostPort, resolver: DNSResolver, store: RecordStore, upstream: (any DNSUpstream)? = nil, metrics: DNSMetrics? = nil,
                logger: Logger = Logger(label: "cluster-dns"), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.metrics = metrics
        self.listen = listen
        self.resolver = resolver
        self.store = store
        self.upstream = upstream
        self.logger = logger
        self.group = group
    }

    typealias UDPChannel = NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>
    typealias TCPChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Binds UDP, then TCP on the same port (port 0 picks a free one), calls
    /// `onListening` with the port, and serves until the task is cancelled;
    /// then closes both sockets and returns.
    public func run(onListening: @Sendable (Int) -> Void = { _ in }) async throws {
        let (udp, tcp, port) = try await bind()
        logger.info("serving DNS on \(HostPort(host: listen.host, port: port)) (udp, tcp)")
        onListening(port)
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await serveUDP(udp) }
                group.addTask { try await serveTCP(tcp) }
                try await group.next()
                group.cancelAll()
            }
        } catch where Task.isCancelled {
            // Cancellation closed the sockets under the loops: a clean stop.
        }
        logger.debug("stopped serving DNS on \(HostPort(host: listen.host, port: port))")
    }

    /// Binds UDP, then TCP on the same port. With port 0 the kernel picks
    /// the UDP port, and its TCP twin may be taken (by any connection's
    /// local port): then both are tried again on another port.
    private func bind() async throws -> (UDPChannel, NIOAsyncChannel<TCPChannel, Never>, Int) {
        var attempt = 0
        while true {
            attempt += 1
            let udp: UDPChannel
            do {
                udp = try await DatagramBootstrap(group: group)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    .bind(host: listen.host, port: listen.port) { channel in
                        channel.eventLoop.makeCompletedFuture { try UDPChannel(wrappingChannelSynchronously: channel) }
                    }
            } catch {
                throw DNSServerError(description: "cannot listen on udp \(listen): \(error)\(listen.port < 1024 ? " (ports under 1024 need root or CAP_NET_BIND_SERVICE)" : "")")
            }
            guard let port = udp.channel.localAddress?.port else {
                udp.channel.close(promise: nil)
                throw DNSServerError(description: "udp socket on \(listen) has no local port")
            }
            do {
                let tcp = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .bind(host: listen.host, port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                            try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(DNSTCPFrameEncoder()))
                            return try TCPChannel(wrappingChannelSynchronously: channel)
                        }
                    }
                return (udp, tcp, port)
            } catch {
                try? await udp.channel.close()
                let inUse = (error as? IOError)?.errnoCode == EADDRINUSE
                if listen.port == 0, inUse, attempt < 16 { continue }
                throw DNSServerError(description: "cannot listen on tcp \(listen.host):\(port): \(error)")
            }
        }
    }

    /// The answer to one packet, forwarding when needed; nil sends nothing.
    public func answer(_ packet: [UInt8], transport: DNSTransport) async -> [UInt8]? {
        let (table, synced) = store.snapshot()
        switch resolver.respond(to: packet, transport: transport, table: table, synced: synced) {
        case .reply(let bytes):
            return bytes
        case .drop:
            return nil
        case .forward(let query):
            guard let upstream else { return resolver.serverFailure(query, transport: transport) }
            do {
                return try await upstream.exchange(packet, over: transport)
            } catch {
                logger.debug("forwarding \(query.question?.description ?? "?"): \(error)")
                return resolver.serverFailure(query, transport: transport)
            }
        }
    }

    func record(_ query: [UInt8], _ reply: [UInt8]?, _ transport: DNSTransport, since started: ContinuousClock.Instant) {
        guard let metrics else { return }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.record(query: query, reply: reply, transport: transport, family: listen.host.contains(":") ? 2 : 1, seconds: seconds)
    }

    func serveUDP(_ udp: UDPChannel) async throws {
        try await closingOnCancel(udp.channel) {
            try await udp.executeThenClose { inbound, outbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await envelope in inbound {
                        let packet = Array(envelope.data.readableBytesView)
                        let client = envelope.remoteAddress
                        let started = ContinuousClock.now
                        // Table answers inline; forwarded queries wait in their own task.
                        let (table, synced) = store.snapshot()
                        switch resolver.respond(to: packet, transport: .udp, table: table, synced: synced) {
                        case .reply(let bytes):
                            try await outbound.write(AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: bytes)))
                            record(packet, bytes, .udp, since: started)
                        case .drop:
                            record(packet, nil, .udp, since: started)
                            continue
                        case .forward:
                            group.addTask {
                                let reply = await answer(packet, transport: .udp)
                                record(packet, reply, .udp, since: started)
                                guard let reply else { return }
                                try? await outbound.write(AddressedEnvelope(remoteAddress: client, data: ByteBuffer(bytes: reply)))
                            }
                        }
                    }
                }
            }
        }
    }

    func serveTCP(_ tcp: NIOAsyncChannel<TCPChannel, Never>) async throws {
        try await closingOnCancel(tcp.channel) {
            try await tcp.executeThenClose { connections in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in connections {
                        group.addTask {
                            do {
                                try await closingOnCancel(connection.channel) {
                                    try await connection.executeThenClose { frames, outbound in
                                        for try await frame in frames {
                                            let started = ContinuousClock.now
                                            let packet = Array(frame.readableBytesView)
                                            let answered = await answer(packet, transport: .tcp)
                                            record(packet, answered, .tcp, since: started)
                                            guard let reply = answered else { continue }
                                            try await outbound.write(ByteBuffer(bytes: reply))
                                        }
                                    }
                                }
                            } catch {
                                logger.debug("tcp connection \(connection.channel.remoteAddress?.description ?? "?"): \(error)")
                            }
                        }
                    }
                }
            }
        }
    }
}
