import NIOCore
import NIOHTTP1

/// Who receives a backend connection's response (the client side of one
/// exchange). Everything runs on the connection's event loop.
protocol BackendResponseSink: AnyObject {
    func backendResponse(_ part: HTTPClientResponsePart)
    func backendReadComplete()
    /// The connection failed or closed before the response ended.
    func backendFailed(_ error: any Error)
    func backendWritabilityChanged(_ writable: Bool)
}

/// The last handler of a backend connection: hands response parts to the
/// current exchange, enforces the read timeout while a response is awaited,
/// and tells the pool when an idle connection closes.
final class BackendHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart

    weak var sink: (any BackendResponseSink)?
    let readTimeout: TimeAmount
    var timer: Scheduled<Void>?
    var context: ChannelHandlerContext?
    /// The pool holding this connection while it idles (it forgets the connection when it closes).
    var idleIn: (pool: BackendPool, endpoint: Backend.Endpoint)?

    init(readTimeout: TimeAmount) { self.readTimeout = readTimeout }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    /// When the last response bytes arrived (the timer checks it instead of being rescheduled on every read).
    var lastRead = NIODeadline.now()

    /// Starts the read timeout; called when a request is sent.
    func armTimeout() {
        lastRead = .now()
        guard timer == nil else { return }
        schedule(in: readTimeout)
    }

    func schedule(in delay: TimeAmount) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) {
            let handler = loopBound.value
            handler.timer = nil
            let idle = NIODeadline.now() - handler.lastRead
            if idle < handler.readTimeout {
                handler.schedule(in: handler.readTimeout - idle)
                return
            }
            if let sink = handler.sink {
                handler.sink = nil
                sink.backendFailed(ProxyError.readTimeout)
            }
            handler.context?.close(promise: nil)
        }
    }

    func disarmTimeout() {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        // The timer keeps running while the connection idles in the pool: it closes it after the same time.
        lastRead = .now()
        sink?.backendResponse(part)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        sink?.backendReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        sink?.backendWritabilityChanged(context.channel.isWritable)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarmTimeout()
        if let (pool, endpoint) = idleIn {
            idleIn = nil
            pool.forget(context.channel, endpoint: endpoint)
        }
        if let sink {
            self.sink = nil
            sink.backendFailed(ProxyError.backendClosed)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let sink {
            self.sink = nil
            sink.backendFailed(error)
        }
        context.close(promise: nil)
    }
}

/// Why a request could not be proxied.
enum ProxyError: Error, CustomStringConvertible {
    case readTimeout
    case backendClosed
    case noEndpoints(String)

    var description: String {
        switch self {
        case .readTimeout: return "upstream timed out while reading the response"
        case .backendClosed: return "upstream closed the connection before the response ended"
        case .noEndpoints(let why): return why
        }
    }
}
