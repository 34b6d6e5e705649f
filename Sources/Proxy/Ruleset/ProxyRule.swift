public import Netlink

/// One rule of the proxy's table, described by meaning rather than bytes, so
/// that the same value is compiled to netlink (``RuleCompiler``), written as
/// nft text (``RulesetText``) and simulated (``PacketTracer``).
///
/// A rule is: all `matches` hold → run `statements` → apply `verdict` (none:
/// go on with the next rule).
public struct ProxyRule: Hashable, Sendable {
    public var matches: [Match]
    public var statements: [Statement]
    public var verdict: Verdict?
    public var comment: String?

    public init(_ matches: [Match] = [], _ statements: [Statement] = [], _ verdict: Verdict? = nil, comment: String? = nil) {
        self.matches = matches
        self.statements = statements
        self.verdict = verdict
        self.comment = comment
    }

    /// A condition on the packet.
    public enum Match: Hashable, Sendable {
        /// `ip daddr ADDR`
        case destination(IPAddress)
        /// `ip saddr ADDR`
        case source(IPAddress)
        /// `ip saddr != CIDR`
        case sourceNotIn(CIDR)
        /// `ip saddr CIDR`
        case sourceIn(CIDR)
        /// `ip daddr != CIDR`
        case destinationNotIn(CIDR)
        /// `meta l4proto tcp`
        case l4proto(L4Protocol)
        /// `th dport PORT`
        case destinationPort(UInt16)
        /// `ct state new`
        case ctStateNew
        /// `fib daddr type local`
        case destinationLocal
        /// `fib saddr type local`
        case sourceLocal
        /// `meta mark & BITS == 0`
        case markBitsClear(UInt32)
        /// `ip saddr @SET`
        case sourceInSet(String)
        /// `ct original ip daddr . ip saddr . ip daddr @SET`: a connection
        /// DNATed back to its own client (see ``MapKey/hairpin(service:endpoint:)``).
        case hairpinInSet(String)
    }

    /// Something done to the packet or to state.
    public enum Statement: Hashable, Sendable {
        /// `meta mark set meta mark | BITS`
        case setMarkBits(UInt32)
        /// `meta mark set meta mark ^ BITS`
        case toggleMarkBits(UInt32)
        /// `update @SET { ip saddr }`
        case updateSourceInSet(String)
        /// `masquerade fully-random`
        case masquerade
        /// `dnat to ADDR:PORT`
        case dnat(IPAddress, UInt16)
        /// `dnat to KEY . numgen random mod N map @MAP`: one of the N endpoints
        /// the map holds for the packet's key (`key`: its layout without the index).
        /// No element for the key: the rule does not match.
        case dnatPick(map: String, key: MapKeyKind, modulus: Int)
    }

    /// How a rule ends evaluation in its chain.
    public enum Verdict: Hashable, Sendable {
        case accept, drop, `return`
        case jump(String)
        case goto(String)
        /// `reject` (ICMP port unreachable) or `reject with tcp reset`.
        case reject(tcpReset: Bool)
        /// `KEY vmap @MAP`
        case vmap(String, MapKeyKind)
        /// `numgen random mod N vmap { 0 : goto C0, … }`
        case numgen([String])
    }
}

/// The key layout of a map or set.
public enum MapKeyKind: Hashable, Sendable {
    /// `ip daddr . meta l4proto . th dport`
    case addressProtocolPort
    /// `meta l4proto . th dport`
    case protocolPort
    /// A key of `base` followed by `numgen random mod N` (an endpoint map).
    indirect case indexed(MapKeyKind)
    /// `ct original ip daddr . ip saddr . ip daddr` (the hairpin set).
    case hairpin
}

