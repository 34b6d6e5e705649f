/// The server side of a websocket connection after the handshake: reads the
/// client's (masked) frames, answers pings and the closing handshake, and
/// sends unmasked binary messages in order.
public final class WebSocketConnection: Sendable {
    let transport: ByteTransport
    let sender: WebSocketSender
    private let parser: ParserBox

    public init(transport: ByteTransport) {
        self.transport = transport
        sender = WebSocketSender(write: transport.write)
        parser = ParserBox()
    }

    /// The payload of the client's next data message; nil once it closes
    /// (its close frame is answered) or the connection ends. One reader at a time.
    public func nextMessage() async throws -> [UInt8]? {
        while true {
            if let message = try parser.next() {
                switch message {
                case .binary(let data), .text(let data):
                    return data
                case .ping(let data):
                    try? await sender.send(WebSocketFrame(opcode: .pong, payload: data))
                case .pong:
                    continue
                case .close(let code, _):
                    await sender.close(code: code == nil ? 1000 : (code ?? 1000))
                    return nil
                }
                continue
            }
            guard let bytes = try await transport.read() else { return nil }
            parser.append(bytes)
        }
    }

    /// Sends one binary message.
    public func send(_ payload: [UInt8]) async throws {
        try await sender.send(WebSocketFrame(opcode: .binary, payload: payload))
    }

    /// Sends one text message (`payload` is UTF-8).
    public func sendText(_ payload: [UInt8]) async throws {
        try await sender.send(WebSocketFrame(opcode: .text, payload: payload))
    }

    /// Starts the closing handshake (once); later sends fail.
    public func close(code: UInt16 = 1000, reason: String = "") async {
        await sender.close(code: code, reason: reason)
    }

    /// The connection's binary messages as a byte stream (SPDY tunnelled in
    /// websocket, as `kubectl port-forward` does with `SPDY/3.1+portforward.k8s.io`).
    public var tunnel: ByteTransport {
        ByteTransport(read: { try await self.nextMessage() }, write: { try await self.send($0) })
    }
}

/// The parser, used by the single reader of a connection.
final class ParserBox: @unchecked Sendable {
    private var parser = WebSocketParser(requireMask: true)

    func append(_ bytes: [UInt8]) { parser.append(bytes) }
    func next() throws(StreamingError) -> WebSocketMessage? { try parser.nextMessage() }
}

/// Writes frames in order; after a close frame nothing more is sent.
actor WebSocketSender {
    private var chain: WriteChain
    private var closed = false

    init(write: @escaping @Sendable ([UInt8]) async throws -> Void) {
        chain = WriteChain(write: write)
    }

    func send(_ frame: WebSocketFrame) async throws {
        guard !closed else { throw StreamingError.closed("the websocket is closing") }
        try await chain.enqueue(frame.encoded()).value
    }

    func close(code: UInt16, reason: String = "") async {
        guard !closed else { return }
        closed = true
        _ = try? await chain.enqueue(WebSocketFrame.close(code: code, reason: reason).encoded()).value
    }
}
