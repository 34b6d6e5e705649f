import NIOCore
import NIOHTTP1

/// A connection after `101 Switching Protocols`: raw bytes both ways, for the
/// protocol the route upgraded to (websocket, SPDY). The route's handler
/// owns it until it returns; then the server closes the connection.
///
/// Reading is single-consumer: call ``read()`` from one task at a time.
/// ``write(_:)`` may be called from several tasks; each call's bytes go out
/// together.
public final class UpgradedConnection: @unchecked Sendable {
    typealias Iterator = NIOAsyncChannelInboundStream<HTTPServerRequestPart>.AsyncIterator

    private var iterator: Iterator
    private let outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>

    init(iterator: Iterator, outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) {
        self.iterator = iterator
        self.outbound = outbound
    }

    /// The next bytes from the client; nil once it has closed its side.
    public func read() async throws -> [UInt8]? {
        while let part = try await iterator.next() {
            if case .body(let buffer) = part, buffer.readableBytes > 0 { return Array(buffer.readableBytesView) }
        }
        return nil
    }

    /// Sends bytes to the client.
    public func write(_ bytes: [UInt8]) async throws {
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
    }
}
