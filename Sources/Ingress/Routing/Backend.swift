/// One backend of a route: a Service port resolved to the ready endpoints
/// (pod IP and target port) of its EndpointSlices.
public struct Backend: Sendable, Hashable {
    /// One address requests can be sent to.
    public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
        public var host: String
        public var port: Int
        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// `namespace/service:port`, for logs and error pages.
    public var name: String
    /// Ready, not terminating endpoints; empty means 503.
    public var endpoints: [Endpoint]
    /// Why there are no endpoints (the Service is missing, has no such port, ...), nil when resolved.
    public var unavailableReason: String?

    public init(name: String, endpoints: [Endpoint], unavailableReason: String? = nil) {
        self.name = name
        self.endpoints = endpoints
        self.unavailableReason = unavailableReason
    }
}
