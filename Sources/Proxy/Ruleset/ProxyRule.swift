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

/// The key layout of a verdict map.
public enum MapKeyKind: Hashable, Sendable {
    /// `ip daddr . meta l4proto . th dport`
    case addressProtocolPort
    /// `meta l4proto . th dport`
    case protocolPort
}

/// A key of one of the proxy's verdict maps.
public enum MapKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    case addressProtocolPort(IPAddress, L4Protocol, UInt16)
    case protocolPort(L4Protocol, UInt16)

    /// The key's bytes as the kernel stores them (each field 4-byte aligned).
    public var bytes: [UInt8] {
        switch self {
        case .addressProtocolPort(let a, let p, let port): return NFTKey.addressProtocolPort(a, p.number, port)
        case .protocolPort(let p, let port): return NFTKey.protocolPort(p.number, port)
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
        }
    }

    /// `10.96.0.10 . tcp . 80`, as nft writes elements.
    public var description: String {
        switch self {
        case .addressProtocolPort(let a, let p, let port): return "\(a) . \(p.rawValue) . \(port)"
        case .protocolPort(let p, let port): return "\(p.rawValue) . \(port)"
        }
    }

    public static func < (a: MapKey, b: MapKey) -> Bool {
        switch (a, b) {
        case (.addressProtocolPort(let x, let p, let n), .addressProtocolPort(let y, let q, let m)): return (x, p, n) < (y, q, m)
        case (.protocolPort(let p, let n), .protocolPort(let q, let m)): return (p, n) < (q, m)
        case (.addressProtocolPort, .protocolPort): return true
        case (.protocolPort, .addressProtocolPort): return false
        }
    }
}

/// What a map element leads to.
public enum MapTarget: Hashable, Sendable {
    case goto(String)
    /// `goto reject-chain`, with the Service named in the element's comment.
    case reject(service: String)
    /// `drop`, with the Service named in the element's comment.
    case drop(service: String)

    /// The element's comment (nft shows it; `--dump` reads it back).
    public var comment: String? {
        switch self {
        case .goto: return nil
        case .reject(let s), .drop(let s): return s
        }
    }
}
