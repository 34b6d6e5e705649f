/// Serves one exec or attach over an upgraded connection: sets up the
/// client's streams, runs the handler, reports its result on the error
/// channel and closes cleanly (waiting briefly for the client to close its
/// side, so nothing it has not read yet is lost to a reset).
public enum RemoteCommandServer {
    public typealias Handler = @Sendable (RemoteCommandStreams) async -> RemoteCommandResult

    /// How long the client may take to open the streams it announced.
    public static let streamCreationTimeout: Duration = .seconds(30)
    /// How long we wait for the client to close after the result.
    static let lingerTimeout: Duration = .seconds(5)

    /// Over a websocket speaking `protocolName` (v5 or v4 channel protocol).
    public static func serveWebSocket(_ transport: ByteTransport, protocolName: String, options: RemoteCommandOptions,
                                      handler: Handler) async {
        let socket = WebSocketConnection(transport: transport)
        let stdin = options.stdin ? BytePipe() : nil
        let (resizes, resizeSink) = AsyncStream.makeStream(of: TerminalSize.self)
        let streams = RemoteCommandStreams(
            options: options, stdin: stdin, resizes: resizes,
            stdout: { try await socket.send([RemoteChannel.stdout.rawValue] + $0) },
            stderr: { try await socket.send([RemoteChannel.stderr.rawValue] + $0) })
        let finished = Signal()
        let reader = Task {
            var resizeBuffer: [UInt8] = []
            while let message = try? await socket.nextMessage() {
                guard let channel = message.first else { continue }
                let data = Array(message.dropFirst())
                switch channel {
                case RemoteChannel.stdin.rawValue:
                    if let stdin, !data.isEmpty { await stdin.write(data) }
                case RemoteChannel.resize.rawValue:
                    resizeBuffer += data
                    for size in TerminalSize.drain(&resizeBuffer) {
                        await streams.firstSize.offer(size)
                        resizeSink.yield(size)
                    }
                case RemoteChannel.closeSignal where protocolName == StreamProtocol.v5:
                    if data.first == RemoteChannel.stdin.rawValue { await stdin?.finish() }
                default:
                    continue
                }
            }
            await stdin?.finish()
            resizeSink.finish()
            if !(await finished.hasFired) { await streams.clientGone.fire() }
        }
        let result = await run(handler, streams, cancel: reader)
        await finished.fire()
        try? await socket.send([RemoteChannel.error.rawValue] + result.statusJSON)
        await socket.close()
        await stdin?.cancel()
        await linger(reader)
        reader.cancel()
    }

    /// Waits (at most ``lingerTimeout``) for the client to close, then stops reading.
    static func linger<T>(_ reader: Task<T, Never>) async {
        await withTimeout(lingerTimeout) {
            await withTaskCancellationHandler {
                _ = await reader.value
            } onCancel: {
                reader.cancel()
            }
        }
        reader.cancel()
    }

    /// Runs the handler; if the server shuts down meanwhile (this task is
    /// cancelled), the client counts as gone, so the command is ended.
    static func run<T>(_ handler: Handler, _ streams: RemoteCommandStreams, cancel reader: Task<T, Never>) async -> RemoteCommandResult {
        await withTaskCancellationHandler {
            await handler(streams)
        } onCancel: {
            reader.cancel()
            Task { await streams.clientGone.fire() }
        }
    }

    /// Over SPDY/3.1 with `X-Stream-Protocol-Version: v4.channel.k8s.io`.
    /// `streamTypes` are the streams the client opens (default: those of `options`).
    public static func serveSPDY(_ transport: ByteTransport, options: RemoteCommandOptions, streamTypes: Set<String>? = nil,
                                 handler: Handler) async {
        let connection: SPDYConnection
        do {
            connection = try SPDYConnection(transport: transport)
        } catch {
            return
        }
        let reader = Task { await connection.run() }
        // The client opens its streams first; stop waiting if it goes away.
        var byType: [String: SPDYStream] = [:]
        let wanted = streamTypes ?? options.spdyStreamTypes
        let collected = await withTaskGroup(of: [String: SPDYStream]?.self) { group in
            group.addTask {
                var found: [String: SPDYStream] = [:]
                for await stream in connection.incoming {
                    found[stream.type] = stream
                    if wanted.isSubset(of: Set(found.keys)) { return found }
                }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: streamCreationTimeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let collected, let errorStream = collected["error"] else {
            await connection.goAway()
            reader.cancel()
            return
        }
        byType = collected
        let stdinStream = byType["stdin"], stdoutStream = byType["stdout"], stderrStream = byType["stderr"]
        let (resizes, resizeSink) = AsyncStream.makeStream(of: TerminalSize.self)
        let streams = RemoteCommandStreams(
            options: options, stdin: stdinStream?.inbound, resizes: resizes,
            stdout: { try await (stdoutStream ?? errorStream).write($0) },
            stderr: { try await (stderrStream ?? stdoutStream ?? errorStream).write($0) })
        let resizeReader = Task {
            guard let resize = byType["resize"] else { return resizeSink.finish() }
            var buffer: [UInt8] = []
            while let data = await resize.inbound.read() {
                buffer += data
                for size in TerminalSize.drain(&buffer) {
                    await streams.firstSize.offer(size)
                    resizeSink.yield(size)
                }
            }
            resizeSink.finish()
        }
        let finished = Signal()
        let watcher = Task {
            // The reader ends when the client closes the connection or says GOAWAY.
            _ = await reader.value
            if !(await finished.hasFired) { await streams.clientGone.fire() }
        }
        let result = await run(handler, streams, cancel: reader)
        await finished.fire()
        try? await errorStream.write(result.statusJSON)
        for stream in [errorStream, stdoutStream, stderrStream].compactMap({ $0 }) { await stream.close() }
        await stdinStream?.inbound.cancel()
        await linger(reader)
        reader.cancel()
        resizeReader.cancel()
        watcher.cancel()
    }
}

