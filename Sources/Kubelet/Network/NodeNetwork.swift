#if canImport(Glibc)
import Glibc
#endif
import Netfilter
public import Netlink
import Runtime
import LinuxSystem

/// The node side of pod networking, built in (no CNI plugins): a bridge
/// holding the gateway address of the node's podCIDR, routes to other
/// nodes' podCIDRs through their node IPs (host-gw), forwarding on, and
/// masquerade of pod traffic leaving the cluster CIDR.
public struct NodeNetwork: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var bridge: String
        public var podCIDR: CIDR
        public var clusterCIDR: CIDR
        public var mtu: UInt32
        /// The nftables table the kubelet owns (masquerade only).
        public var table: String

        public init(bridge: String = "swk0", podCIDR: CIDR, clusterCIDR: CIDR, mtu: UInt32 = 1500, table: String = "swiftkube-node") {
            self.bridge = bridge
            self.podCIDR = podCIDR
            self.clusterCIDR = clusterCIDR
            self.mtu = mtu
            self.table = table
        }

        public var gateway: IPAddress { podCIDR.address(at: 1) }
    }

    public let configuration: Configuration
    /// The node's network namespace (nil: the kubelet's own).
    public let namespace: String?

    public init(configuration: Configuration, namespace: String? = nil) {
        self.configuration = configuration
        self.namespace = namespace
    }

    /// Creates or repairs the bridge, forwarding and masquerading. Idempotent.
    public func setUp() throws -> Int32 {
        let rt = try RouteNetlink.open(namespace: namespace)
        let c = configuration
        if try rt.link(named: c.bridge) == nil {
            do {
                try rt.createBridge(c.bridge, mtu: c.mtu)
            } catch let e as NetlinkError where e.errno == EEXIST {}
        }
        guard let bridge = try rt.link(named: c.bridge) else {
            throw NetlinkError(errno: ENODEV, operation: "find bridge \(c.bridge) after creating it")
        }
        try rt.addAddress(c.gateway, prefix: c.podCIDR.prefix, to: bridge.index)
        try rt.setUp(bridge.index)
        try sysctl("net/ipv4/ip_forward", "1")
        try installMasquerade()
        return bridge.index
    }

    /// `ip saddr CLUSTER ip daddr != CLUSTER masquerade`, in one table of ours.
    func installMasquerade() throws {
        let c = configuration
        var batch = NFTBatch(family: .ipv4, table: c.table)
        batch.addTable()
        batch.addChain("postrouting", base: .init(type: "nat", hook: .postrouting, priority: 100))
        batch.flushChain("postrouting")
        let source: [NFTExpression] = [
            .payload(base: .network, offset: 12, length: 4, into: NFT.Register.r1),
            .bitwise(source: NFT.Register.r1, destination: NFT.Register.r1, length: 4, mask: NodeNetwork.mask(c.clusterCIDR), xor: [0, 0, 0, 0]),
            .cmp(NFT.Register.r1, .eq, c.clusterCIDR.network.bytes),
        ]
        let destinationOutside: [NFTExpression] = [
            .payload(base: .network, offset: 16, length: 4, into: NFT.Register.r1),
            .bitwise(source: NFT.Register.r1, destination: NFT.Register.r1, length: 4, mask: NodeNetwork.mask(c.clusterCIDR), xor: [0, 0, 0, 0]),
            .cmp(NFT.Register.r1, .neq, c.clusterCIDR.network.bytes),
        ]
        batch.addRule(chain: "postrouting", source + destinationOutside + [.masquerade(fullyRandom: true)], comment: "pods leaving the cluster network")
        try NFTables.open(namespace: namespace).apply(batch)
    }

    static func mask(_ cidr: CIDR) -> [UInt8] {
        let m: UInt32 = cidr.prefix == 0 ? 0 : ~UInt32(0) << UInt32(32 - cidr.prefix)
        return m.bigEndianBytes
    }

    /// Points other nodes' podCIDRs at their node IPs; removes routes to
    /// podCIDRs that are gone. `routes` maps podCIDR → node IP.
    public func syncRoutes(_ routes: [CIDR: IPAddress]) throws {
        let rt = try RouteNetlink.open(namespace: namespace)
        let existing = try rt.routes()
        for (cidr, via) in routes where cidr != configuration.podCIDR {
            if !existing.contains(where: { $0.destination == cidr && $0.gateway == via }) {
                try rt.addRoute(to: cidr, via: via)
            }
        }
        for route in existing {
            guard let dst = route.destination, dst != configuration.podCIDR, route.gateway != nil,
                  configuration.clusterCIDR.contains(dst.network), routes[dst] == nil else { continue }
            try? rt.deleteRoute(to: dst, via: route.gateway)
        }
    }

    /// Removes the bridge and the kubelet's nftables table (`kubelet --cleanup`).
    public func tearDown() throws {
        let rt = try RouteNetlink.open(namespace: namespace)
        if let bridge = try rt.link(named: configuration.bridge) { try rt.deleteLink(bridge.index) }
        let nft = try NFTables.open(namespace: namespace)
        if try nft.tableExists(family: .ipv4, configuration.table) {
            var batch = NFTBatch(family: .ipv4, table: configuration.table)
            batch.deleteTable()
            try nft.apply(batch)
        }
    }

    func sysctl(_ key: String, _ value: String) throws {
        let write = { try FileIO.writeExisting("/proc/sys/" + key, value) }
        if let namespace {
            try NetworkNamespace.run(namespace) { try write() }
        } else {
            try write()
        }
    }
}
