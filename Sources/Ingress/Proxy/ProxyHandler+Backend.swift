import NIOCore
import NIOHTTP1

extension ProxyHandler: BackendResponseSink {
    func backendResponse(_ part: BackendResponsePart) {
        guard let context, state == .proxying, let request else { return }
        switch part {
        case .head(let head):
            if head.status == 101, let upgrade = request.upgrade {
                responseStatus = 101
                startTunnel(head, upgrade: head.value(.upgrade) ?? upgrade, context: context)
                return
            }
            var close = !keepAlive && !isHTTP2
            if head.status < 200 {
                // Informational: forwarded, and the final head comes after it.
                send(codec.responseHead(head, request: request, upgrade: nil, close: &close, allocator: allocator), context: context)
                return
            }
            responseStarted = true
            responseStatus = Int(head.status)
            let out = codec.responseHead(head, request: request, upgrade: nil, close: &close, allocator: allocator)
            if close { keepAlive = false }
            send(out, context: context)
        case .body(let buffer):
            send(codec.responseBody(buffer, allocator: allocator), context: context)
        case .end:
            let reusable = (backendHandler?.reusable ?? false) && requestEnded
            let handler = backendHandler
            if let ch = detachBackend(), let endpoint = backendEndpoint {
                if reusable { release(ch, handler: handler, endpoint: endpoint) } else { ch.close(promise: nil) }
            }
            if let end = codec.responseEnd(allocator: allocator) { send(end, context: context) }
            if request.upgrade != nil, !isHTTP2 {
                // Declined: what the client sent after the upgrade request is HTTP again.
                state = .idle
                writeHeld(context: context)
                guard resumeAfterDeclinedUpgrade(context: context) else { return }
            }
            let close = closesAfterResponse
            endExchange()
            if close { return flushAndClose(context: context) }
            flushHeld(context: context)
            handleParts(context: context)
        }
    }

    /// Back to the pool, forgotten there if it closes while idle.
    func release(_ ch: any Channel, handler: BackendHandler?, endpoint: Backend.Endpoint) {
        guard let handler, let idle else { return ch.close(promise: nil) }
        idle.put(ch, handler: handler, endpoint: endpoint)
    }

    func backendReadComplete() {
        if let context { flushHeld(context: context) }
    }

    func backendWritabilityChanged(_ writable: Bool) {
        // The backend takes the body slowly: stop reading the client until it catches up.
        context?.channel.setOption(ChannelOptions.autoRead, value: writable).whenFailure { _ in }
    }

    func backendFailed(_ error: any Error) {
        guard let context, state == .proxying else { return }
        let ch = detachBackend()
        ch?.close(promise: nil)
        // An informational head or a part of the response read before the failure.
        writeHeld(context: context)
        if !responseStarted {
            // A reused keep-alive connection the backend had closed: the
            // request was not processed, so send it again on a new connection
            // (only when it had no body that is already gone).
            if backendReused, !requestHadBody, case ProxyError.backendClosed = error {
                state = .connecting
                pending = requestEnded ? [.end] : []
                connectNext(context: context)
                return
            }
            shared.logger.info("\(request?.method ?? "") \(request?.target ?? "") to \(backendName) (\(backendEndpoint?.description ?? "")): \(error)")
            if case ProxyError.readTimeout = error { respondLocally(504, context: context) } else { respondLocally(502, context: context) }
            return
        }
        // Mid-response: the client cannot be told otherwise than by closing.
        shared.logger.info("response from \(backendName) cut short: \(error)")
        endExchange()
        context.close(promise: nil)
    }
}
