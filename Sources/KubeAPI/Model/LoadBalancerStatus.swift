/// LoadBalancerStatus represents the status of a load-balancer.
public struct LoadBalancerStatus: Sendable, Hashable, Codable {
    public var ingress: [LoadBalancerIngress]?
    public init() {}
}

/// LoadBalancerIngress represents the status of a load-balancer ingress point: traffic intended for the service should be sent to an ingress point.
public struct LoadBalancerIngress: Sendable, Hashable, Codable {
    public var hostname: String?
    public var ip: String?
    public var ipMode: String?
    public var ports: [PortStatus]?
    public init() {}
}

/// PortStatus represents the error condition of a service port.
public struct PortStatus: Sendable, Hashable, Codable {
    public var error: String?
    public var port: Int32?
    public var `protocol`: String?
    public init() {}
}
