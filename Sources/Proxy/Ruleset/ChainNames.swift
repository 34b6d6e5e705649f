/// Names of everything in the proxy's table. Fixed objects are constants;
/// per-service chains follow kube-proxy's nftables mode: a short stable hash
/// then `namespace/name/protocol/portname` (and `__address/port` for an
/// endpoint), so `nft list table` reads like the Services it implements.
public enum ChainNames {
    public static let natPrerouting = "nat-prerouting"
    public static let natOutput = "nat-output"
    public static let natPostrouting = "nat-postrouting"
    public static let filterInput = "filter-input"
    public static let filterForward = "filter-forward"
    public static let filterOutput = "filter-output"
    public static let services = "services"
    public static let markForMasquerade = "mark-for-masquerade"
    public static let masquerading = "masquerading"
    public static let serviceEndpointsCheck = "service-endpoints-check"
    public static let nodePortEndpointsCheck = "nodeport-endpoints-check"
    public static let rejectChain = "reject-chain"

    /// `VIP . proto . port : verdict` for ClusterIPs and external IPs.
    public static let serviceIPsMap = "service-ips"
    /// `proto . port : verdict` for NodePorts.
    public static let serviceNodePortsMap = "service-nodeports"
    /// `VIP . proto . port : verdict` for services that cannot take traffic.
    public static let noEndpointServicesMap = "no-endpoint-services"
    /// `proto . port : verdict` for NodePorts that cannot take traffic.
    public static let noEndpointNodePortsMap = "no-endpoint-nodeports"

    /// Shared chains of the Services whose endpoints are map elements
    /// (``EndpointMap``): ClusterIPs, external IPs, NodePorts.
    public static let dnatServiceIPs = "dnat-service-ips"
    public static let dnatExternalIPs = "dnat-external-ips"
    public static let dnatNodePorts = "dnat-nodeports"
    public static let dnatChains: Set<String> = [dnatServiceIPs, dnatExternalIPs, dnatNodePorts]
    /// `ct original ip daddr . ip saddr . ip daddr` of connections DNATed back
    /// to their client, masqueraded so the reply comes back through the node.
    public static let hairpinSet = "hairpin"

    /// The verdict maps every table has, and their key layouts.
    public static let maps: [(name: String, kind: MapKeyKind)] = [
        (serviceIPsMap, .addressProtocolPort), (serviceNodePortsMap, .protocolPort),
        (noEndpointServicesMap, .addressProtocolPort), (noEndpointNodePortsMap, .protocolPort),
    ]

    /// The masquerade mark bit (kube-proxy's default 0x4000).
    public static let masqueradeMark: UInt32 = 0x4000

    /// `HASH-namespace/name/protocol/portname` of a service port.
    public static func base(_ port: ServicePortInfo) -> String {
        let readable = "\(port.service.namespace)/\(port.service.name)/\(port.proto.rawValue)/\(port.portName)"
        return hash("\(port.service.namespace)/\(port.service.name):\(port.portName)\(port.proto.rawValue)") + "-" + readable
    }

    /// The chain that load-balances over all usable endpoints.
    public static func service(_ port: ServicePortInfo) -> String { "service-" + base(port) }
    /// The chain that load-balances over this node's endpoints.
    public static func local(_ port: ServicePortInfo) -> String { "local-" + base(port) }
    /// The entry for traffic from outside (NodePort, external IPs).
    public static func external(_ port: ServicePortInfo) -> String { "external-" + base(port) }
    /// The load-balancer addresses' check of `loadBalancerSourceRanges`.
    public static func firewall(_ port: ServicePortInfo) -> String { "firewall-" + base(port) }

    /// `HASH-namespace/name/protocol/portname__address/port` of an endpoint.
    public static func endpointBase(_ port: ServicePortInfo, _ endpoint: ProxyEndpoint) -> String {
        let address = endpoint.address.isV4 ? endpoint.address.description : endpoint.address.description.replacingColons()
        let readable = "\(port.service.namespace)/\(port.service.name)/\(port.proto.rawValue)/\(port.portName)__\(address)/\(endpoint.port)"
        return hash("\(port.service.namespace)/\(port.service.name):\(port.portName)\(port.proto.rawValue)\(endpoint)") + "-" + readable
    }

    /// The chain that DNATs to one endpoint.
    public static func endpoint(_ port: ServicePortInfo, _ endpoint: ProxyEndpoint) -> String { "endpoint-" + endpointBase(port, endpoint) }
    /// The set of clients stuck to one endpoint (sessionAffinity ClientIP).
    public static func affinity(_ port: ServicePortInfo, _ endpoint: ProxyEndpoint) -> String { "affinity-" + endpointBase(port, endpoint) }

    /// The first 8 characters of the base32 FNV-1a hash of `text`.
    static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        return String((0..<8).map { alphabet[Int((h >> UInt64(59 - 5 * $0)) & 31)] })
    }
}

extension String {
    /// nft identifiers may not hold ':'; IPv6 addresses in names use '.' instead.
    func replacingColons() -> String { String(map { $0 == ":" ? "." : $0 }) }
}
