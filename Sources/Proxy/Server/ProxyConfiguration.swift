public import Netlink

/// Everything `kube-proxy` is told by its flags.
public struct ProxyConfiguration: Sendable {
    /// This node's name (endpoints' nodeName is compared with it).
    public var nodeName: String
    /// Pods' range; ClusterIP traffic from outside it is masqueraded. Nil: none is.
    public var clusterCIDR: CIDR?
    /// The table, in each family in use.
    public var table: String
    public var sync: SyncRunner.Settings
    /// `HOST:PORT` of /healthz (and /metrics).
    public var healthzBindAddress: String?
    /// `HOST:PORT` of /metrics when it differs from the healthz address.
    public var metricsBindAddress: String?
    /// Delete stale conntrack entries after endpoint changes (UDP ones, and
    /// unanswered TCP and SCTP ones to removed endpoints; see ``StaleFlows``).
    public var conntrackCleanup: Bool
    /// Answer ARP/NDP for load-balancer addresses on this node's segments
    /// when this node wins their Lease (``LoadBalancerSpeaker``).
    public var announceLoadBalancerIPs = true
    /// How long a load-balancer address's Lease lasts without renewal (failover time).
    public var loadBalancerLeaseDuration: Duration = .seconds(10)

    public init(nodeName: String, clusterCIDR: CIDR? = CIDR("10.244.0.0/16"), table: String = "kube-proxy",
                sync: SyncRunner.Settings = SyncRunner.Settings(), healthzBindAddress: String? = "0.0.0.0:10256",
                metricsBindAddress: String? = nil, conntrackCleanup: Bool = true) {
        self.nodeName = nodeName
        self.clusterCIDR = clusterCIDR
        self.table = table
        self.sync = sync
        self.healthzBindAddress = healthzBindAddress
        self.metricsBindAddress = metricsBindAddress
        self.conntrackCleanup = conntrackCleanup
    }

    /// The ruleset settings of one family (a cluster CIDR of the other family is ignored).
    public func ruleset(_ family: IPFamily) -> RulesetConfiguration {
        RulesetConfiguration(family: family, table: table, nodeName: nodeName,
                             clusterCIDR: clusterCIDR.flatMap { family.contains($0.network) ? $0 : nil })
    }
}

/// A setting kube-proxy cannot use.
public struct ProxyConfigurationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(description: String) { self.description = description }
}
