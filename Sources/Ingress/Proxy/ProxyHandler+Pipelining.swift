import NIOCore
import NIOHTTP1

/// What NIO's pipelining and protocol-error handlers would do on an
/// HTTP/1.1 connection, done here without their steps on every request
/// (the pipelining handler stopped reading after each request and re-armed
/// epoll after each response): pipelined requests wait for the response
/// before them, a half-closing client still gets its answers, and a request
/// that does not parse gets 400.
extension ProxyHandler {
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event as? ChannelEvent == .inputClosed else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        inputClosed = true
        if state == .idle, pipelined.isEmpty { context.close(promise: nil) }
    }

    /// Whether the connection closes once the current response has ended.
    var closesAfterResponse: Bool { !isHTTP2 && (!keepAlive || inputClosed && pipelined.isEmpty) }

    /// The request has ended and its response has not: what the client sends now is the next request.
    var awaitingResponse: Bool { requestEnded && (state == .connecting || state == .proxying || state == .discarding) }

    /// Starts the pipelined requests that waited for the response that just ended.
    func nextPipelined(context: ChannelHandlerContext) {
        while !awaitingResponse, let part = pipelined.popFirst() {
            handle(part, context: context)
        }
        if pipelinePaused, pipelined.count < Self.pipelinedLimit {
            pipelinePaused = false
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
        }
    }

    /// As NIO's HTTPServerProtocolErrorHandler: 400, then close.
    func respondBadRequestAndClose(context: ChannelHandlerContext) {
        detachBackend()?.close(promise: nil)
        endExchange()
        var headers = HTTPHeaders()
        headers.add(name: "Connection", value: "close")
        headers.add(name: "Content-Length", value: "0")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
