import NIOCore
import NIOEmbedded
import Testing
@testable import Ingress

/// One event loop's idle backend connections.
struct BackendPoolTests {
    static func connection(_ loop: EmbeddedEventLoop) throws -> (EmbeddedChannel, BackendHandler) {
        let handler = BackendHandler(readTimeout: .seconds(60), maxHeaderBytes: 1024)
        let channel = EmbeddedChannel(handler: handler, loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 80)).wait()
        return (channel, handler)
    }

    @Test func connectionsAreKeptPerEndpointUpToTheLimit() throws {
        let loop = EmbeddedEventLoop()
        let idle = BackendPool.Idle(maxPerEndpoint: 2)
        let a = Backend.Endpoint(host: "10.0.0.1", port: 80), b = Backend.Endpoint(host: "10.0.0.2", port: 80)
        let (c1, h1) = try Self.connection(loop), (c2, h2) = try Self.connection(loop), (c3, h3) = try Self.connection(loop)
        idle.put(c1, handler: h1, endpoint: a)
        idle.put(c2, handler: h2, endpoint: a)
        idle.put(c3, handler: h3, endpoint: a)
        #expect(!c3.isActive, "a third idle connection to one endpoint is closed")
        #expect(h1.idleIn?.endpoint == a)
        #expect(idle.take(b)?.channel == nil)
        #expect(idle.take(a)?.channel === c2, "the most recently used first")
        #expect(idle.take(a)?.channel === c1)
        #expect(idle.take(a)?.channel == nil)
    }

    /// A pool holding two idle connections to one endpoint.
    static func twoIdle() throws -> (idle: BackendPool.Idle, endpoint: Backend.Endpoint, first: EmbeddedChannel, second: (EmbeddedChannel, BackendHandler)) {
        let loop = EmbeddedEventLoop()
        let idle = BackendPool.Idle(maxPerEndpoint: 4)
        let a = Backend.Endpoint(host: "10.0.0.1", port: 80)
        let (c1, h1) = try connection(loop), (c2, h2) = try connection(loop)
        idle.put(c1, handler: h1, endpoint: a)
        idle.put(c2, handler: h2, endpoint: a)
        return (idle, a, c1, (c2, h2))
    }

    @Test func aConnectionThatClosesWhileIdleIsForgotten() throws {
        let (idle, a, c1, (c2, _)) = try Self.twoIdle()
        // The backend closes it: the handler's channelInactive tells the pool.
        try c2.close().wait()
        #expect(idle.take(a)?.channel === c1)
        #expect(idle.take(a)?.channel == nil)
    }

    @Test func anIdleConnectionThatSendsUnaskedBytesIsClosedAndForgotten() throws {
        let (idle, a, c1, (c2, h2)) = try Self.twoIdle()
        // A backend that times the idle connection out answers 408 before it closes (nginx, Apache):
        // read as the next request's response, it would answer a request it never saw.
        try c2.writeInbound(ByteBuffer(string: "HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
        #expect(!c2.isActive)
        #expect(!h2.reusable)
        #expect(idle.take(a)?.channel === c1)
        #expect(idle.take(a)?.channel == nil)
    }

    @Test func endpointsLeftWithoutConnectionsAreDroppedOnceThereAreMany() throws {
        let loop = EmbeddedEventLoop()
        let idle = BackendPool.Idle(maxPerEndpoint: 4)
        for i in 0...64 {
            let endpoint = Backend.Endpoint(host: "10.0.1.\(i)", port: 80)
            let (c, h) = try Self.connection(loop)
            idle.put(c, handler: h, endpoint: endpoint)
            #expect(idle.take(endpoint)?.channel != nil)
        }
        #expect(idle.byEndpoint.count <= 65)
        let (c, h) = try Self.connection(loop)
        idle.put(c, handler: h, endpoint: Backend.Endpoint(host: "10.0.2.1", port: 80))
        #expect(idle.byEndpoint.count == 1, "the empty entries went, the new one stays")
    }
}
