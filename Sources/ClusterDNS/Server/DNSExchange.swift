public import NIOCore
public import NIOPosix

/// Why an exchange with a DNS server failed.
public enum DNSExchangeError: Error, Sendable, CustomStringConvertible {
    /// No reply within the time limit.
    case timeout(server: String, transport: DNSTransport, after: Duration)
    /// The connection closed before a reply came.
    case closed(server: String)
    /// The address is not an IP address.
    case badAddress(String)
    /// Every upstream failed; the last error of each.
    case allUpstreamsFailed([String])

    public var description: String {
        switch self {
        case .timeout(let server, let transport, let after): return "no \(transport.rawValue) reply from \(server) within \(after)"
        case .closed(let server): return "\(server) closed the connection before replying"
        case .badAddress(let a): return "\(a) is not an IP address"
        case .allUpstreamsFailed(let errors): return "every upstream failed: " + errors.joined(separator: "; ")
        }
    }
}

/// One query, one reply, over UDP or TCP: how the server forwards to
/// upstreams, and a small client for tests and tools.
///
/// ```swift
/// let reply = try await DNSExchange.exchange(query.encode(), with: HostPort(host: "127.0.0.1", port: 5353), over: .udp)
/// ```
public enum DNSExchange {
    /// Sends `query` to `server` and returns the reply's bytes (a UDP reply
    /// must carry the query's ID and come from the server's address).
    public static func exchange(_ query: [UInt8], with server: HostPort, over transport: DNSTransport, timeout: Duration = .seconds(2),
                                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> [UInt8] {
        let address: SocketAddress
        do { address = try SocketAddress(ipAddress: server.host, port: server.port) } catch {
            throw DNSExchangeError.badAddress(server.host)
        }
        return try await withDeadline(timeout, DNSExchangeError.timeout(server: server.description, transport: transport, after: timeout)) {
            switch transport {
            case .udp: return try await udp(query, to: address, group: group)
            case .tcp: return try await tcp(query, to: address, server: server.description, group: group)
            }
        }
    }

    static func udp(_ query: [UInt8], to address: SocketAddress, group: any EventLoopGroup) async throws -> [UInt8] {
        let local = address.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel = try await DatagramBootstrap(group: group).bind(host: local, port: 0) { channel in
            channel.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
            }
        }
        let id = query.count >= 2 ? Array(query[0..<2]) : []
        return try await closingOnCancel(channel.channel) {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: query)))
                for try await envelope in inbound where envelope.remoteAddress == address {
                    let reply = Array(envelope.data.readableBytesView)
                    if reply.count >= 2, Array(reply[0..<2]) == id { return reply }
                }
                throw CancellationError()
            }
        }
    }

    static func tcp(_ query: [UInt8], to address: SocketAddress, server: String, group: any EventLoopGroup) async throws -> [UInt8] {
        let channel = try await ClientBootstrap(group: group).connect(to: address) { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(DNSTCPFrameEncoder()))
                return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
            }
        }
        return try await closingOnCancel(channel.channel) {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: query))
                for try await frame in inbound { return Array(frame.readableBytesView) }
                throw DNSExchangeError.closed(server: server)
            }
        }
    }
}

/// Closes `channel` when the task is cancelled, so a read waiting on it ends.
func closingOnCancel<T>(_ channel: any Channel, _ body: () async throws -> T) async throws -> T {
    try await withTaskCancellationHandler {
        try await body()
    } onCancel: {
        channel.close(promise: nil)
    }
}

/// Runs `body`, throwing `error` if it takes longer than `timeout` (the body is cancelled).
func withDeadline<T: Sendable>(_ timeout: Duration, _ error: any Error & Sendable,
                               _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw error }
        return value
    }
}
