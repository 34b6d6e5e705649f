public import KubeAPI

/// The `status.loadBalancer` every served ingress gets: the addresses given
/// with `--publish-status-address`, or else those of the
/// `--publish-service` Service's load balancer, as ingress-nginx.
public struct IngressStatusPublisher: Sendable, Hashable {
    /// IPs or host names, in order.
    public var addresses: [String]
    /// `namespace/name` of the controller's own Service.
    public var publishService: String?

    public init(addresses: [String] = [], publishService: String? = nil) {
        self.addresses = addresses
        self.publishService = publishService
    }

    /// The load balancer status to write, or nil when nothing is known yet (the status is then left alone).
    public func desired(services: [Service]) -> IngressLoadBalancerStatus? {
        if !addresses.isEmpty {
            return IngressLoadBalancerStatus(ingress: addresses.map { a in
                a.allSatisfy({ $0.isNumber || $0 == "." }) || a.contains(":")
                    ? IngressLoadBalancerIngress(ip: a) : IngressLoadBalancerIngress(hostname: a)
            })
        }
        guard let publishService else { return nil }
        guard let svc = services.first(where: { "\($0.namespace)/\($0.name)" == publishService }) else { return nil }
        let lb = (svc.status?.loadBalancer?.ingress ?? []).map { i -> IngressLoadBalancerIngress in
            var out = IngressLoadBalancerIngress(ip: i.ip, hostname: i.hostname)
            out.ports = i.ports?.map { p in
                var ps = IngressPortStatus(port: p.port ?? 0, protocol: p.protocol ?? "TCP")
                ps.error = p.error
                return ps
            }
            return out
        }
        // Without a load balancer address, ingress-nginx publishes the Service's external IPs.
        if lb.isEmpty, let external = svc.spec?.externalIPs, !external.isEmpty {
            return IngressLoadBalancerStatus(ingress: external.map { IngressLoadBalancerIngress(ip: $0) })
        }
        return IngressLoadBalancerStatus(ingress: lb)
    }
}
