import NIOCore
import NIOPosix

/// Keep-alive connections to backend endpoints, kept per event loop: a
/// client connection only uses backend connections of its own loop, so an
/// exchange never crosses threads, and taking or returning a connection
/// needs no lock (each loop's ``Idle`` is only used on that loop).
final class BackendPool: Sendable {
    /// One event loop's idle connections.
    final class Idle {
        struct Connection {
            let channel: any Channel
            /// Its handler, kept from its last exchange.
            let handler: BackendHandler
        }

        let maxPerEndpoint: Int
        var byEndpoint: [Backend.Endpoint: [Connection]] = [:]

        init(maxPerEndpoint: Int) { self.maxPerEndpoint = maxPerEndpoint }

        /// An idle connection to `endpoint`, if one is open (one that closed was forgotten when it did, on this loop).
        func take(_ endpoint: Backend.Endpoint) -> Connection? {
            byEndpoint[endpoint]?.popLast()
        }

        /// Keeps a connection whose exchange ended cleanly; closes it when the endpoint has enough idle ones.
        func put(_ channel: any Channel, handler: BackendHandler, endpoint: Backend.Endpoint) {
            guard (byEndpoint[endpoint]?.count ?? 0) < maxPerEndpoint else { return channel.close(promise: nil) }
            handler.idleIn = (self, endpoint)
            // Endpoints come and go with pods: forget those left without connections once there are many.
            if byEndpoint.count > 64, byEndpoint[endpoint] == nil { byEndpoint = byEndpoint.filter { !$0.value.isEmpty } }
            byEndpoint[endpoint, default: []].append(Connection(channel: channel, handler: handler))
        }

        /// Forgets a connection that closed while idle.
        func forget(_ channel: any Channel, endpoint: Backend.Endpoint) {
            byEndpoint[endpoint]?.removeAll { $0.channel === channel }
            if byEndpoint[endpoint]?.isEmpty == true { byEndpoint[endpoint] = nil }
        }

        func closeAll() {
            let all = byEndpoint.values.flatMap { $0 }
            byEndpoint = [:]
            for c in all { c.channel.close(promise: nil) }
        }
    }

    let loops: [ObjectIdentifier: NIOLoopBoundBox<Idle>]
    let configuration: ProxyConfiguration

    /// - Parameter group: the loops client connections run on.
    init(configuration: ProxyConfiguration, group: any EventLoopGroup) {
        self.configuration = configuration
        var loops: [ObjectIdentifier: NIOLoopBoundBox<Idle>] = [:]
        for loop in group.makeIterator() {
            loops[ObjectIdentifier(loop)] = .makeBoxSendingValue(Idle(maxPerEndpoint: configuration.maxIdlePerEndpoint), eventLoop: loop)
        }
        self.loops = loops
    }

    /// The idle connections of `loop`; called on that loop. Nil for a loop outside the group (nothing is pooled then).
    func idle(on loop: any EventLoop) -> Idle? { loops[ObjectIdentifier(loop)]?.value }

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

    /// Closes every idle connection, on each connection's loop.
    func closeAll() async {
        for (_, idle) in loops {
            try? await idle.eventLoop.submit { idle.value.closeAll() }.get()
        }
    }
}
