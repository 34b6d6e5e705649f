import NIOCore
import NIOHTTP1

/// HTTP/1.1's connection rules: pipelined requests wait for the response
/// before them (in `parts`), a half-closing client still gets its answers, a
/// request that does not parse gets 400 (431 when its head is too large,
/// 501 for a transfer coding other than chunked), and a declined upgrade
/// lets the connection carry on as HTTP.
extension ProxyHandler {
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event as? ChannelEvent == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        if state == .idle, parts.isEmpty { context.close(promise: nil) }
    }

    /// Whether the connection closes once the current response has ended.
    var closesAfterResponse: Bool { !isHTTP2 && (!keepAlive || inputClosed && parts.isEmpty) }

    /// The request has ended and its response has not: what the client sends now is the next request.
    var awaitingResponse: Bool { requestEnded && (state == .connecting || state == .proxying || state == .discarding) }

    /// What the client sent is not HTTP/1.1: as nginx, an error status, then close.
    func protocolError(_ error: any Error, context: ChannelHandlerContext) {
        shared.logger.debug("client \(client.address): \(error)")
        guard state == .idle || !responseStarted else {
            // A response is under way: the client can only be told by closing.
            detachBackend()?.close(promise: nil)
            endExchange()
            context.close(promise: nil)
            return
        }
        detachBackend()?.close(promise: nil)
        endExchange()
        let status: HTTPResponseStatus = switch error {
        case HTTP1ParseError.headTooLarge: .custom(code: 431, reasonPhrase: "Request Header Fields Too Large")
        case HTTP1ParseError.unsupportedTransferCoding: .notImplemented
        default: .badRequest
        }
        parts.removeAll()
        for part in codec.localResponse(status, body: "", request: nil, close: true, allocator: allocator) {
            context.write(wrapOutboundOut(part), promise: nil)
        }
        state = .discarding
        flushAndClose(context: context)
    }

    /// The backend answered an upgrade request without switching: read on as HTTP; false when what was held back does not parse.
    func resumeAfterDeclinedUpgrade(context: ChannelHandlerContext) -> Bool {
        do {
            try codec.resume(allocator: allocator, into: &parts)
        } catch {
            protocolError(error, context: context)
            return false
        }
        readPaused = false
        context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        return true
    }
}
