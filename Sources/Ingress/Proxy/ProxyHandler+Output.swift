import NIOCore

/// How a backend's response reaches the client: held for the length of one
/// backend read and written as one piece.
extension ProxyHandler {
    /// Writes part of a response: what one read of the backend gives (a
    /// head and a body that fits with it) goes out as one piece when the read ends.
    func send(_ out: Codec.OutboundOut, context: ChannelHandlerContext) {
        if var earlier = held.take() {
            if Codec.append(out, to: &earlier) {
                held = earlier
                return
            }
            context.write(wrapOutboundOut(earlier), promise: nil)
        }
        held = out
    }

    /// Writes what ``send(_:context:)`` holds, before anything else is written.
    func writeHeld(context: ChannelHandlerContext) {
        if let earlier = held.take() { context.write(wrapOutboundOut(earlier), promise: nil) }
    }

    /// Writes what ``send(_:context:)`` holds and flushes.
    func flushHeld(context: ChannelHandlerContext) {
        if let earlier = held.take() {
            context.writeAndFlush(wrapOutboundOut(earlier), promise: nil)
        } else {
            context.flush()
        }
    }
}
