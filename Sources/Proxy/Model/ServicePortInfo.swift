public import Netfilter
public import Netlink

/// A Service by namespace and name.
public struct ServiceName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var namespace: String
    public var name: String

    public init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    public var description: String { "\(namespace)/\(name)" }

    public static func < (a: ServiceName, b: ServiceName) -> Bool {
        (a.namespace, a.name) < (b.namespace, b.name)
    }
}

/// The transport protocols a Service port may use.
public enum L4Protocol: String, Sendable, Hashable, CaseIterable, Comparable {
    case tcp, udp, sctp

    /// From a Service or EndpointSlice `protocol` field (default TCP).
    public init?(kubernetes value: String?) {
        switch value ?? "TCP" {
        case "TCP": self = .tcp
        case "UDP": self = .udp
        case "SCTP": self = .sctp
        default: return nil
        }
    }

    /// The IP protocol number.
    public var number: UInt8 {
        switch self {
        case .tcp: return 6
        case .udp: return 17
        case .sctp: return 132
        }
    }

    public init?(number: UInt8) {
        guard let p = L4Protocol.allCases.first(where: { $0.number == number }) else { return nil }
        self = p
    }

    public static func < (a: L4Protocol, b: L4Protocol) -> Bool { a.number < b.number }
}

/// The IP family of a table: the proxy keeps one table per family in use.
public enum IPFamily: String, Sendable, Hashable, CaseIterable {
    case ipv4 = "IPv4", ipv6 = "IPv6"

    public var nftFamily: NFT.Family { self == .ipv4 ? .ipv4 : .ipv6 }
    /// `ip` or `ip6`, as nft writes matches.
    public var keyword: String { self == .ipv4 ? "ip" : "ip6" }

    public func contains(_ address: IPAddress) -> Bool { address.isV4 == (self == .ipv4) }

    /// 127.0.0.0/8 or ::1/128: NodePorts are not served on loopback.
    public var loopback: CIDR { self == .ipv4 ? CIDR(address: .v4(0x7f00_0000), prefix: 8) : CIDR(address: .v6(0, 1), prefix: 128) }
}

/// One endpoint of a Service port, as the proxy uses it.
public struct ProxyEndpoint: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    /// The target port resolved for this endpoint (named ports may differ per endpoint).
    public var port: UInt16
    public var nodeName: String?
    public var ready: Bool
    public var serving: Bool
    public var terminating: Bool

    public init(address: IPAddress, port: UInt16, nodeName: String? = nil, ready: Bool = true, serving: Bool? = nil, terminating: Bool = false) {
        self.address = address
        self.port = port
        self.nodeName = nodeName
        self.ready = ready
        self.serving = serving ?? ready
        self.terminating = terminating
    }

    /// `10.244.1.5:8080`, `[fd00::5]:8080`.
    public var description: String { address.isV4 ? "\(address):\(port)" : "[\(address)]:\(port)" }

    public static func < (a: ProxyEndpoint, b: ProxyEndpoint) -> Bool { (a.address, a.port) < (b.address, b.port) }
}

/// One port of a Service with everything the ruleset needs: its addresses,
/// node port, policies and endpoints. Built by ``ServiceModel``.
public struct ServicePortInfo: Hashable, Sendable {
    public var service: ServiceName
    /// The port's name (empty for a single unnamed port).
    public var portName: String
    public var proto: L4Protocol
    public var port: UInt16
    /// The ClusterIP of this table's family, if any (nil for headless services).
    public var clusterIP: IPAddress?
    public var externalIPs: [IPAddress]
    /// The addresses of `status.loadBalancer.ingress` of this family (not
    /// those with `ipMode: Proxy`, which the load balancer itself serves).
    public var loadBalancerIPs: [IPAddress]
    /// `loadBalancerSourceRanges` of this family: only these clients may use
    /// the load-balancer addresses. Nil: any client may; empty: none may (the
    /// Service names ranges of the other family only).
    public var sourceRanges: [CIDR]?
    /// The health-check node port (`type: LoadBalancer`, `externalTrafficPolicy: Local`).
    public var healthCheckNodePort: UInt16?
    public var nodePort: UInt16?
    /// ClientIP affinity timeout in seconds; nil without affinity.
    public var affinitySeconds: Int?
    public var externalPolicyLocal: Bool
    public var internalPolicyLocal: Bool
    /// Every endpoint of the port (any state), sorted.
    public var endpoints: [ProxyEndpoint]

    public init(service: ServiceName, portName: String = "", proto: L4Protocol = .tcp, port: UInt16, clusterIP: IPAddress?,
                externalIPs: [IPAddress] = [], loadBalancerIPs: [IPAddress] = [], sourceRanges: [CIDR]? = nil, healthCheckNodePort: UInt16? = nil,
                nodePort: UInt16? = nil, affinitySeconds: Int? = nil,
                externalPolicyLocal: Bool = false, internalPolicyLocal: Bool = false, endpoints: [ProxyEndpoint] = []) {
        self.service = service
        self.portName = portName
        self.proto = proto
        self.port = port
        self.clusterIP = clusterIP
        self.externalIPs = externalIPs
        self.loadBalancerIPs = loadBalancerIPs
        self.sourceRanges = sourceRanges
        self.healthCheckNodePort = healthCheckNodePort
        self.nodePort = nodePort
        self.affinitySeconds = affinitySeconds
        self.externalPolicyLocal = externalPolicyLocal
        self.internalPolicyLocal = internalPolicyLocal
        self.endpoints = endpoints.sorted()
    }

    /// `default/web:http`, as kube-proxy names service ports.
    public var displayName: String { portName.isEmpty ? service.description : "\(service):\(portName)" }

    /// Whether any endpoint could take traffic (ready, or serving while terminating).
    public var hasEndpoints: Bool { endpoints.contains { $0.ready || ($0.serving && $0.terminating) } }

    /// The endpoints traffic may go to, among `candidates`: the ready ones;
    /// only when none is ready, those still serving while terminating.
    public static func usable(_ candidates: [ProxyEndpoint]) -> [ProxyEndpoint] {
        let ready = candidates.filter(\.ready)
        return ready.isEmpty ? candidates.filter { $0.serving && $0.terminating } : ready
    }

    /// Endpoints for traffic to the ClusterIP (internalTrafficPolicy applied).
    public func clusterEndpoints(node: String) -> [ProxyEndpoint] {
        ServicePortInfo.usable(internalPolicyLocal ? endpoints.filter { $0.nodeName == node } : endpoints)
    }

    /// Endpoints for traffic from outside (NodePort, external IPs; externalTrafficPolicy applied).
    public func externalEndpoints(node: String) -> [ProxyEndpoint] {
        ServicePortInfo.usable(externalPolicyLocal ? endpoints.filter { $0.nodeName == node } : endpoints)
    }

    /// Whether traffic from outside enters through an external chain.
    public var hasExternalPath: Bool { nodePort != nil || !externalIPs.isEmpty || !loadBalancerIPs.isEmpty }
}
