/// A map from a Service's key and a random index below `modulus` to one of
/// its endpoints: `service-ip-endpoints-3` holds
/// `10.96.0.10 . tcp . 80 . 0 : 10.244.1.5 . 8080` and its siblings 1 and 2,
/// and one rule per map picks from it:
///
///     dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 3 map @service-ip-endpoints-3
///
/// Services with the same number of endpoints share a map, so adding a
/// Service adds elements only: no chain, no jump, nothing that makes the
/// kernel validate the whole table (see docs/kube-proxy.md, Performance).
public struct EndpointMap: Hashable, Sendable, Comparable {
    /// Which key the map is for.
    public enum Path: String, Hashable, Sendable, Comparable {
        /// ClusterIPs and external IPs: `ip daddr . meta l4proto . th dport`.
        case serviceIP = "service-ip"
        /// NodePorts: `meta l4proto . th dport` (to a local address).
        case nodePort = "nodeport"

        public static func < (a: Path, b: Path) -> Bool { a.rawValue < b.rawValue }
    }

    public var path: Path
    /// The number of endpoints of every Service in the map.
    public var modulus: Int

    public init(path: Path, modulus: Int) {
        self.path = path
        self.modulus = modulus
    }

    /// `service-ip-endpoints-3`.
    public var name: String { "\(path.rawValue)-endpoints-\(modulus)" }
    /// The layout of a Service's key, without the index.
    public var serviceKey: MapKeyKind { path == .serviceIP ? .addressProtocolPort : .protocolPort }
    /// The chain whose rules pick from maps of this path.
    public var chain: String { path == .serviceIP ? ChainNames.dnatServiceIPs : ChainNames.dnatNodePorts }

    /// The rule that picks one endpoint from this map.
    public var rule: ProxyRule { ProxyRule([], [.dnatPick(map: name, key: serviceKey, modulus: modulus)]) }

    /// Whether `name` is the name of an endpoint map, and which path's.
    public static func path(ofMap name: String) -> Path? {
        Path.allCases.first { name.hasPrefix($0.rawValue + "-endpoints-") }
    }

    public static func < (a: EndpointMap, b: EndpointMap) -> Bool { (a.path, a.modulus) < (b.path, b.modulus) }
}

extension EndpointMap.Path: CaseIterable {}
