import NIOCore

extension ProxyHandler {
    /// The backend accepted an upgrade: send its 101 to the client, then
    /// replace the HTTP handlers of both connections with a byte tunnel
    /// (bytes either side already read are passed on, not lost).
    func startTunnel(_ head: HTTP1Head, upgrade: String, context: ChannelHandlerContext) {
        guard let request, let backendHandler, let backend = detachBackend() else { return }
        state = .tunnel
        writeHeld(context: context)
        var close = false
        context.write(wrapOutboundOut(codec.responseHead(head, request: request, upgrade: upgrade, close: &close, allocator: context.channel.allocator)),
                      promise: nil)
        let (clientSide, backendSide) = TunnelHandler.pair()
        let shared = self.shared
        shared.tunnelOpened()
        clientSide.onClose = { shared.tunnelClosed() }
        do {
            let clientOps = context.pipeline.syncOperations
            let backendOps = backend.pipeline.syncOperations
            try clientOps.addHandler(clientSide)
            try backendOps.addHandler(backendSide)
            // A 101 has no body, so the codec passes these bytes on as they are.
            if let held = backendHandler.takeHeldBytes() {
                context.write(wrapOutboundOut(codec.responseBody(held, allocator: context.channel.allocator)), promise: nil)
            }
            if let held = codec.takeHeldBytes() { backend.write(held, promise: nil) }
            context.flush()
            backend.flush()
            _ = backendOps.removeHandler(backendHandler)
            endExchange()
            context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            backend.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
            _ = clientOps.removeHandler(context: context)
        } catch {
            shared.logger.info("upgrade to \(backendName) failed: \(error)")
            backend.close(promise: nil)
            context.close(promise: nil)
        }
    }
}
