import HTTPServing
public import Logging
import Synchronization

/// The health-check node ports of `type: LoadBalancer` Services with
/// `externalTrafficPolicy: Local`, served as upstream kube-proxy does: an
/// external load balancer asks each node `GET /` on the port and sends
/// traffic only to nodes that answer 200, those with a ready local endpoint
/// (503 otherwise, or while the proxy itself is unhealthy). The body names
/// the Service and the count; `X-Load-Balancing-Endpoint-Weight` carries it.
public final class ServiceHealthServers: Sendable {
    /// What one port answers for.
    public struct Health: Sendable, Equatable {
        public var service: ServiceName
        public var localEndpoints: Int
        public init(service: ServiceName, localEndpoints: Int) {
            self.service = service
            self.localEndpoints = localEndpoints
        }
    }

    let host: String
    let logger: Logger
    let proxyHealthy: @Sendable () -> Bool
    let state = Mutex<[UInt16: Health]>([:])
    let listeners = Mutex<[UInt16: Task<Void, Never>]>([:])

    public init(host: String = "0.0.0.0", logger: Logger, proxyHealthy: @escaping @Sendable () -> Bool) {
        self.host = host
        self.logger = logger
        self.proxyHealthy = proxyHealthy
    }

    /// The health of each port from the programmed Service ports: the ready
    /// (or, with none ready, serving and terminating) endpoints on `node`.
    public static func desired(_ ports: [ServicePortInfo], node: String) -> [UInt16: Health] {
        var out: [UInt16: (ServiceName, Set<String>)] = [:]
        for p in ports {
            guard let hc = p.healthCheckNodePort else { continue }
            let local = ServicePortInfo.usable(p.endpoints.filter { $0.nodeName == node }).map(\.address.description)
            out[hc, default: (p.service, [])].1.formUnion(local)
        }
        return out.mapValues { Health(service: $0.0, localEndpoints: $0.1.count) }
    }

    /// Serves exactly the ports of `desired`: new ones start listening, gone ones stop.
    public func update(_ desired: [UInt16: Health]) {
        state.withLock { $0 = desired }
        listeners.withLock { running in
            for (port, task) in running where desired[port] == nil {
                task.cancel()
                running[port] = nil
            }
            for port in desired.keys where running[port] == nil {
                let server = StatusServer(host: host, port: Int(port), logger: logger, purpose: "serving the health check of a LoadBalancer Service") {
                    [weak self] _, _ in self?.answer(port) ?? .init(status: 503, body: "")
                }
                running[port] = Task { [logger] in
                    do {
                        try await server.run()
                    } catch {
                        logger.warning("health check node port \(port): \(error)")
                    }
                }
            }
        }
    }

    /// Stops every listener.
    public func stop() { update([:]) }

    /// The answer for `port`, as upstream's service health server writes it.
    func answer(_ port: UInt16) -> StatusServer.Response {
        guard let health = state.withLock({ $0[port] }) else { return .init(status: 404, body: "404 page not found\n") }
        let healthy = proxyHealthy()
        let body = """
            {
            \t"service": {
            \t\t"namespace": "\(health.service.namespace)",
            \t\t"name": "\(health.service.name)"
            \t},
            \t"localEndpoints": \(health.localEndpoints),
            \t"serviceProxyHealthy": \(healthy)
            }
            """
        return .init(status: health.localEndpoints > 0 && healthy ? 200 : 503, contentType: "application/json", body: body,
                     headers: [("X-Content-Type-Options", "nosniff"), ("X-Load-Balancing-Endpoint-Weight", String(health.localEndpoints))])
    }
}
