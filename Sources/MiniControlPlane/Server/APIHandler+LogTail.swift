import ClusterLogs
import Foundation
import HTTPServing
import NIOHTTP1
import Streaming

extension APIHandler {
    /// How often a tail looks for new lines.
    static let tailInterval: Duration = .seconds(1)
    /// How far back each look goes for lines stored late (nanoseconds).
    static let tailLag: Int64 = 10_000_000_000
    /// The most lines one look reads.
    static let tailBatch = 5000

    /// Loki's tail websocket over the store: the last `limit` lines since
    /// `start`, then each second the lines stored since, until the client
    /// goes. Nodes push lines with the time they were written, so each poll
    /// looks ``tailLag`` back and leaves out lines it already sent: a line
    /// stored up to that late still goes out, once.
    func tail(_ req: HTTPRequest, query: LogQuery, start: Int64, limit: Int, store: LogStore) -> HTTPResponse {
        guard WebSocketHandshake.isUpgrade(upgrade: req.headers.first(name: "upgrade"), connection: req.headers.first(name: "connection")),
              let key = req.headers.first(name: "sec-websocket-key") else {
            return Self.status(APIErrors.badRequest("tail is a websocket: send Connection: Upgrade and Upgrade: websocket"))
        }
        var headers = HTTPHeaders([("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                   ("Sec-WebSocket-Accept", WebSocketHandshake.acceptValue(forKey: key))])
        // Browsers that offered subprotocols (one carried their token) need one back.
        if let offered = req.headers.first(name: "sec-websocket-protocol")?.split(separator: ",").first {
            headers.add(name: "Sec-WebSocket-Protocol", value: String(offered).trimmingSpaces)
        }
        let logger = self.logger
        return .upgrade(headers: headers) { connection in
            let socket = WebSocketConnection(transport: ByteTransport(read: { try await connection.read() },
                                                                      write: { try await connection.write($0) }))
            await withTaskGroup(of: Void.self) { group in
                // The client's frames: pings are answered; its close (or a dropped connection) ends the tail.
                group.addTask { while (try? await socket.nextMessage()) != nil {} }
                group.addTask {
                    do {
                        var now = LokiAPI.clamp(Date().timeIntervalSince1970)
                        var sent: [String: Int64] = [:]
                        var streams = try await store.query(query, start: start, end: now + 1, limit: limit, direction: .backward)
                        var cursor = now
                        while !Task.isCancelled {
                            var count = 0
                            var latest = Int64.min
                            for i in streams.indices {
                                let labels = streams[i].labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                                streams[i].entries.removeAll { entry in
                                    count += 1
                                    latest = max(latest, entry.timestamp)
                                    return sent.updateValue(entry.timestamp, forKey: "\(labels)|\(entry.timestamp)|\(entry.line)") != nil
                                }
                                streams[i].entries.sort { $0.timestamp < $1.timestamp }
                            }
                            streams.removeAll { $0.entries.isEmpty }
                            if !streams.isEmpty { try await socket.sendText(LokiAPI.tailMessage(streams)) }
                            // A full answer: go on from its last line rather than skip what is past it.
                            if count >= Self.tailBatch { cursor = latest }
                            sent = sent.filter { $0.value >= cursor - 2 * Self.tailLag }
                            try await Task.sleep(for: Self.tailInterval)
                            now = LokiAPI.clamp(Date().timeIntervalSince1970)
                            let from = max(start, cursor - Self.tailLag)
                            streams = try await store.query(query, start: from, end: now + 1, limit: Self.tailBatch, direction: .forward)
                            cursor = now
                        }
                    } catch {
                        logger.debug("log tail ended: \(error)")
                    }
                }
                _ = await group.next()
                group.cancelAll()
            }
            await socket.close()
        }
    }
}
