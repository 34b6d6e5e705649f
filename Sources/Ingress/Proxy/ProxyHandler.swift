import Logging
import NIOCore
import NIOHTTP1

/// The client side of the proxy: one per HTTP/1.x connection or HTTP/2
/// stream (`Codec` says which). For each request it routes on the current
/// table, takes a keep-alive connection to one ready endpoint of the backend
/// (or opens one, trying the next endpoint only when connecting fails),
/// streams the request and the response through, and answers
/// 404/502/503/504 itself as nginx. An accepted `101 Switching Protocols`
/// turns both connections into a raw byte tunnel.
final class ProxyHandler<Codec: ClientCodec>: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = Codec.InboundIn
    typealias OutboundOut = Codec.OutboundOut

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
    var codec: Codec
    var isHTTP2: Bool { Codec.isHTTP2 }
    var state = State.idle
    var context: ChannelHandlerContext?
    /// This connection's loop's idle backend connections.
    var idle: BackendPool.Idle?

    // The current exchange.
    var request: ProxyRequest?
    var pending: [RequestPart] = []
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
    /// Response bytes ``send(_:context:)`` holds until the backend's read ends.
    var held: Codec.OutboundOut?
    var inFlight = false
    /// For the metrics: when the exchange began, what routed it, the status answered.
    var exchangeStart = NIODeadline.now()
    var routedIngress: String?
    var responseStatus = 0
    /// Reading the client was paused while a backend connection was opened.
    var readPaused = false
    /// Parts read and not handled yet: pipelined requests wait here while an exchange is under way.
    var parts = CircularBuffer<RequestPart>()
    /// Reading the client was paused because too many pipelined parts wait.
    var pipelinePaused = false
    /// How many pipelined parts may wait before reading pauses.
    static var pipelinedLimit: Int { 16 }
    /// Request bytes were written to the backend since its last flush.
    var backendUnflushed = false
    /// The client connection's allocator.
    var allocator = ByteBufferAllocator()
    /// The client shut its sending side down (HTTP/1.1): the requests it sent are answered, then the connection closes.
    var inputClosed = false

    init(shared: ProxyShared, client: ForwardedHeaders.Client, maxHeaderBytes: Int) {
        self.shared = shared
        self.client = client
        codec = Codec(client: client, maxHeaderBytes: maxHeaderBytes)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        allocator = context.channel.allocator
        idle = shared.pool.idle(on: context.eventLoop)
    }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard state != .tunnel else { return }
        do {
            try codec.decode(unwrapInboundIn(data), allocator: allocator, into: &parts)
        } catch {
            protocolError(error, context: context)
            return
        }
        handleParts(context: context)
    }

    /// Handles the parts read, up to the end of a request whose response has not ended.
    func handleParts(context: ChannelHandlerContext) {
        while !awaitingResponse, state != .tunnel, let part = parts.popFirst() {
            handle(part, context: context)
        }
        if !isHTTP2, parts.count >= Self.pipelinedLimit, !pipelinePaused {
            pipelinePaused = true
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        } else if pipelinePaused, parts.count < Self.pipelinedLimit {
            pipelinePaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
    }

    func handle(_ part: RequestPart, context: ChannelHandlerContext) {
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
            // Not before the request has ended (and then it waits in `parts`).
            break
        case (.proxying, .body(let buffer)):
            requestHadBody = true
            writeBody(buffer)
            backendUnflushed = true
        case (.proxying, .end):
            requestEnded = true
            if writeEnd() || backendUnflushed {
                backendChannel?.flush()
                backendUnflushed = false
            }
        case (.discarding, .end):
            requestEnded = true
            finishLocal(context: context)
        case (.discarding, .body), (.tunnel, _):
            break
        }
    }

    func writeBody(_ buffer: ByteBuffer) {
        guard let ch = backendChannel, let request else { return }
        let out = request.chunkedToBackend ? HTTP1Writer.chunk(buffer, allocator: allocator) : buffer
        ch.write(out, promise: nil)
    }

    /// Ends the request's body on the backend connection; whether that wrote anything.
    @discardableResult
    func writeEnd() -> Bool {
        guard let ch = backendChannel, let request, request.chunkedToBackend else { return false }
        ch.write(HTTP1Writer.lastChunk(allocator: allocator), promise: nil)
        return true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if backendUnflushed {
            backendUnflushed = false
            backendChannel?.flush()
        }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The client reads slowly: stop reading the backend until it catches up.
        backendChannel?.setOption(ChannelOptions.autoRead, value: context.channel.isWritable).whenFailure { _ in }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        if state == .proxying || state == .connecting {
            // The client went away mid-exchange: the backend connection cannot be reused.
            detachBackend()?.close(promise: nil)
        }
        endExchange()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        shared.logger.debug("client \(client.address): \(error)")
        context.close(promise: nil)
    }

    // MARK: - Starting an exchange

    func begin(_ head: ProxyRequest, context: ChannelHandlerContext) {
        request = head
        pending = []
        requestEnded = false
        requestHadBody = false
        responseStarted = false
        keepAlive = isHTTP2 || head.keepAlive
        attempt = 0
        inFlight = true
        shared.requestStarted()
        exchangeStart = .now()
        routedIngress = nil
        backendName = ""
        responseStatus = 0
        if shared.isDraining { keepAlive = false }
        guard let match = shared.store.route(host: head.host, path: head.target) else {
            respondLocally(404, context: context)
            return
        }
        routedIngress = match.ingress
        backendName = match.backend.name
        guard !match.backend.endpoints.isEmpty else {
            shared.logger.info("\(head.method) \(head.host ?? "") \(head.target): 503, \(match.backend.unavailableReason ?? "no endpoints") (ingress \(match.ingress))")
            respondLocally(503, context: context)
            return
        }
        candidates = shared.rotate(match.backend.endpoints)
        state = .connecting
        // The common case: an idle keep-alive connection, used at once.
        if head.upgrade == nil, let pooled = idle?.take(candidates[0]) {
            attach(pooled.channel, handler: pooled.handler, endpoint: candidates[0], reused: true, context: context)
            return
        }
        // Hold the client's body back until a backend connection is there.
        readPaused = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
        connectNext(context: context)
    }

    /// Opens a connection to the next endpoint; at most three endpoints are
    /// tried, and only when connecting to one failed.
    func connectNext(context: ChannelHandlerContext) {
        let maxAttempts = min(candidates.count, 3)
        guard attempt < maxAttempts else {
            respondLocally(502, context: context)
            return
        }
        let endpoint = candidates[attempt]
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
                    self.connectNext(context: context)
                } else if case ChannelError.connectTimeout = error {
                    self.respondLocally(504, context: context)
                } else {
                    self.respondLocally(502, context: context)
                }
            }
        }
    }

    /// Sends the request on a backend connection (`handler`: its handler, when known).
    func attach(_ ch: any Channel, handler known: BackendHandler?, endpoint: Backend.Endpoint, reused: Bool, context: ChannelHandlerContext) {
        guard let request, let handler = known ?? (try? ch.pipeline.syncOperations.handler(type: BackendHandler.self)) else {
            ch.close(promise: nil)
            connectNext(context: context)
            return
        }
        handler.idleIn = nil
        handler.sink = self
        backendChannel = ch
        backendHandler = handler
        backendEndpoint = endpoint
        backendReused = reused
        state = .proxying
        handler.expectResponse(isHEAD: request.isHEAD, upgrade: request.upgrade != nil)
        if pending.isEmpty {
            // The common case (a pooled connection, taken as the head arrives): one trip through the pipeline.
            ch.writeAndFlush(request.backendHead, promise: nil)
        } else {
            ch.write(request.backendHead, promise: nil)
            for part in pending {
                switch part {
                case .body(let b): writeBody(b)
                case .end: writeEnd()
                case .head: break
                }
            }
            ch.flush()
        }
        backendUnflushed = false
        if readPaused, request.upgrade == nil {
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
            if let metrics = shared.metrics, let request {
                let seconds = Double((NIODeadline.now() - exchangeStart).nanoseconds) / 1e9
                metrics.record(ingress: routedIngress, backend: backendName.isEmpty ? nil : backendName, host: request.host,
                               method: request.method, status: responseStatus == 0 ? 499 : responseStatus, seconds: seconds)
            }
        }
        pending = []
        if state != .tunnel { state = .idle }
    }

    // MARK: - Local responses

    func respondLocally(_ code: Int, context: ChannelHandlerContext) {
        writeHeld(context: context)
        let status = LocalResponse.status(code)
        responseStatus = code
        for part in codec.localResponse(status, body: LocalResponse.page(status), request: request, close: !keepAlive, allocator: allocator) {
            context.write(wrapOutboundOut(part), promise: nil)
        }
        responseStarted = true
        state = .discarding
        if readPaused {
            readPaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
        if requestEnded || pending.contains(where: { if case .end = $0 { return true } else { return false } }) {
            requestEnded = true
            finishLocal(context: context)
        } else {
            context.flush()
            context.read()
        }
    }

    func finishLocal(context: ChannelHandlerContext) {
        let close = closesAfterResponse
        endExchange()
        if close { return flushAndClose(context: context) }
        context.flush()
        handleParts(context: context)
    }

    /// Closes the connection once everything written to it has gone out.
    func flushAndClose(context: ChannelHandlerContext) {
        writeHeld(context: context)
        context.writeAndFlush(wrapOutboundOut(codec.emptyWrite(allocator: context.channel.allocator))).assumeIsolated().whenComplete { [weak self] _ in
            self?.context?.close(promise: nil)
        }
    }
}
