import Testing
@testable import Streaming

/// The exec and port-forward sessions against scripted clients over an
/// in-memory connection: stream setup, data both ways, the exit status,
/// half-closes and the clean end.
struct SessionTests {
    /// Both directions of an in-memory connection.
    struct Wire {
        let toServer = BytePipe(capacity: 1 << 20)
        let toClient = BytePipe(capacity: 1 << 20)

        var server: ByteTransport {
            ByteTransport(read: { await toServer.read() }, write: { await toClient.write($0) })
        }
    }

    /// Reads frames the server sent until `done` says stop.
    static func readFrames(_ wire: Wire, _ framer: SPDYFramer, until done: ([SPDYFrame]) -> Bool) async throws -> [SPDYFrame] {
        var frames: [SPDYFrame] = []
        while !done(frames), let bytes = await wire.toClient.read() {
            framer.append(bytes)
            while let f = try framer.nextFrame() { frames.append(f) }
        }
        return frames
    }

    @Test func spdyExecCarriesStdinOutputAndTheExitStatus() async throws {
        let wire = Wire()
        let options = RemoteCommandOptions(stdin: true, stdout: true, stderr: true)
        let server = Task {
            await RemoteCommandServer.serveSPDY(wire.server, options: options) { streams in
                var input: [UInt8] = []
                while let chunk = await streams.stdin?.read() { input += chunk }
                try? await streams.stdout(input.reversed())
                try? await streams.stderr(Array("warning".utf8))
                return .exitCode(2)
            }
        }
        let client = try SPDYFramer(), reader = try SPDYFramer()
        var out: [UInt8] = []
        for (id, type) in [(1, "error"), (3, "stdin"), (5, "stdout"), (7, "stderr")] {
            out += try client.encode(.synStream(streamID: UInt32(id), headers: SPDYHeaders([(name: "streamType", value: type)])))
        }
        out += try client.encode(.ping(id: 1))
        out += try client.encode(.data(streamID: 3, payload: Array("abc".utf8)))
        out += try client.encode(.data(streamID: 3, flags: SPDYFrame.fin, payload: []))
        await wire.toServer.write(out)

        let frames = try await Self.readFrames(wire, reader) { frames in
            // Done when the error stream (1) has ended.
            frames.contains { if case .data(1, let flags, _) = $0 { flags & SPDYFrame.fin != 0 } else { false } }
        }
        let replies = frames.compactMap { if case .synReply(let id, _, _) = $0 { id } else { nil } }
        #expect(replies == [1, 3, 5, 7])
        #expect(frames.contains(.ping(id: 1)))
        func data(_ id: UInt32) -> [UInt8] {
            frames.reduce(into: []) { acc, f in if case .data(id, _, let p) = f { acc += p } }
        }
        #expect(data(5) == Array("cba".utf8))
        #expect(data(7) == Array("warning".utf8))
        #expect(String(decoding: data(1), as: UTF8.self).contains(#"{"reason":"ExitCode","message":"2"}"#))
        // The client leaves; the server is done.
        await wire.toServer.finish()
        await server.value
    }

    @Test func websocketV5ExecHalfClosesStdinAndReportsSuccess() async throws {
        let wire = Wire()
        let options = RemoteCommandOptions(stdin: true, stdout: true, stderr: false, tty: true)
        let sizes = SizesSeen()
        let server = Task {
            await RemoteCommandServer.serveWebSocket(wire.server, protocolName: StreamProtocol.v5, options: options) { streams in
                var input: [UInt8] = []
                while let chunk = await streams.stdin?.read() { input += chunk }
                for await size in streams.resizes {
                    await sizes.add(size)
                    break
                }
                try? await streams.stderr(input)
                return .success
            }
        }
        let mask: [UInt8] = [1, 2, 3, 4]
        var out = WebSocketFrame(opcode: .binary, payload: [4] + Array(#"{"Width":120,"Height":30}"#.utf8)).encoded(mask: mask)
        out += WebSocketFrame(fin: false, opcode: .binary, payload: [0, 104]).encoded(mask: mask)
        out += WebSocketFrame(opcode: .ping, payload: []).encoded(mask: mask)
        out += WebSocketFrame(opcode: .continuation, payload: [105]).encoded(mask: mask)
        out += WebSocketFrame(opcode: .binary, payload: [RemoteChannel.closeSignal, 0]).encoded(mask: mask)
        await wire.toServer.write(out)

        var parser = WebSocketParser(requireMask: false)
        var messages: [WebSocketMessage] = []
        while !messages.contains(where: { if case .close = $0 { true } else { false } }), let bytes = await wire.toClient.read() {
            parser.append(bytes)
            while let m = try parser.nextMessage() { messages.append(m) }
        }
        #expect(messages.first == .pong([]))
        // With a tty, stderr is the terminal: it goes to stdout.
        #expect(messages.contains(.binary([1] + Array("hi".utf8))))
        #expect(messages.contains(.binary([3] + Array(#"{"metadata":{},"status":"Success"}"#.utf8))))
        #expect(messages.last == .close(code: 1000, reason: ""))
        #expect(await sizes.all == [TerminalSize(width: 120, height: 30)])
        await wire.toServer.write(WebSocketFrame.close().encoded(mask: mask))
        await server.value
    }

    @Test func spdyPortForwardPairsStreamsAndReportsErrors() async throws {
        let wire = Wire()
        let server = Task {
            await PortForwardServer.serveSPDY(wire.server) { port, stream in
                guard port == 80 else { throw PortForwardError("nothing listens on \(port)") }
                while let chunk = await stream.read() { try await stream.write(chunk.map { $0 &+ 1 }) }
            }
        }
        let client = try SPDYFramer(), reader = try SPDYFramer()
        func headers(_ type: String, _ port: Int, _ request: Int) -> SPDYHeaders {
            SPDYHeaders([(name: "streamType", value: type), (name: "port", value: "\(port)"), (name: "requestID", value: "\(request)")])
        }
        var out = try client.encode(.synStream(streamID: 1, headers: headers("error", 80, 0)))
        out += try client.encode(.synStream(streamID: 3, headers: headers("data", 80, 0)))
        out += try client.encode(.data(streamID: 3, flags: SPDYFrame.fin, payload: [1, 2, 3]))
        out += try client.encode(.synStream(streamID: 5, headers: headers("error", 81, 1)))
        out += try client.encode(.synStream(streamID: 7, headers: headers("data", 81, 1)))
        await wire.toServer.write(out)
        let frames = try await Self.readFrames(wire, reader) { frames in
            [1, 3, 5, 7].allSatisfy { id in frames.contains { if case .data(UInt32(id), let f, _) = $0 { f & SPDYFrame.fin != 0 } else { false } } }
        }
        func data(_ id: UInt32) -> [UInt8] {
            frames.reduce(into: []) { acc, f in if case .data(id, _, let p) = f { acc += p } }
        }
        #expect(data(3) == [2, 3, 4])
        #expect(data(1).isEmpty)
        #expect(String(decoding: data(5), as: UTF8.self) == "nothing listens on 81")
        await wire.toServer.finish()
        await server.value
    }
}

actor SizesSeen {
    var all: [TerminalSize] = []
    func add(_ s: TerminalSize) { all.append(s) }
}
