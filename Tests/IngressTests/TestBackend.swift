import NIOCore
import NIOPosix
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for proxy tests: it answers every
/// request with its name, the path and the forwarded headers it got
/// (`/slow` after a pause), and after an `Upgrade: echo` request answers
/// 101 and echoes raw bytes. It runs on event loops only, so tests that
/// block a thread waiting for curl never starve it.
final class TestBackend: Sendable {
    let name: String
    let channel: any Channel
    let counter: Counter

    /// Requests received so far.
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    var requests: Int { counter.value.load(ordering: .relaxed) }

    var port: Int { channel.localAddress?.port ?? 0 }

    private init(name: String, channel: any Channel, counter: Counter) {
        self.name = name
        self.channel = channel
        self.counter = counter
    }

    static func start(_ name: String, group: any EventLoopGroup) async throws -> TestBackend {
        let counter = Counter()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Handler(name: name, counter: counter)) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestBackend(name: name, channel: channel, counter: counter)
    }

    func stop() async {
        try? await channel.close()
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let name: String
        let counter: Counter
        var buffer: [UInt8] = []
        var upgraded = false

        init(name: String, counter: Counter) {
            self.name = name
            self.counter = counter
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let chunk = unwrapInboundIn(data)
            if upgraded {
                context.writeAndFlush(wrapOutboundOut(chunk), promise: nil)
                return
            }
            buffer += chunk.readableBytesView
            while let end = TestBackend.headEnd(buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let lines = head.split(separator: "\r\n").map(String.init)
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    if let colon = line.firstIndex(of: ":") {
                        headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    }
                }
                let body: String
                if headers["transfer-encoding"] == "chunked" {
                    guard let (decoded, consumed) = TestBackend.dechunk(buffer[(end + 4)...]) else { break }
                    body = String(decoding: decoded, as: UTF8.self)
                    buffer.removeFirst(end + 4 + consumed)
                } else {
                    let length = Int(headers["content-length"] ?? "0") ?? 0
                    guard buffer.count >= end + 4 + length else { break }
                    body = String(decoding: buffer[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                    buffer.removeFirst(end + 4 + length)
                }
                counter.value.add(1, ordering: .relaxed)
                let requestLine = lines.first?.split(separator: " ") ?? []
                let path = requestLine.count > 1 ? String(requestLine[1]) : ""
                if let canned = TestBackend.canned[path] {
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: canned)), promise: nil)
                    if path == "/close" { context.close(promise: nil) }
                    continue
                }
                if headers["upgrade"] == "echo" {
                    upgraded = true
                    context.write(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n")), promise: nil)
                    if !buffer.isEmpty { context.write(wrapOutboundOut(ByteBuffer(bytes: buffer)), promise: nil) }
                    buffer = []
                    context.flush()
                    return
                }
                let text = "backend=\(name) path=\(path) body=\(body) xff=\(headers["x-forwarded-for"] ?? "") xrealip=\(headers["x-real-ip"] ?? "") "
                    + "host=\(headers["host"] ?? "") xfhost=\(headers["x-forwarded-host"] ?? "") proto=\(headers["x-forwarded-proto"] ?? "") "
                    + "port=\(headers["x-forwarded-port"] ?? "")\n"
                let isHEAD = requestLine.first == "HEAD"
                let response = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(text.utf8.count)\r\n\r\n\(isHEAD ? "" : text)")
                if path.hasPrefix("/slow") {
                    let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                    context.eventLoop.scheduleTask(in: .milliseconds(500)) {
                        loopBound.value.writeAndFlush(NIOAny(response), promise: nil)
                    }
                } else {
                    context.writeAndFlush(wrapOutboundOut(response), promise: nil)
                }
            }
        }
    }

    /// Responses to fixed paths, framed each in another way.
    static let canned: [String: String] = [
        "/chunked": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
        "/close": "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nread until the connection closes",
        "/nocontent": "HTTP/1.1 204 No Content\r\nX-Kind: none\r\n\r\n",
        "/early": "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly",
        "/garbage": "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    ]

    /// A chunked body's data and how many bytes it took, nil while incomplete.
    static func dechunk(_ bytes: ArraySlice<UInt8>) -> ([UInt8], Int)? {
        var out: [UInt8] = []
        var i = bytes.startIndex
        while true {
            guard let lineEnd = bytes[i...].firstIndex(of: 10) else { return nil }
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) else { return nil }
            i = lineEnd + 1
            if size == 0 {
                // No trailers from the proxy: the empty line.
                guard bytes.endIndex - i >= 2 else { return nil }
                return (out, i + 2 - bytes.startIndex)
            }
            guard bytes.endIndex - i >= size + 2 else { return nil }
            out += bytes[i..<(i + size)]
            i += size + 2
        }
    }

    static func headEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }
}
