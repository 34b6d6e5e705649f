import NIOCore
import NIOPosix

/// A small HTTP/1.1 server on 127.0.0.1 for proxy tests: it answers every
/// request with its name, the path and the forwarded headers it got
/// (`/slow` after a pause), and after an `Upgrade: echo` request answers
/// 101 and echoes raw bytes.
final class TestBackend: Sendable {
    let name: String
    let channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>
    let task: Task<Void, Never>

    var port: Int { channel.channel.localAddress?.port ?? 0 }

    private init(name: String, channel: NIOAsyncChannel<NIOAsyncChannel<ByteBuffer, ByteBuffer>, Never>, task: Task<Void, Never>) {
        self.name = name
        self.channel = channel
        self.task = task
    }

    static func start(_ name: String, group: any EventLoopGroup) async throws -> TestBackend {
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: child) }
            }
        let task = Task {
            await withDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { inbound in
                        for try await conn in inbound {
                            group.addTask { await serve(conn, name: name) }
                        }
                    }
                } catch {}
            }
        }
        return TestBackend(name: name, channel: server, task: task)
    }

    func stop() async {
        try? await channel.channel.close()
        task.cancel()
        await task.value
    }

    static func serve(_ conn: NIOAsyncChannel<ByteBuffer, ByteBuffer>, name: String) async {
        do {
            try await conn.executeThenClose { inbound, outbound in
                var buffer: [UInt8] = []
                var upgraded = false
                for try await chunk in inbound {
                    if upgraded {
                        try await outbound.write(chunk)
                        continue
                    }
                    buffer += chunk.readableBytesView
                    while let end = headEnd(buffer) {
                        let head = String(decoding: buffer[..<end], as: UTF8.self)
                        let lines = head.split(separator: "\r\n").map(String.init)
                        var headers: [String: String] = [:]
                        for line in lines.dropFirst() {
                            if let colon = line.firstIndex(of: ":") {
                                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                            }
                        }
                        let length = Int(headers["content-length"] ?? "0") ?? 0
                        guard buffer.count >= end + 4 + length else { break }
                        let body = String(decoding: buffer[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                        buffer.removeFirst(end + 4 + length)
                        let requestLine = lines.first?.split(separator: " ") ?? []
                        let path = requestLine.count > 1 ? String(requestLine[1]) : ""
                        if headers["upgrade"] == "echo" {
                            try await outbound.write(ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"))
                            upgraded = true
                            if !buffer.isEmpty { try await outbound.write(ByteBuffer(bytes: buffer)) }
                            buffer = []
                            break
                        }
                        if path.hasPrefix("/slow") { try await Task.sleep(for: .milliseconds(500)) }
                        let text = "backend=\(name) path=\(path) body=\(body) xff=\(headers["x-forwarded-for"] ?? "") xrealip=\(headers["x-real-ip"] ?? "") "
                            + "host=\(headers["host"] ?? "") xfhost=\(headers["x-forwarded-host"] ?? "") proto=\(headers["x-forwarded-proto"] ?? "") "
                            + "port=\(headers["x-forwarded-port"] ?? "")\n"
                        try await outbound.write(ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(text.utf8.count)\r\n\r\n\(text)"))
                    }
                }
            }
        } catch {}
    }

    static func headEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }
}
