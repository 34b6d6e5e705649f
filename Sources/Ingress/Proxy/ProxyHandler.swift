import Logging
import NIOCore
import NIOHTTP1

/// The client side of the proxy: one per HTTP/1.1 connection or HTTP/2
/// stream. For each request it routes on the current table, takes a
/// keep-alive connection to one ready endpoint of the backend (or opens one,
/// trying the next endpoint only when connecting fails), streams the request
/// and the response through, and answers 404/502/503/504 itself as nginx.
/// An accepted `101 Switching Protocols` turns both connections into a raw
/// byte tunnel.
///
/// It also does, for HTTP/1.1, what NIO's pipelining and protocol-error
/// handlers would, without their extra steps on every request: parts of a
/// pipelined request wait until the response before them has ended, and a
/// request that does not parse gets `400` and the connection is closed.
final class ProxyHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    enum State {
        case idle
        /// Waiting for a backend connection; parts read meanwhile are kept.
        case connecting
        /// The request goes to `backend`.
        case proxying
        /// A local response was sent; the rest of the request is dropped.
        case discarding
        /// Handed over to a byte tunnel.
        case tunnel
    }

    let shared: ProxyShared
    let client: ForwardedHeaders.Client
    let isHTTP2: Bool
    var state = State.idle
    var context: ChannelHandlerContext?

    // The current exchange.
    var requestHead: HTTPRequestHead?
    var backendHead: HTTPRequestHead?
    var upgrade: String?
    var pending: [HTTPServerRequestPart] = []
    var requestEnded = false
    var requestHadBody = false
    var responseStarted = false
    var keepAlive = true
    var candidates: [Backend.Endpoint] = []
    var attempt = 0
    var backendName = ""
    var backendChannel: (any Channel)?
    var backendHandler: BackendHandler?
    var backendEndpoint: Backend.Endpoint?
    var backendReused = false
    var inFlight = false
    var backendKeepAlive = true
    /// Reading the client was paused while a backend connection was opened.
    var readPaused = false
    /// A backend's 101 to an upgrade, until its end.
    var switchingHead: HTTPResponseHead?
    /// Parts of pipelined requests that came while an exchange was under way.
    var pipelined = CircularBuffer<HTTPServerRequestPart>()
    /// Reading the client was paused because too many pipelined parts wait.
    var pipelinePaused = false
    /// How many pipelined parts may wait before reading pauses.
    static let pipelinedLimit = 16
    /// The client shut its sending side down (HTTP/1.1): the requests it sent are answered, then the connection closes.
    var inputClosed = false

    init(shared: ProxyShared, client: ForwardedHeaders.Client, isHTTP2: Bool) {
        self.shared = shared
        self.client = client
        self.isHTTP2 = isHTTP2
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if !isHTTP2, !pipelined.isEmpty || awaitingResponse {
            pipelined.append(part)
            if pipelined.count >= Self.pipelinedLimit, !pipelinePaused {
                pipelinePaused = true
                context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
            }
            return
        }
        handle(part, context: context)
    }

    func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            begin(head, context: context)
        case (.idle, _):
            break
        case (.connecting, .end):
            requestEnded = true
            pending.append(part)
        case (.connecting, .body):
            requestHadBody = true
            pending.append(part)
        case (.connecting, .head), (.proxying, .head), (.discarding, .head):
            // Not before the request has ended (and then it waits in `pipelined`).
            break
        case (.proxying, .body(let buffer)):
            requestHadBody = true
            backendChannel?.write(HTTPClientRequestPart.body(.byteBuffer(buffer)), promise: nil)
        case (.proxying, .end(let trailers)):
            requestEnded = true
            backendChannel?.writeAndFlush(HTTPClientRequestPart.end(trailers), promise: nil)
        case (.discarding, .end):
            requestEnded = true
            finishLocal(context: context)
        case (.discarding, .body), (.tunnel, _):
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if state == .proxying { backendChannel?.flush() }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The client reads slowly: stop reading the backend until it catches up.
        backendChannel?.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let ch = backendChannel, state == .proxying || state == .connecting {
            // The client went away mid-exchange: the backend connection cannot be reused.
            detachBackend()?.close(promise: nil)
            _ = ch
        }
        endExchange()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shared.logger.debug("client \(client.address): \(error)")
        if !isHTTP2, error is HTTPParserError, state != .tunnel, state == .idle || !responseStarted {
            respondBadRequestAndClose(context: context)
            return
        }
        context.close(promise: nil)
    }

    // MARK: - Starting an exchange

    func begin(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        requestHead = head
        pending = []
        requestEnded = false
        requestHadBody = false
        responseStarted = false
        keepAlive = isHTTP2 || head.isKeepAlive
        attempt = 0
        inFlight = true
        shared.requestStarted()
        if shared.isDraining { keepAlive = false }
        let host = head.headers.first(name: "host")
        guard let match = shared.store.current.route(host: host, path: head.uri) else {
            respondLocally(404, context: context)
            return
        }
        backendName = match.backend.name
        guard !match.backend.endpoints.isEmpty else {
            shared.logger.info("\(head.method) \(host ?? "") \(head.uri): 503, \(match.backend.unavailableReason ?? "no endpoints") (ingress \(match.ingress))")
            respondLocally(503, context: context)
            return
        }
        upgrade = isHTTP2 ? nil : ForwardedHeaders.upgrade(head)
        backendHead = ForwardedHeaders.backendRequest(head, client: client, upgrade: upgrade)
        candidates = shared.rotate(match.backend.endpoints)
        state = .connecting
        // The common case: an idle keep-alive connection, used at once.
        if upgrade == nil, let idle = shared.pool.take(candidates[0], on: context.eventLoop) {
            attach(idle.channel, handler: idle.handler.value, endpoint: candidates[0], reused: true, context: context)
            return
        }
        // Hold the client's body back until a backend connection is there.
        readPaused = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        connectNext(context: context, allowPooled: false)
    }

    /// Tries the next endpoint: an idle pooled connection first (when
    /// allowed), else a new connection; at most three endpoints are tried,
    /// and only when connecting to one failed.
    func connectNext(context: ChannelHandlerContext, allowPooled: Bool) {
        let maxAttempts = min(candidates.count, 3)
        guard attempt < maxAttempts else {
            respondLocally(502, context: context)
            return
        }
        let endpoint = candidates[attempt]
        if allowPooled, upgrade == nil, let idle = shared.pool.take(endpoint, on: context.eventLoop) {
            attach(idle.channel, handler: idle.handler.value, endpoint: endpoint, reused: true, context: context)
            return
        }
        attempt += 1
        shared.pool.connect(endpoint, on: context.eventLoop).assumeIsolated().whenComplete { [weak self] result in
            guard let self, let context = self.context, self.state == .connecting else {
                if case .success(let ch) = result { ch.close(promise: nil) }
                return
            }
            switch result {
            case .success(let ch):
                self.attach(ch, handler: nil, endpoint: endpoint, reused: false, context: context)
            case .failure(let error):
                self.shared.logger.info("connecting to \(endpoint) for \(self.backendName) failed: \(error)")
                if self.attempt < maxAttempts {
                    self.connectNext(context: context, allowPooled: false)
                } else if case ChannelError.connectTimeout = error {
                    self.respondLocally(504, context: context)
                } else {
                    self.respondLocally(502, context: context)
                }
            }
        }
    }

    /// Sends the request on a backend connection (`handler`: its last handler, when known).
    func attach(_ ch: any Channel, handler known: BackendHandler?, endpoint: Backend.Endpoint, reused: Bool, context: ChannelHandlerContext) {
        guard let handler = known ?? (try? ch.pipeline.syncOperations.handler(type: BackendHandler.self)) else {
            ch.close(promise: nil)
            connectNext(context: context, allowPooled: false)
            return
        }
        handler.idleIn = nil
        handler.sink = self
        backendChannel = ch
        backendHandler = handler
        backendEndpoint = endpoint
        backendReused = reused
        state = .proxying
        if let backendHead { ch.write(HTTPClientRequestPart.head(backendHead), promise: nil) }
        for part in pending {
            switch part {
            case .body(let b): ch.write(HTTPClientRequestPart.body(.byteBuffer(b)), promise: nil)
            case .end(let t): ch.write(HTTPClientRequestPart.end(t), promise: nil)
            case .head: break
            }
        }
        ch.flush()
        handler.armTimeout()
        if readPaused, upgrade == nil {
            readPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            if !requestEnded { context.read() }
        }
    }

    /// Unhooks the backend connection from this exchange.
    @discardableResult
    func detachBackend() -> (any Channel)? {
        guard let ch = backendChannel else { return nil }
        backendHandler?.sink = nil
        backendHandler = nil
        backendChannel = nil
        return ch
    }

    func endExchange() {
        if inFlight {
            inFlight = false
            shared.requestFinished()
        }
        requestHead = nil
        backendHead = nil
        pending = []
        if state != .tunnel { state = .idle }
    }

    // MARK: - Local responses

    func respondLocally(_ code: Int, context: ChannelHandlerContext) {
        let status = LocalResponse.status(code)
        var headers = HTTPHeaders()
        let body = LocalResponse.page(status)
        headers.add(name: "Content-Type", value: "text/html")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        let version = requestHead?.version ?? .http1_1
        if !keepAlive && !isHTTP2 { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        responseStarted = true
        state = .discarding
        if readPaused {
            readPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
        context.flush()
        if requestEnded || pending.contains(where: { if case .end = $0 { return true } else { return false } }) {
            requestEnded = true
            finishLocal(context: context)
        } else {
            context.read()
        }
    }

    func finishLocal(context: ChannelHandlerContext) {
        let close = closesAfterResponse
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { [weak self] _ in
            if close { self?.context?.close(promise: nil) }
        }
        endExchange()
        if !close { nextPipelined(context: context) }
    }
}
