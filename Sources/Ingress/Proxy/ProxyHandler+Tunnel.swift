import NIOCore
import NIOHTTP1

extension ProxyHandler {
    /// The backend accepted an upgrade: send its 101 to the client, then
    /// replace the HTTP handlers of both connections with a byte tunnel
    /// (bytes either decoder already read are passed on, not lost).
    func startTunnel(_ head: HTTPResponseHead, context: ChannelHandlerContext) {
        guard let backend = detachBackend() else { return }
        state = .tunnel
        var out = ForwardedHeaders.clientResponse(head, version: requestHead?.version ?? .http1_1)
        out.headers.replaceOrAdd(name: "Connection", value: "upgrade")
        if let value = head.headers.first(name: "upgrade") { out.headers.replaceOrAdd(name: "Upgrade", value: value) }
        context.write(wrapOutboundOut(.head(out)), promise: nil)
        context.flush()
        let (clientSide, backendSide) = TunnelHandler.pair()
        let shared = self.shared
        shared.tunnelOpened()
        clientSide.onClose = { shared.tunnelClosed() }
        do {
            let clientOps = context.pipeline.syncOperations
            let backendOps = backend.pipeline.syncOperations
            try clientOps.addHandler(clientSide)
            try backendOps.addHandler(backendSide)
            // Each decoder goes last, so the bytes it already read reach the tunnel.
            for name in [ProxyServer.encoderName, ProxyServer.decoderName] {
                _ = clientOps.removeHandler(name: name)
            }
            for name in [BackendPool.handlerName, BackendPool.encoderName, BackendPool.decoderName] {
                _ = backendOps.removeHandler(name: name)
            }
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
