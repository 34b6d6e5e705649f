import Foundation
public import Netlink
public import Logging
public import ControllerRuntime
import KubeAPI
import Synchronization

/// MetalLB's layer-2 mode for the load-balancer addresses this node could
/// serve: for each address in a subnet of one of this node's interfaces
/// (and held by no interface), the node campaigns for a Lease
/// (`kube-system/swiftkube-lb-ADDRESS`, holder: the node's name); the holder
/// answers ARP (IPv4) or NDP (IPv6) for it, so traffic for the address
/// arrives here and the proxy's rules take it to an endpoint. When the
/// holder fails its Lease expires and another node takes over, announcing
/// itself with a gratuitous ARP / unsolicited advertisement.
///
/// A node campaigns only while it may take the traffic: for
/// `externalTrafficPolicy: Local`, while it has a ready endpoint of the Service.
public final class LoadBalancerSpeaker: Sendable {
    /// What one address needs: whether this node may hold it.
    public struct Wanted: Equatable, Sendable {
        public var address: IPAddress
        public var services: [ServiceName]
        public init(address: IPAddress, services: [ServiceName]) {
            self.address = address
            self.services = services
        }
    }

    let nodeName: String
    let client: any ClusterClient
    let responder: any NeighborResponder
    let logger: Logger
    let leaseDuration: Duration
    /// Where to find an address's interface (the node's addresses and links).
    let interfaces: @Sendable () throws -> (addresses: [AddressInfo], links: [LinkInfo])
    let campaigns = Mutex<[IPAddress: Task<Void, Never>]>([:])
    /// What the last ``update(_:)`` placed: kube-proxy calls it after every
    /// sync, and the node's interfaces are read only when this changes.
    let lastWanted = Mutex<[IPAddress: [ServiceName]]?>(nil)

    public init(nodeName: String, client: any ClusterClient, responder: any NeighborResponder, logger: Logger,
                leaseDuration: Duration = .seconds(10),
                interfaces: @escaping @Sendable () throws -> (addresses: [AddressInfo], links: [LinkInfo]) = LoadBalancerSpeaker.hostInterfaces) {
        self.nodeName = nodeName
        self.client = client
        self.responder = responder
        self.logger = logger
        self.leaseDuration = leaseDuration
        self.interfaces = interfaces
    }

    /// The addresses and links of the current network namespace.
    public static func hostInterfaces() throws -> (addresses: [AddressInfo], links: [LinkInfo]) {
        let rt = try RouteNetlink.open()
        return (try rt.addresses(), try rt.links())
    }

    /// The load-balancer addresses this node may hold, from the programmed
    /// Service ports: those of ports with `externalTrafficPolicy: Cluster`,
    /// and of `Local` ones with a usable endpoint on this node.
    public static func wanted(_ ports: [ServicePortInfo], node: String) -> [IPAddress: [ServiceName]] {
        var out: [IPAddress: Set<ServiceName>] = [:]
        for p in ports where !p.loadBalancerIPs.isEmpty {
            let eligible = !p.externalPolicyLocal || !ServicePortInfo.usable(p.endpoints.filter { $0.nodeName == node }).isEmpty
            guard eligible else { continue }
            for ip in p.loadBalancerIPs { out[ip, default: []].insert(p.service) }
        }
        return out.mapValues { $0.sorted() }
    }

    /// The interface (index, MAC) on whose subnet `address` lies, unless an
    /// interface already has the address itself (ServiceLB's node addresses).
    public static func interface(for address: IPAddress, addresses: [AddressInfo], links: [LinkInfo]) -> (index: Int32, mac: [UInt8])? {
        if addresses.contains(where: { $0.address == address }) { return nil }
        guard let on = addresses.first(where: { CIDR(address: $0.address, prefix: $0.prefix).contains(address) && $0.prefix < (address.isV4 ? 32 : 128) }),
              let link = links.first(where: { $0.index == on.index }), link.macAddress.count == 6 else { return nil }
        return (on.index, link.macAddress)
    }

    /// The Lease name of an address: `swiftkube-lb-10-99-0-100`, `swiftkube-lb-fd00--64`.
    public static func leaseName(_ address: IPAddress) -> String {
        "swiftkube-lb-" + String(address.description.map { $0 == "." || $0 == ":" ? "-" : $0 })
    }

    /// Campaigns for exactly the addresses in `wanted` that lie on one of
    /// this node's segments; stops (and releases the Lease of) the others.
    public func update(_ wanted: [IPAddress: [ServiceName]]) {
        let unchanged = lastWanted.withLock { last in
            defer { last = wanted }
            return last == wanted
        }
        if unchanged { return }
        var placed: [IPAddress: (index: Int32, mac: [UInt8])] = [:]
        if !wanted.isEmpty {
            do {
                let (addresses, links) = try interfaces()
                for ip in wanted.keys { if let i = Self.interface(for: ip, addresses: addresses, links: links) { placed[ip] = i } }
            } catch {
                logger.warning("load-balancer addresses: cannot read this node's interfaces: \(error); retrying at the next sync")
                lastWanted.withLock { $0 = nil }
                return
            }
        }
        campaigns.withLock { running in
            for (ip, task) in running where placed[ip] == nil {
                task.cancel()
                running[ip] = nil
            }
            for (ip, link) in placed where running[ip] == nil {
                running[ip] = Task { [self] in await campaign(ip, interface: link.index, mac: link.mac, services: wanted[ip] ?? []) }
            }
        }
    }

    /// Stops every campaign (their Leases are released).
    public func stop() async {
        let tasks = campaigns.withLock { running in
            defer { running = [:] }
            return Array(running.values)
        }
        for t in tasks { t.cancel() }
        for t in tasks { await t.value }
    }

    func campaign(_ ip: IPAddress, interface: Int32, mac: [UInt8], services: [ServiceName]) async {
        var config = LeaderElectionConfiguration(identity: nodeName)
        config.name = Self.leaseName(ip)
        config.leaseDuration = leaseDuration
        config.renewDeadline = leaseDuration * 7 / 10
        config.retryPeriod = leaseDuration / 5
        let elector = LeaderElector(configuration: config, client: client, logger: logger)
        let names = services.map(\.description).joined(separator: ", ")
        await elector.run { [responder, logger] in
            do {
                try responder.hold(ip, interface: interface, mac: mac)
                logger.info("announcing load-balancer address \(ip) (\(names)) on interface \(interface)")
            } catch {
                logger.error("cannot announce \(ip): \(error)")
            }
            // Hold until the lease is lost or the address is no longer ours to serve.
            while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
            responder.release(ip)
            logger.info("stopped announcing load-balancer address \(ip)")
        }
    }
}
