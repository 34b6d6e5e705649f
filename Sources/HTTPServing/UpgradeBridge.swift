import NIOCore
import NIOHTTP1

/// Sits at the end of an HTTP/1.1 server pipeline, just before the async
/// channel, and lets a connection leave HTTP after a `101 Switching
/// Protocols` (websocket, SPDY): until then it passes HTTP parts through
/// untouched; when the 101 head goes out it writes that head itself, removes
/// NIO's HTTP handlers, and from then on carries raw bytes, wrapped as
/// `.body` parts so the typed async channel above it keeps working.
///
/// Clients of upgrades (kubectl, our API server) wait for the 101 before they
/// send, so the HTTP decoder holds no bytes of the new protocol when it goes.
final class UpgradeBridge: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = ByteBuffer

    private var raw = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard raw else { return context.fireChannelRead(data) }
        context.fireChannelRead(wrapInboundOut(.body(unwrapInboundIn(data))))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if raw {
            switch unwrapOutboundIn(data) {
            case .body(.byteBuffer(let buffer)):
                context.write(wrapOutboundOut(buffer), promise: promise)
            case .body(.fileRegion):
                promise?.fail(ChannelError.operationUnsupported)
            case .head, .end:
                promise?.succeed(())
            }
            return
        }
        guard case .head(let head) = unwrapOutboundIn(data), head.status == .switchingProtocols else {
            return context.write(data, promise: promise)
        }
        raw = true
        removeHTTPHandlers(context)
        context.write(wrapOutboundOut(Self.encode(head, allocator: context.channel.allocator)), promise: promise)
        // The pipeline handler held back reads while the request was open.
        context.read()
    }

    /// The HTTP handlers `configureHTTPServerPipeline` adds; the decoder goes last.
    private func removeHTTPHandlers(_ context: ChannelHandlerContext) {
        let pipeline = context.pipeline.syncOperations
        let types: [any RemovableChannelHandler.Type] = [
            HTTPServerProtocolErrorHandler.self, HTTPServerPipelineHandler.self, NIOHTTPResponseHeadersValidator.self,
            HTTPResponseEncoder.self, ByteToMessageHandler<HTTPRequestDecoder>.self,
        ]
        for type in types {
            if let handler = try? pipeline.removableHandler(of: type) { pipeline.removeHandler(handler, promise: nil) }
        }
    }

    /// `HTTP/1.1 101 Switching Protocols` and the headers, as bytes.
    static func encode(_ head: HTTPResponseHead, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 256)
        buffer.writeString("HTTP/1.1 101 Switching Protocols\r\n")
        for (name, value) in head.headers {
            buffer.writeString("\(name): \(value)\r\n")
        }
        buffer.writeString("\r\n")
        return buffer
    }
}

extension ChannelPipeline.SynchronousOperations {
    /// The handler of a given type (the types NIO's HTTP setup adds).
    fileprivate func removableHandler(of type: any RemovableChannelHandler.Type) throws -> any RemovableChannelHandler {
        func find<H: RemovableChannelHandler>(_ t: H.Type) throws -> any RemovableChannelHandler { try handler(type: t) }
        return try find(type)
    }
}
