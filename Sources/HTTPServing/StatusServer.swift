public import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small plain-HTTP server for `/healthz` and `/metrics` (port 10256).
public struct StatusServer: Sendable {
    /// An answer: status code, content type, body.
    public struct Response: Sendable {
        public var status: Int
        public var contentType: String
        public var body: String
        /// Further headers, in order.
        public var headers: [(String, String)]
        public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: String, headers: [(String, String)] = []) {
            self.status = status
            self.contentType = contentType
            self.body = body
            self.headers = headers
        }
    }

    public typealias Handler = @Sendable (_ method: String, _ path: String) -> Response

    public let host: String
    public let port: Int
    let handler: Handler
    let logger: Logger

    /// What the server is for, in its log line.
    let purpose: String

    public init(host: String, port: Int, logger: Logger, purpose: String = "serving /healthz and /metrics", handler: @escaping Handler) {
        self.host = host
        self.port = port
        self.purpose = purpose
        self.logger = logger
        self.handler = handler
    }

    /// Parses `HOST:PORT` (`0.0.0.0:10256`, `[::]:10256`, `:10256`).
    public static func parseAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// Serves until cancelled. `onBound` receives the bound port (useful with port 0).
    public func run(onBound: @Sendable (Int) -> Void = { _ in }) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Clients like `nc` half-close after sending the request; still answer them.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try Connection(wrappingChannelSynchronously: channel)
                }
            }
        let bound = server.channel.localAddress?.port ?? port
        onBound(bound)
        logger.info("\(purpose) on http://\(host):\(bound)")
        try await withTaskCancellationHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { inbound in
                    for try await connection in inbound {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onCancel: {
            server.channel.close(promise: nil)
        }
    }

    func serve(_ connection: Connection) async {
        do {
            try await connection.executeThenClose { inbound, outbound in
                for try await part in inbound {
                    guard case .head(let head) = part else { continue }
                    let path = String(head.uri.prefix { $0 != "?" })
                    let response = handler(head.method.rawValue, path)
                    let body = Array(response.body.utf8)
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Type", value: response.contentType)
                    headers.add(name: "Content-Length", value: String(body.count))
                    for (name, value) in response.headers { headers.add(name: name, value: value) }
                    if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
                    try await outbound.write(.head(HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)))
                    if head.method != .HEAD { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                    try await outbound.write(.end(nil))
                    if !head.isKeepAlive { return }
                }
            }
        } catch {
            logger.trace("status connection ended: \(error)")
        }
    }
}
