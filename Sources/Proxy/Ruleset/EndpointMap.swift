import Netlink

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

        /// The layout of a Service's key, without the index.
        public var serviceKey: MapKeyKind { self == .serviceIP ? .addressProtocolPort : .protocolPort }

        public static func < (a: Path, b: Path) -> Bool { a.rawValue < b.rawValue }
    }

    public var path: Path
    /// The number of endpoints of every Service in the map.
    public var modulus: Int

    public init(path: Path, modulus: Int) {
        self.path = path
        self.modulus = modulus
    }

    /// The map named `name` (`service-ip-endpoints-3`), if it is an endpoint map.
    public init?(name: String) {
        guard let path = Path.allCases.first(where: { name.hasPrefix($0.rawValue + "-endpoints-") }),
              let modulus = Int(name.dropFirst(path.rawValue.count + "-endpoints-".count)), modulus > 0 else { return nil }
        self.init(path: path, modulus: modulus)
    }

    /// `service-ip-endpoints-3`.
    public var name: String { "\(path.rawValue)-endpoints-\(modulus)" }
    /// The layout of a Service's key, without the index.
    public var serviceKey: MapKeyKind { path.serviceKey }

    /// The rule that picks one endpoint from this map.
    public var rule: ProxyRule { ProxyRule([], [.dnatPick(map: name, key: serviceKey, modulus: modulus)]) }

    public static func < (a: EndpointMap, b: EndpointMap) -> Bool { (a.path, a.modulus) < (b.path, b.modulus) }
}

extension EndpointMap.Path: CaseIterable {}

extension ProxyEndpoint {
    /// The endpoint as an endpoint map's value holds it: `ipv4_addr . inet_service`
    /// (or `ipv6_addr . inet_service`), the port padded to four bytes.
    public var mapValue: [UInt8] { address.bytes + port.bigEndianBytes + [0, 0] }

    /// The endpoint in an endpoint map's value read back from the kernel.
    public init?(mapValue bytes: [UInt8]) {
        guard bytes.count == 8 || bytes.count == 20, let address = IPAddress(bytes: bytes[0..<(bytes.count - 4)]) else { return nil }
        self.init(address: address, port: UInt16(bigEndianBytes: bytes[...], at: bytes.count - 4))
    }
}
