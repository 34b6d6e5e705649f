import NIOCore

/// A part of a backend's response, as the exchange sees it.
enum BackendResponsePart {
    /// A head: informational (1xx), `101` to an upgrade, or the final one.
    case head(HTTP1Head)
    /// Body data, without the chunked framing.
    case body(ByteBuffer)
    case end
}

/// Who receives a backend connection's response (the client side of one
/// exchange). Everything runs on the connection's event loop.
protocol BackendResponseSink: AnyObject {
    func backendResponse(_ part: BackendResponsePart)
    func backendReadComplete()
    /// The connection failed or closed before the response ended.
    func backendFailed(_ error: any Error)
    func backendWritabilityChanged(_ writable: Bool)
}

/// The one handler of a backend connection: reads HTTP/1.1 responses off
/// its bytes (``HTTP1MessageReader``) and hands their parts to the current exchange, enforces the read timeout while a response
/// is awaited, and tells the pool when an idle connection closes.
final class BackendHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// The exchange the response goes to; it unhooks itself when the exchange ends (``ProxyHandler/detachBackend()``),
    /// and a failure or close unhooks it here.
    var sink: (any BackendResponseSink)?
    let readTimeout: TimeAmount
    var timer: Scheduled<Void>?
    var context: ChannelHandlerContext?
    /// The pool holding this connection while it idles (it forgets the connection when it closes).
    var idleIn: (pool: BackendPool.Idle, endpoint: Backend.Endpoint)?

    var reader: HTTP1MessageReader
    /// A request was sent and its response has not ended.
    var awaiting = false
    var upgradeRequested = false
    /// Whether the connection may carry another request once this response ends.
    private(set) var reusable = true

    init(readTimeout: TimeAmount, maxHeaderBytes: Int) {
        self.readTimeout = readTimeout
        reader = HTTP1MessageReader(kind: .response, maxBytes: maxHeaderBytes)
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    /// A request was written: its response comes next.
    func expectResponse(isHEAD: Bool, upgrade: Bool) {
        awaiting = true
        reader.requestIsHEAD = isHEAD
        upgradeRequested = upgrade
        armTimeout()
    }

    /// The bytes read after a `101`: the tunnel's first.
    func takeHeldBytes() -> ByteBuffer? { reader.takeBuffered() }

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
            handler.fail(ProxyError.readTimeout)
        }
    }

    func disarmTimeout() {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The timer keeps running while the connection idles in the pool: it closes it after the same time.
        lastRead = .now()
        reader.append(unwrapInboundIn(data))
        do {
            try process()
        } catch {
            fail(ProxyError.invalidResponse(String(describing: error)))
        }
    }

    /// Hands on every complete part read.
    func process() throws {
        while awaiting, !reader.switched, let part = try reader.next() {
            switch part {
            case .head(let head):
                if head.status == 101 {
                    guard upgradeRequested else { throw HTTP1ParseError.invalid("101 Switching Protocols to a request that asked for no upgrade") }
                    reusable = false
                } else if head.status >= 200 {
                    if !head.keepAlive || head.responseFraming(requestIsHEAD: reader.requestIsHEAD) == .untilClose { reusable = false }
                }
                sink?.backendResponse(.head(head))
            case .body(let data):
                sink?.backendResponse(.body(data))
            case .end:
                awaiting = false
                sink?.backendResponse(.end)
            }
        }
        // Bytes nobody asked for (a backend's `408` before it closes an idle connection, or a response
        // longer than it said): the connection is not in step with its requests any more. Once no exchange
        // holds it (idle in the pool, or just released by the exchange whose response ended in this read)
        // it is closed at once, so that no request reads them as its response; the pool forgets it as it closes.
        if !awaiting, !reader.switched, reader.hasBufferedBytes {
            reusable = false
            reader.discardBuffered()
            if sink == nil { context?.close(promise: nil) }
        }
    }

    /// Ends the exchange with an error and closes the connection.
    func fail(_ error: any Error) {
        reusable = false
        if let sink {
            self.sink = nil
            sink.backendFailed(error)
        }
        context?.close(promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        sink?.backendReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        sink?.backendWritabilityChanged(context.channel.isWritable)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarmTimeout()
        reusable = false
        if let (pool, endpoint) = idleIn {
            idleIn = nil
            pool.forget(context.channel, endpoint: endpoint)
        }
        // A body read until the connection closes has ended now.
        if awaiting, case .end? = try? reader.inputEnded() {
            awaiting = false
            sink?.backendResponse(.end)
            return
        }
        if let sink {
            self.sink = nil
            sink.backendFailed(ProxyError.backendClosed)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
    }
}

/// Why a request could not be proxied.
enum ProxyError: Error, CustomStringConvertible {
    case readTimeout
    case backendClosed
    case invalidResponse(String)
    case noEndpoints(String)

    var description: String {
        switch self {
        case .readTimeout: return "upstream timed out while reading the response"
        case .backendClosed: return "upstream closed the connection before the response ended"
        case .invalidResponse(let why): return "upstream sent an invalid response: \(why)"
        case .noEndpoints(let why): return why
        }
    }
}
