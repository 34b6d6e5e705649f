/// The server side of a SPDY/3.1 connection as kubectl and client-go use it:
/// the client opens every stream (SYN_STREAM with a `streamType` header),
/// the server accepts each with a SYN_REPLY and both sides send DATA, ending
/// their half with FIN. PINGs are echoed; SETTINGS and WINDOW_UPDATE are
/// ignored (the client's spdystream does no flow control either).
public final class SPDYConnection: Sendable {
    let transport: ByteTransport
    let sender: SPDYSender
    let registry = SPDYStreamRegistry()
    /// Streams the client opens, in order.
    public let incoming: AsyncStream<SPDYStream>
    private let incomingContinuation: AsyncStream<SPDYStream>.Continuation

    public init(transport: ByteTransport) throws(StreamingError) {
        self.transport = transport
        sender = SPDYSender(framer: try SPDYFramer(), write: transport.write)
        (incoming, incomingContinuation) = AsyncStream.makeStream(of: SPDYStream.self)
    }

    /// Reads frames until the client closes the connection, sends GOAWAY,
    /// or breaks the protocol. Every stream's inbound data ends then.
    public func run() async {
        defer {
            incomingContinuation.finish()
        }
        do {
            let framer = try SPDYFramer()
            while let bytes = try await transport.read() {
                framer.append(bytes)
                while let frame = try framer.nextFrame() {
                    guard try await handle(frame) else { return await registry.endAll() }
                }
            }
        } catch {
            try? await sender.send(.goAway(lastStreamID: await registry.lastID, status: 1))
        }
        await registry.endAll()
    }

    /// Handles one frame; false when the client is going away.
    private func handle(_ frame: SPDYFrame) async throws -> Bool {
        switch frame {
        case .synStream(let id, _, _, let flags, let headers):
            guard id % 2 == 1, await registry.stream(id) == nil else {
                try await sender.send(.rstStream(streamID: id, status: .protocolError))
                return true
            }
            let stream = SPDYStream(id: id, headers: headers, sender: sender)
            await registry.add(stream)
            try await sender.send(.synReply(streamID: id, headers: [:]))
            if flags & SPDYFrame.fin != 0 { await stream.inbound.finish() }
            incomingContinuation.yield(stream)
        case .data(let id, let flags, let payload):
            guard let stream = await registry.stream(id) else { return true }
            if !payload.isEmpty { await stream.inbound.write(payload) }
            if flags & SPDYFrame.fin != 0 { await stream.inbound.finish() }
        case .rstStream(let id, _):
            if let stream = await registry.stream(id) {
                await stream.reset.fire()
                await stream.inbound.finish()
                await sender.markFinished(id)
            }
        case .ping(let id):
            // Our own pings would be even; the client's odd ones are answered.
            if id % 2 == 1 { try await sender.send(.ping(id: id)) }
        case .goAway:
            return false
        case .headers, .synReply, .settings, .windowUpdate:
            break
        }
        return true
    }

    /// Tells the client no more streams will be accepted.
    public func goAway() async {
        try? await sender.send(.goAway(lastStreamID: await registry.lastID))
    }
}

/// One stream of a ``SPDYConnection``.
public final class SPDYStream: Sendable {
    public let id: UInt32
    public let headers: SPDYHeaders
    /// What the client sends on the stream; ends at its FIN (or a reset).
    public let inbound = BytePipe()
    /// Fires when the client resets the stream.
    public let reset = Signal()
    let sender: SPDYSender

    init(id: UInt32, headers: SPDYHeaders, sender: SPDYSender) {
        self.id = id
        self.headers = headers
        self.sender = sender
    }

    /// The stream's `streamType` header (error, stdin, stdout, stderr, resize, data).
    public var type: String { headers["streamtype"] ?? "" }

    /// Sends bytes on the stream, in frames of at most 32 KiB.
    public func write(_ bytes: [UInt8]) async throws {
        var start = 0
        repeat {
            let end = min(bytes.count, start + 32 * 1024)
            try await sender.send(.data(streamID: id, payload: Array(bytes[start..<end])), stream: id)
            start = end
        } while start < bytes.count
    }

    /// Ends our half of the stream (FIN). Later writes fail.
    public func close() async {
        try? await sender.send(.data(streamID: id, flags: SPDYFrame.fin, payload: []), stream: id)
        await sender.markFinished(id)
    }
}

/// The streams of a connection by id.
actor SPDYStreamRegistry {
    private var streams: [UInt32: SPDYStream] = [:]
    private(set) var lastID: UInt32 = 0

    func add(_ stream: SPDYStream) {
        streams[stream.id] = stream
        lastID = max(lastID, stream.id)
    }

    func stream(_ id: UInt32) -> SPDYStream? { streams[id] }

    /// The connection ended: every stream's inbound data ends.
    func endAll() async {
        for stream in streams.values { await stream.inbound.finish() }
    }
}

/// Encodes frames (the header compression context is per connection and
/// order-sensitive) and writes them in that order.
actor SPDYSender {
    private let framer: SPDYFramer
    private var chain: WriteChain
    private var finished: Set<UInt32> = []

    init(framer: SPDYFramer, write: @escaping @Sendable ([UInt8]) async throws -> Void) {
        self.framer = framer
        chain = WriteChain(write: write)
    }

    /// Sends a frame; with `stream`, only while our half of it is open.
    func send(_ frame: SPDYFrame, stream: UInt32? = nil) async throws {
        if let stream, finished.contains(stream) { throw StreamingError.closed("stream \(stream) is closed") }
        let bytes = try framer.encode(frame)
        try await chain.enqueue(bytes).value
    }

    func markFinished(_ id: UInt32) {
        finished.insert(id)
    }
}
