import NIOCore
import NIOPosix
import NIOHTTP2
import NIOHPACK

/// The gRPC health-checking protocol (`grpc.health.v1.Health/Check`) over
/// plaintext HTTP/2, as the kubelet's `grpc` probe uses it. The two tiny
/// protobuf messages are encoded by hand: the request's field 1 is the
/// service name, the response's field 1 the serving status (1 = SERVING).
enum GRPCHealthCheck {
    static func run(host: String, port: Int, service: String, timeout: Double) async -> ProbeState.Result {
        do {
            return try await withThrowingTaskGroup(of: ProbeState.Result.self) { group in
                group.addTask { try await check(host: host, port: port, service: service, timeout: timeout) }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                    return .failure("timeout: health rpc did not complete within \(Int(timeout))s")
                }
                let first = try await group.next() ?? .failure("no result")
                group.cancelAll()
                return first
            }
        } catch {
            return .failure("failed to connect service \"\(host):\(port)\" within \(Int(timeout))s: \(error)")
        }
    }

    static func check(host: String, port: Int, service: String, timeout: Double) async throws -> ProbeState.Result {
        let (channel, multiplexer) = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.milliseconds(Int64(timeout * 1000)))
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let m = try channel.pipeline.syncOperations.configureAsyncHTTP2Pipeline(mode: .client) { stream in
                        stream.eventLoop.makeSucceededVoidFuture()
                    }
                    return (channel, m)
                }
            }
        defer { channel.close(promise: nil) }
        let stream = try await multiplexer.openStream { ch in
            ch.eventLoop.makeCompletedFuture {
                try NIOAsyncChannel<HTTP2Frame.FramePayload, HTTP2Frame.FramePayload>(wrappingChannelSynchronously: ch)
            }
        }
        var message: [UInt8] = []
        if !service.isEmpty { message = [0x0a, UInt8(service.utf8.count)] + Array(service.utf8) }
        var body = ByteBuffer()
        body.writeInteger(UInt8(0))
        body.writeInteger(UInt32(message.count))
        body.writeBytes(message)
        let headers: HPACKHeaders = [
            ":method": "POST", ":scheme": "http", ":path": "/grpc.health.v1.Health/Check", ":authority": "\(host):\(port)",
            "content-type": "application/grpc", "te": "trailers", "user-agent": "kube-probe/1.32",
        ]
        var data = ByteBuffer()
        var grpcStatus: String?
        var grpcMessage: String?
        try await stream.executeThenClose { inbound, outbound in
            try await outbound.write(.headers(.init(headers: headers)))
            try await outbound.write(.data(.init(data: .byteBuffer(body), endStream: true)))
            for try await frame in inbound {
                switch frame {
                case .headers(let h):
                    if let s = h.headers.first(name: "grpc-status") { grpcStatus = s }
                    if let m = h.headers.first(name: "grpc-message") { grpcMessage = m }
                    if h.endStream { return }
                case .data(let d):
                    if case .byteBuffer(var b) = d.data { data.writeBuffer(&b) }
                    if d.endStream { return }
                default:
                    break
                }
            }
        }
        if let grpcStatus, grpcStatus != "0" {
            return .failure("rpc error: code = \(grpcStatus) desc = \(grpcMessage ?? "")")
        }
        // 5-byte frame header, then the HealthCheckResponse.
        let bytes = data.readableBytesView
        let payload = Array(bytes.dropFirst(5))
        var status = 0
        if payload.count >= 2, payload[0] == 0x08 { status = Int(payload[1]) }
        return status == 1 ? .success : .failure("service unhealthy (responded with \"\(["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"][min(status, 3)])\")")
    }
}
