import NIOCore
import NIOPosix
import Synchronization

/// Keep-alive connections to backend endpoints, kept per endpoint and event
/// loop (a client connection only uses backend connections of its own loop,
/// so an exchange never crosses threads).
final class BackendPool: Sendable {
    struct Key: Hashable {
        var endpoint: Backend.Endpoint
        var loop: ObjectIdentifier
    }

    /// An idle connection and its last handler (bound to the connection's loop, where it is only used).
    struct Idle: Sendable {
        var channel: any Channel
        var handler: NIOLoopBound<BackendHandler>
    }

    let idle = Mutex<[Key: [Idle]]>([:])
    let configuration: ProxyConfiguration

    init(configuration: ProxyConfiguration) { self.configuration = configuration }

    /// An idle connection to `endpoint` on `loop`, if one is open.
    func take(_ endpoint: Backend.Endpoint, on loop: any EventLoop) -> Idle? {
        let key = Key(endpoint: endpoint, loop: ObjectIdentifier(loop))
        return idle.withLock { map in
            while let found = map[key]?.popLast() {
                if map[key]?.isEmpty == true { map[key] = nil }
                if found.channel.isActive { return found }
            }
            return nil
        }
    }

    /// Returns a connection whose exchange ended cleanly; closes it when the pool is full.
    func put(_ channel: any Channel, handler: BackendHandler, endpoint: Backend.Endpoint) {
        let key = Key(endpoint: endpoint, loop: ObjectIdentifier(channel.eventLoop))
        let entry = Idle(channel: channel, handler: NIOLoopBound(handler, eventLoop: channel.eventLoop))
        let kept = idle.withLock { map in
            guard (map[key]?.count ?? 0) < configuration.maxIdlePerEndpoint, channel.isActive else { return false }
            map[key, default: []].append(entry)
            return true
        }
        if !kept { channel.close(promise: nil) }
    }

    /// Forgets a closed connection.
    func forget(_ channel: any Channel, endpoint: Backend.Endpoint) {
        let key = Key(endpoint: endpoint, loop: ObjectIdentifier(channel.eventLoop))
        idle.withLock { map in
            map[key]?.removeAll { $0.channel === channel }
            if map[key]?.isEmpty == true { map[key] = nil }
        }
    }

    /// Opens a new connection on `loop`, with a ``BackendHandler``.
    func connect(_ endpoint: Backend.Endpoint, on loop: any EventLoop) -> EventLoopFuture<any Channel> {
        let readTimeout = TimeAmount.milliseconds(Int64(configuration.readTimeout * 1000))
        let maxHeader = configuration.maxHeaderBytes
        return ClientBootstrap(group: loop)
            .connectTimeout(.milliseconds(Int64(configuration.connectTimeout * 1000)))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    try ch.pipeline.syncOperations.addHandler(BackendHandler(readTimeout: readTimeout, maxHeaderBytes: maxHeader))
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
    }

    /// Closes every idle connection.
    func closeAll() {
        let all = idle.withLock { map in
            defer { map = [:] }
            return map.values.flatMap { $0 }
        }
        for entry in all { entry.channel.close(promise: nil) }
    }
}
