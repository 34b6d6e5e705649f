/// Why a CIDR could not be used.
public struct CIDRError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Cuts per-node pod CIDRs (e.g. /24) out of the cluster CIDR (e.g.
/// 10.244.0.0/16), lowest free first; pure, so it is unit-tested.
public struct PodCIDRAllocator: Sendable {
    public let network: UInt32
    public let prefix: Int
    public let nodePrefix: Int
    private var used: Set<UInt32> = []

    public init(clusterCIDR: String, nodeMaskSize: Int) throws(CIDRError) {
        guard let (net, bits) = Self.parse(clusterCIDR) else { throw CIDRError(description: "invalid --cluster-cidr \(clusterCIDR): expected an IPv4 CIDR such as 10.244.0.0/16") }
        guard nodeMaskSize >= bits, nodeMaskSize <= 30 else {
            throw CIDRError(description: "node CIDR mask /\(nodeMaskSize) does not fit in --cluster-cidr \(clusterCIDR)")
        }
        prefix = bits
        nodePrefix = nodeMaskSize
        network = bits == 0 ? 0 : net & (~UInt32(0) << (32 - UInt32(bits)))
    }

    /// Parses `a.b.c.d/n`.
    public static func parse(_ s: String) -> (UInt32, Int)? {
        let parts = s.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits) else { return nil }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var v: UInt32 = 0
        for o in octets {
            guard let n = UInt32(o), n < 256 else { return nil }
            v = v << 8 | n
        }
        return (v, bits)
    }

    static func format(_ v: UInt32, _ bits: Int) -> String {
        "\(v >> 24).\((v >> 16) & 255).\((v >> 8) & 255).\(v & 255)/\(bits)"
    }

    /// Number of node CIDRs in the cluster CIDR.
    public var capacity: Int { 1 << (nodePrefix - prefix) }

    /// Marks a CIDR a node already has as taken (ignored when outside the range or of another size).
    public mutating func occupy(_ cidr: String) {
        guard let (net, bits) = Self.parse(cidr), bits == nodePrefix, let i = index(net) else { return }
        used.insert(i)
    }

    /// Frees a node's CIDR.
    public mutating func release(_ cidr: String) {
        guard let (net, bits) = Self.parse(cidr), bits == nodePrefix, let i = index(net) else { return }
        used.remove(i)
    }

    func index(_ net: UInt32) -> UInt32? {
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - UInt32(prefix))
        guard net & mask == network else { return nil }
        return (net - network) >> (32 - UInt32(nodePrefix))
    }

    /// The lowest free CIDR, now taken.
    public mutating func allocate() throws(CIDRError) -> String {
        for i in 0..<UInt32(capacity) where !used.contains(i) {
            used.insert(i)
            return Self.format(network + (i << (32 - UInt32(nodePrefix))), nodePrefix)
        }
        throw CIDRError(description: "no pod CIDR left in \(Self.format(network, prefix)) (\(capacity) nodes of /\(nodePrefix))")
    }
}
