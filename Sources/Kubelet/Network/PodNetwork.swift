#if canImport(Glibc)
import Glibc
#endif
public import Netlink
import Runtime

/// One pod's network: a veth pair whose pod end is `eth0` in the pod's
/// pinned network namespace, plugged into the node bridge with hairpin on,
/// an address from IPAM and a default route through the bridge.
public struct PodNetwork: Sendable {
    public let node: NodeNetwork
    public let ipam: IPAM

    public init(node: NodeNetwork, ipam: IPAM) {
        self.node = node
        self.ipam = ipam
    }

    /// The host-side interface name for a pod (≤ 15 characters, stable).
    public static func hostInterface(for podUID: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in podUID.utf8 { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        return "veth" + String(String(hash, radix: 16).prefix(11))
    }

    /// Connects the pod whose network namespace is pinned at `netns`. Returns
    /// its address. Idempotent: a pod already connected keeps its address.
    public func connect(podUID: String, netns: String) throws -> IPAddress {
        let ip = try ipam.allocate(for: podUID)
        do {
            try plumb(podUID: podUID, netns: netns, ip: ip)
        } catch {
            try? disconnect(podUID: podUID)
            throw error
        }
        return ip
    }

    func plumb(podUID: String, netns: String, ip: IPAddress) throws {
        let c = node.configuration
        let host = try RouteNetlink.open(namespace: node.namespace)
        let pod = try RouteNetlink.open(namespace: netns)
        let hostName = PodNetwork.hostInterface(for: podUID)
        if try host.link(named: hostName) == nil {
            let fd = open(netns, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw NetlinkError(errno: errno, operation: "open pod network namespace \(netns)") }
            defer { close(fd) }
            try host.createVethPair(hostName, peerName: "eth0", peerNamespaceFD: fd, mtu: c.mtu)
        }
        guard let veth = try host.link(named: hostName), let bridge = try host.link(named: c.bridge) else {
            throw NetlinkError(errno: ENODEV, operation: "find \(hostName) and bridge \(c.bridge)")
        }
        try host.setMaster(veth.index, master: bridge.index)
        try host.setHairpin(veth.index, true)
        try host.setUp(veth.index)
        guard let eth0 = try pod.link(named: "eth0"), let lo = try pod.link(named: "lo") else {
            throw NetlinkError(errno: ENODEV, operation: "find eth0 in \(netns)")
        }
        try pod.setUp(lo.index)
        try pod.addAddress(ip, prefix: c.podCIDR.prefix, to: eth0.index)
        try pod.setUp(eth0.index)
        try pod.addRoute(to: nil, via: c.gateway)
    }

    /// Removes the pod's veth (its namespace end goes with it) and frees its address.
    public func disconnect(podUID: String) throws {
        let host = try RouteNetlink.open(namespace: node.namespace)
        if let veth = try host.link(named: PodNetwork.hostInterface(for: podUID)) {
            try host.deleteLink(veth.index)
        }
        try ipam.release(owner: podUID)
    }
}
