/// Serves `kubectl port-forward` over SPDY (directly, or tunnelled in a
/// websocket): for each local connection the client opens an `error` and a
/// `data` stream carrying the same `requestID` and the pod `port`; the
/// server connects to that port in the pod and copies bytes both ways. A
/// failure is written as text on the error stream; both streams end with
/// FIN when the forwarded connection is done.
public enum PortForwardServer {
    /// Connects to `port` in the pod and copies between it and `stream`
    /// (read ``SPDYStream/inbound``, write ``SPDYStream/write(_:)``) until
    /// both directions are done. Throws a message for the client on failure.
    public typealias Forward = @Sendable (_ port: UInt16, _ stream: PortForwardStream) async throws -> Void

    /// How long the second stream of a pair may lag behind the first.
    static let pairTimeout: Duration = .seconds(30)

    public static func serveSPDY(_ transport: ByteTransport, forward: @escaping Forward) async {
        guard let connection = try? SPDYConnection(transport: transport) else { return }
        let reader = Task { await connection.run() }
        // A server shutting down (this task cancelled) ends the connection.
        await withTaskCancellationHandler {
            await serve(connection, forward: forward)
        } onCancel: {
            reader.cancel()
        }
        reader.cancel()
    }

    static func serve(_ connection: SPDYConnection, forward: @escaping Forward) async {
        await withTaskGroup(of: Void.self) { group in
            var pending: [String: (error: SPDYStream?, data: SPDYStream?)] = [:]
            for await stream in connection.incoming {
                let request = stream.headers["requestid"] ?? ""
                var pair = pending[request] ?? (nil, nil)
                switch stream.type {
                case "error": pair.error = stream
                case "data": pair.data = stream
                default:
                    await stream.close()
                    continue
                }
                guard let error = pair.error, let data = pair.data else {
                    pending[request] = pair
                    continue
                }
                pending[request] = nil
                group.addTask { await serve(error: error, data: data, forward: forward) }
            }
            // The client went away: pending halves get nothing more.
            for pair in pending.values {
                await pair.error?.close()
                await pair.data?.close()
            }
        }
    }

    static func serve(error: SPDYStream, data: SPDYStream, forward: Forward) async {
        let portText = data.headers["port"] ?? error.headers["port"] ?? ""
        do {
            guard let port = UInt16(portText), port > 0 else {
                throw PortForwardError("invalid port \"\(portText)\" in the stream headers")
            }
            try await forward(port, PortForwardStream(stream: data))
        } catch let failure {
            try? await error.write(Array("\(failure)".utf8))
        }
        await data.close()
        await error.close()
    }
}

/// The client's side of one forwarded connection.
public struct PortForwardStream: Sendable {
    let stream: SPDYStream

    /// The next bytes from the client; nil at its end (FIN or reset).
    public func read() async -> [UInt8]? { await stream.inbound.read() }

    /// Sends bytes from the pod to the client.
    public func write(_ bytes: [UInt8]) async throws { try await stream.write(bytes) }

    /// Ends the pod-to-client direction.
    public func closeWrite() async { await stream.close() }

    /// Fires if the client resets the stream.
    public var reset: Signal { stream.reset }
}

/// A port-forward failure, shown to the user as is.
public struct PortForwardError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
