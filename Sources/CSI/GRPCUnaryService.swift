public import GRPCCore
import GRPCNIOTransportHTTP2
#if canImport(Glibc)
import Glibc
#endif

/// A gRPC service made of unary handlers over ``ProtoMessage``s, served on
/// a Unix socket: what a test's CSI driver or plugin registrar is built
/// from. A handler throws `RPCError` to answer with a status code.
public struct GRPCUnaryService: RegistrableRPCService {
    private var handlers: [any UnaryHandlerRegistration] = []

    public init() {}

    /// Adds `handler` for `method`.
    public mutating func on<Request, Response>(_ method: GRPCMethod<Request, Response>,
                                               _ handler: @escaping @Sendable (Request) async throws -> Response) {
        handlers.append(UnaryHandler(method: method, handler: handler))
    }

    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        for handler in handlers { handler.register(with: &router) }
    }

    /// Serves the service on the Unix socket at `path` until the task is
    /// cancelled (the socket file is removed first if it is there).
    public func serve(socketPath path: String) async throws {
        unlink(path)
        let server = GRPCServer(
            transport: HTTP2ServerTransport.Posix(address: .unixDomainSocket(path: path), transportSecurity: .plaintext),
            services: [self])
        try await withTaskCancellationHandler {
            try await server.serve()
        } onCancel: {
            server.beginGracefulShutdown()
        }
    }
}

/// One method's handler, registered with a router of any transport.
private protocol UnaryHandlerRegistration: Sendable {
    func register<Transport: ServerTransport>(with router: inout RPCRouter<Transport>)
}

private struct UnaryHandler<Request: ProtoMessage, Response: ProtoMessage>: UnaryHandlerRegistration {
    let method: GRPCMethod<Request, Response>
    let handler: @Sendable (Request) async throws -> Response

    func register<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let handler = handler
        router.registerHandler(forMethod: method.descriptor, deserializer: ProtoDeserializer<Request>(),
                               serializer: ProtoSerializer<Response>()) { request, _ in
            let single = try await ServerRequest(stream: request)
            return StreamingServerResponse(single: ServerResponse(message: try await handler(single.message)))
        }
    }
}