/// A key of one of the proxy's maps and sets.
public enum MapKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    case addressProtocolPort(IPAddress, L4Protocol, UInt16)
    case protocolPort(L4Protocol, UInt16)
    /// The `index`-th endpoint of a Service's key, in an endpoint map.
    indirect case indexed(MapKey, UInt32)
    /// A connection to `service` (a ClusterIP) that its DNAT sent back to
    /// the client `endpoint`.
    case hairpin(service: IPAddress, endpoint: IPAddress)

    /// The key's bytes as the kernel stores them (each field 4-byte aligned;
    /// the index in host order, as numgen writes it).
    public var bytes: [UInt8] {
        switch self {
        case .addressProtocolPort(let a, let p, let port): return NFTKey.addressProtocolPort(a, p.number, port)
        case .protocolPort(let p, let port): return NFTKey.protocolPort(p.number, port)
        case .indexed(let key, let index): return key.bytes + withUnsafeBytes(of: index) { Array($0) }
        case .hairpin(let service, let endpoint): return service.bytes + endpoint.bytes + endpoint.bytes
        }
    }

    /// Parses key bytes read back from the kernel.
    public init?(bytes: [UInt8], kind: MapKeyKind) {
        switch kind {
        case .protocolPort:
            guard bytes.count == 8, let p = L4Protocol(number: bytes[0]) else { return nil }
            self = .protocolPort(p, UInt16(bigEndianBytes: bytes[...], at: 4))
        case .addressProtocolPort:
            guard bytes.count == 12 || bytes.count == 24 else { return nil }
            let n = bytes.count - 8
            guard let a = IPAddress(bytes: bytes[0..<n]), let p = L4Protocol(number: bytes[n]) else { return nil }
            self = .addressProtocolPort(a, p, UInt16(bigEndianBytes: bytes[...], at: n + 4))
        case .indexed(let base):
            guard bytes.count > 4, let key = MapKey(bytes: Array(bytes.dropLast(4)), kind: base) else { return nil }
            let index = bytes.suffix(4).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
            self = .indexed(key, index)
        case .hairpin:
            guard bytes.count == 12 || bytes.count == 48 else { return nil }
            let n = bytes.count / 3
            guard let s = IPAddress(bytes: bytes[0..<n]), let e = IPAddress(bytes: bytes[n..<2 * n]) else { return nil }
            self = .hairpin(service: s, endpoint: e)
        }
    }

    /// The key without its endpoint index.
    public var service: MapKey {
        if case .indexed(let key, _) = self { return key }
        return self
    }

    /// `10.96.0.10 . tcp . 80`, as nft writes elements.
    public var description: String {
        switch self {
        case .addressProtocolPort(let a, let p, let port): return "\(a) . \(p.rawValue) . \(port)"
        case .protocolPort(let p, let port): return "\(p.rawValue) . \(port)"
        case .indexed(let key, let index): return "\(key) . \(index)"
        case .hairpin(let s, let e): return "\(s) . \(e) . \(e)"
        }
    }

    var order: Int {
        switch self {
        case .addressProtocolPort: return 0
        case .protocolPort: return 1
        case .indexed: return 2
        case .hairpin: return 3
        }
    }

    public static func < (a: MapKey, b: MapKey) -> Bool {
        switch (a, b) {
        case (.addressProtocolPort(let x, let p, let n), .addressProtocolPort(let y, let q, let m)): return (x, p, n) < (y, q, m)
        case (.protocolPort(let p, let n), .protocolPort(let q, let m)): return (p, n) < (q, m)
        case (.indexed(let x, let i), .indexed(let y, let j)): return x == y ? i < j : x < y
        case (.hairpin(let s, let e), .hairpin(let t, let f)): return (s, e) < (t, f)
        default: return a.order < b.order
        }
    }
}

/// What a map or set element leads to.
public enum MapTarget: Hashable, Sendable {
    case goto(String)
    /// `goto CHAIN`, with the Service named in the element's comment (the
    /// shared chains of Services whose endpoints are map elements).
    case gotoShared(String, service: String)
    /// `goto reject-chain`, with the Service named in the element's comment.
    case reject(service: String)
    /// `drop`, with the Service named in the element's comment.
    case drop(service: String)
    /// The value of an endpoint map's element: DNAT to this endpoint.
    case endpoint(ProxyEndpoint)
    /// A set element (no value).
    case member

    /// The element's comment (nft shows it; `--dump` reads it back).
    public var comment: String? {
        switch self {
        case .goto, .endpoint, .member: return nil
        case .gotoShared(_, let s), .reject(let s), .drop(let s): return s
        }
    }
}
