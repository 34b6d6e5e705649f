import GRPCCore
import GRPCNIOTransportHTTP2
import Glibc

/// One gRPC (HTTP/2, plaintext) connection to a Unix socket, shared by the
/// CSI client and the plugin-registration client: it runs the connection in
/// a task of its own until `close()`, applies a deadline to every call,
/// fails fast when the socket is not there (not wait-for-ready, as gRPC-Go's
/// default), and turns every failure into a ``CSIError``.
///
/// grpc-swift-nio-transport (2.x) can lose a fail-fast call: one that joins
/// the channel's queue just after the connection attempt failed waits for
/// the next state change, and a channel that stays in transient failure
/// never makes one, so the call runs to its deadline. A socket path that
/// does not exist is therefore answered before the call is made, as
/// gRPC-Go answers it: `Unavailable`, "no such file or directory".
public final class GRPCUnixConnection: Sendable {
    public let endpoint: CSIEndpoint
    /// The deadline of each call.
    public let timeout: Duration
    let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let connections: Task<Void, Never>

    /// Starts connecting to `endpoint` (lazily: the first call dials).
    public init(endpoint: CSIEndpoint, timeout: Duration = .seconds(120)) throws {
        self.endpoint = endpoint
        self.timeout = timeout
        let transport = try HTTP2ClientTransport.Posix(
            target: .unixDomainSocket(path: endpoint.socketPath),
            transportSecurity: .plaintext
        )
        let client = GRPCClient(transport: transport)
        self.client = client
        self.connections = Task {
            try? await client.runConnections()
        }
    }

    deinit {
        client.beginGracefulShutdown()
    }

    /// Ends the connection once the calls under way have finished.
    public func close() async {
        client.beginGracefulShutdown()
        await connections.value
    }

    /// Calls `method` with this connection's deadline.
    public func call<Request, Response>(_ method: GRPCMethod<Request, Response>, _ request: Request) async throws(CSIError) -> Response {
        if let absent = socketAbsence() {
            throw CSIError(method: method.fullName, endpoint: endpoint.socketPath, code: .unavailable,
                           message: "connection error: desc = \"transport: Error while dialing: dial unix \(endpoint.socketPath): connect: \(absent)\"")
        }
        var options = CallOptions.defaults
        options.timeout = timeout
        options.waitForReady = false
        do {
            return try await client.unary(
                request: ClientRequest(message: request), descriptor: method.descriptor,
                serializer: ProtoSerializer<Request>(), deserializer: ProtoDeserializer<Response>(), options: options
            ) { response in try response.message }
        } catch let error as RPCError {
            throw CSIError(method: method.fullName, endpoint: endpoint.socketPath,
                           code: CSIStatusCode(rawValue: error.code.rawValue) ?? .unknown, message: error.message)
        } catch is CancellationError {
            throw CSIError(method: method.fullName, endpoint: endpoint.socketPath, code: .cancelled, message: "the call was cancelled")
        } catch {
            throw CSIError(method: method.fullName, endpoint: endpoint.socketPath, code: .unavailable, message: "\(error)")
        }
    }

    /// Why the endpoint's socket cannot be dialled, when its path is not
    /// there (or is not a socket); nil when it may be.
    private func socketAbsence() -> String? {
        var info = stat()
        guard stat(endpoint.socketPath, &info) == 0 else {
            let code = errno
            return code == ENOENT || code == ENOTDIR ? String(cString: strerror(code)).lowercased() : nil
        }
        return info.st_mode & S_IFMT == S_IFSOCK ? nil : "connection refused (not a socket)"
    }
}
