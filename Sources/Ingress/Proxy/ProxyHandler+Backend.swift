import NIOCore
import NIOHTTP1

extension ProxyHandler: BackendResponseSink {
    func backendResponse(_ part: HTTPClientResponsePart) {
        guard let context, state == .proxying else { return }
        switch part {
        case .head(let head):
            if upgrade != nil, head.status == .switchingProtocols {
                // Switched after the decoder's end of this head, so no HTTP part reaches the tunnel.
                switchingHead = head
                return
            }
            if head.status.code < 200 {
                // 1xx other than an accepted upgrade: forward and wait for the final head.
                context.write(wrapOutboundOut(.head(ForwardedHeaders.clientResponse(head, version: requestHead?.version ?? .http1_1))), promise: nil)
                return
            }
            responseStarted = true
            if !head.isKeepAlive { backendKeepAlive = false }
            var out = ForwardedHeaders.clientResponse(head, version: requestHead?.version ?? .http1_1)
            if !keepAlive && !isHTTP2 { out.headers.replaceOrAdd(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(out)), promise: nil)
        case .body(let buffer):
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        case .end(let trailers):
            if let head = switchingHead {
                switchingHead = nil
                startTunnel(head, context: context)
                return
            }
            let reusable = backendKeepAlive && requestEnded && upgrade == nil
            let handler = backendHandler
            if let ch = detachBackend(), let endpoint = backendEndpoint {
                if reusable { release(ch, handler: handler, endpoint: endpoint) } else { ch.close(promise: nil) }
            }
            let close = closesAfterResponse
            context.writeAndFlush(wrapOutboundOut(.end(trailers))).assumeIsolated().whenComplete { [weak self] _ in
                if close { self?.context?.close(promise: nil) }
            }
            endExchange()
            backendKeepAlive = true
            if !close { nextPipelined(context: context) }
        }
    }

    /// Back to the pool, forgotten there if it closes while idle.
    func release(_ ch: any Channel, handler: BackendHandler?, endpoint: Backend.Endpoint) {
        guard let handler else { return ch.close(promise: nil) }
        handler.idleIn = (shared.pool, endpoint)
        shared.pool.put(ch, handler: handler, endpoint: endpoint)
    }

    func backendReadComplete() {
        context?.flush()
    }

    func backendWritabilityChanged(_ writable: Bool) {
        // The backend takes the body slowly: stop reading the client until it catches up.
        context?.channel.setOption(ChannelOptions.autoRead, value: writable).whenFailure { _ in }
    }

    func backendFailed(_ error: any Error) {
        guard let context, state == .proxying else { return }
        let ch = detachBackend()
        ch?.close(promise: nil)
        if !responseStarted {
            // A reused keep-alive connection the backend had closed: the
            // request was not processed, so send it again on a new connection
            // (only when it had no body that is already gone).
            if backendReused, !requestHadBody, case ProxyError.backendClosed = error {
                state = .connecting
                pending = requestEnded ? [.end(nil)] : []
                connectNext(context: context, allowPooled: false)
                return
            }
            shared.logger.info("\(requestHead?.method.rawValue ?? "") \(requestHead?.uri ?? "") to \(backendName) (\(backendEndpoint?.description ?? "")): \(error)")
            if case ProxyError.readTimeout = error { respondLocally(504, context: context) } else { respondLocally(502, context: context) }
            return
        }
        // Mid-response: the client cannot be told otherwise than by closing.
        shared.logger.info("response from \(backendName) cut short: \(error)")
        endExchange()
        context.close(promise: nil)
    }
}
