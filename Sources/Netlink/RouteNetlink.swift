#if canImport(Glibc)
import Glibc
#endif
/// Interfaces, addresses and routes through rtnetlink: what `ip link`,
/// `ip addr` and `ip route` do, without shelling out. One value per network
/// namespace (its connection was opened there).
public struct RouteNetlink {
    public let connection: any NetlinkConnection

    public init(connection: any NetlinkConnection) {
        self.connection = connection
    }

    /// rtnetlink in the namespace at `path` (nil: the caller's).
    public static func open(namespace path: String? = nil) throws -> RouteNetlink {
        let c = try path.map { try NetworkNamespace.connection(.route, in: $0) } ?? MNLConnection(.route)
        return RouteNetlink(connection: c)
    }

    static let create: NetlinkFlags = [.request, .ack, .create, .exclusive]
    static let change: NetlinkFlags = [.request, .ack]

    // MARK: - Links

    /// Creates a bridge (`ip link add NAME type bridge`).
    public func createBridge(_ name: String, mtu: UInt32? = nil) throws {
        var m = NetlinkMessage(type: RTM.newLink, flags: Self.create, summary: "create bridge \(name)")
        m.append(RouteHeaders.ifinfo())
        m.attribute(IFLA.ifname, string: name)
        if let mtu { m.attribute(IFLA.mtu, u32: mtu) }
        m.nested(IFLA.linkinfo) { $0.attribute(IFLA.infoKind, string: "bridge") }
        try connection.execute(m)
    }

    /// Creates a veth pair: `name` here, `peerName` in the namespace open at
    /// `peerNamespaceFD` (or here when nil).
    public func createVethPair(_ name: String, peerName: String, peerNamespaceFD: Int32?, mtu: UInt32? = nil) throws {
        var m = NetlinkMessage(type: RTM.newLink, flags: Self.create, summary: "create veth pair \(name)/\(peerName)")
        m.append(RouteHeaders.ifinfo())
        m.attribute(IFLA.ifname, string: name)
        if let mtu { m.attribute(IFLA.mtu, u32: mtu) }
        m.nested(IFLA.linkinfo) { info in
            info.attribute(IFLA.infoKind, string: "veth")
            info.nested(IFLA.infoData) { data in
                data.nested(IFLA.vethPeer) { peer in
                    peer.append(RouteHeaders.ifinfo())
                    peer.attribute(IFLA.ifname, string: peerName)
                    if let mtu { peer.attribute(IFLA.mtu, u32: mtu) }
                    if let fd = peerNamespaceFD { peer.attribute(IFLA.netNSFD, u32: UInt32(bitPattern: fd)) }
                }
            }
        }
        try connection.execute(m)
    }

    /// Sets a link up or down.
    public func setUp(_ index: Int32, _ up: Bool = true) throws {
        var m = NetlinkMessage(type: RTM.newLink, flags: Self.change, summary: "set link \(index) \(up ? "up" : "down")")
        m.append(RouteHeaders.ifinfo(index: index, flags: up ? 1 : 0, change: 1)) // IFF_UP
        try connection.execute(m)
    }

    /// Enslaves a link to a bridge (`ip link set dev X master BR`).
    public func setMaster(_ index: Int32, master: Int32) throws {
        var m = NetlinkMessage(type: RTM.newLink, flags: Self.change, summary: "set link \(index) master \(master)")
        m.append(RouteHeaders.ifinfo(index: index))
        m.attribute(IFLA.master, u32: UInt32(bitPattern: master))
        try connection.execute(m)
    }

    public func setMTU(_ index: Int32, _ mtu: UInt32) throws {
        var m = NetlinkMessage(type: RTM.newLink, flags: Self.change, summary: "set link \(index) mtu \(mtu)")
        m.append(RouteHeaders.ifinfo(index: index))
        m.attribute(IFLA.mtu, u32: mtu)
        try connection.execute(m)
    }

    /// Hairpin mode on a bridge port: traffic may leave by the port it came in
    /// (a pod reaching itself through a Service VIP).
    public func setHairpin(_ index: Int32, _ on: Bool) throws {
        var m = NetlinkMessage(type: RTM.setLink, flags: Self.change, summary: "set bridge port \(index) hairpin \(on)")
        m.append(RouteHeaders.ifinfo(family: 7, index: index)) // AF_BRIDGE
        m.nested(IFLA.protinfo, flagNested: true) { $0.attribute(IFLA.brportMode, u8: on ? 1 : 0) }
        try connection.execute(m)
    }

    /// Deletes a link (a veth pair goes with either end).
    public func deleteLink(_ index: Int32) throws {
        var m = NetlinkMessage(type: RTM.delLink, flags: Self.change, summary: "delete link \(index)")
        m.append(RouteHeaders.ifinfo(index: index))
        try connection.execute(m)
    }

    /// The link named `name`, or nil.
    public func link(named name: String) throws -> LinkInfo? {
        var m = NetlinkMessage(type: RTM.getLink, flags: [.request], summary: "get link \(name)")
        m.append(RouteHeaders.ifinfo())
        m.attribute(IFLA.ifname, string: name)
        m.flags.insert(.ack)
        do {
            return try connection.execute(m).compactMap(RouteNetlink.parseLink).first
        } catch let error as NetlinkError where error.errno == ENODEV || error.errno == ENOENT {
            return nil
        }
    }

    /// Every link in the namespace.
    public func links() throws -> [LinkInfo] {
        var m = NetlinkMessage(type: RTM.getLink, flags: [.request, .dump], summary: "list links")
        m.append(RouteHeaders.ifinfo())
        return try connection.execute(m).compactMap(RouteNetlink.parseLink)
    }

    static func parseLink(_ reply: NetlinkReply) -> LinkInfo? {
        guard reply.type == RTM.newLink, reply.payload.count >= 16 else { return nil }
        let index = Int32(littleEndianBytes: reply.payload, at: 4)
        let flags = UInt32(littleEndianBytes: reply.payload, at: 8)
        let attrs = reply.attributes(after: 16)
        return LinkInfo(
            index: index, name: attrs[IFLA.ifname]?.string ?? "", up: flags & 1 != 0, mtu: attrs[IFLA.mtu]?.u32 ?? 0,
            master: attrs[IFLA.master].map { Int32(bitPattern: $0.u32) },
            kind: attrs[IFLA.linkinfo]?.nested[IFLA.infoKind]?.string,
            macAddress: attrs[IFLA.address].map { Array($0.data) } ?? [])
    }

    // MARK: - Addresses

    /// Adds `address/prefix` to a link (`ip addr add`). An existing identical address is fine.
    public func addAddress(_ address: IPAddress, prefix: Int, to index: Int32) throws {
        var m = NetlinkMessage(type: RTM.newAddr, flags: [.request, .ack, .create, .replace], summary: "add address \(address)/\(prefix) to link \(index)")
        m.append(RouteHeaders.ifaddr(family: address.family, prefix: UInt8(prefix), index: index))
        m.attribute(IFA.local, address.bytes)
        m.attribute(IFA.address, address.bytes)
        if case .v4 = address, prefix < 31 {
            let block = CIDR(address: address, prefix: prefix)
            m.attribute(IFA.broadcast, block.address(at: block.size - 1).bytes)
        }
        try connection.execute(m)
    }

    /// Every address in the namespace.
    public func addresses() throws -> [AddressInfo] {
        var m = NetlinkMessage(type: RTM.getAddr, flags: [.request, .dump], summary: "list addresses")
        m.append(RouteHeaders.ifaddr(family: 0, prefix: 0, index: 0))
        return try connection.execute(m).compactMap { reply in
            guard reply.type == RTM.newAddr, reply.payload.count >= 8 else { return nil }
            let attrs = reply.attributes(after: 8)
            guard let raw = attrs[IFA.local] ?? attrs[IFA.address], let address = IPAddress(bytes: raw.data) else { return nil }
            return AddressInfo(index: Int32(bitPattern: UInt32(littleEndianBytes: reply.payload, at: 4)), address: address, prefix: Int(reply.payload[reply.payload.startIndex + 1]))
        }
    }

    // MARK: - Routes

    /// Adds (or replaces) a route: to `destination` (nil: default route) via
    /// `gateway` and/or out of link `outputIndex`.
    public func addRoute(to destination: CIDR?, via gateway: IPAddress? = nil, device outputIndex: Int32? = nil) throws {
        try route(RTM.newRoute, [.request, .ack, .create, .replace], destination, gateway, outputIndex)
    }

    public func deleteRoute(to destination: CIDR?, via gateway: IPAddress? = nil, device outputIndex: Int32? = nil) throws {
        try route(RTM.delRoute, [.request, .ack], destination, gateway, outputIndex)
    }

    func route(_ type: UInt16, _ flags: NetlinkFlags, _ destination: CIDR?, _ gateway: IPAddress?, _ outputIndex: Int32?) throws {
        let family = destination?.network.family ?? gateway?.family ?? 2
        let verb = type == RTM.newRoute ? "add" : "delete"
        var m = NetlinkMessage(type: type, flags: flags, summary: "\(verb) route \(destination?.description ?? "default")\(gateway.map { " via \($0)" } ?? "")\(outputIndex.map { " dev \($0)" } ?? "")")
        let scope: UInt8 = gateway == nil && outputIndex != nil ? 253 : 0 // RT_SCOPE_LINK for on-link routes
        m.append(RouteHeaders.rtmsg(family: family, dstLength: UInt8(destination?.prefix ?? 0), scope: scope))
        if let destination, destination.prefix > 0 { m.attribute(RTA.dst, destination.network.bytes) }
        if let gateway { m.attribute(RTA.gateway, gateway.bytes) }
        if let outputIndex { m.attribute(RTA.oif, u32: UInt32(bitPattern: outputIndex)) }
        try connection.execute(m)
    }

    /// The routes of the main table.
    public func routes() throws -> [RouteInfo] {
        var m = NetlinkMessage(type: RTM.getRoute, flags: [.request, .dump], summary: "list routes")
        m.append(RouteHeaders.rtmsg(family: 0, dstLength: 0, table: 0, protocol: 0, type: 0))
        return try connection.execute(m).compactMap { reply in
            guard reply.type == RTM.newRoute, reply.payload.count >= 12 else { return nil }
            let p = reply.payload
            let table = p[p.startIndex + 4]
            let attrs = reply.attributes(after: 12)
            let tableID = attrs[RTA.table]?.u32 ?? UInt32(table)
            guard tableID == 254 else { return nil }
            let length = Int(p[p.startIndex + 1])
            let dst = attrs[RTA.dst].flatMap { IPAddress(bytes: $0.data) }.map { CIDR(address: $0, prefix: length) }
            return RouteInfo(destination: length == 0 ? nil : dst, gateway: attrs[RTA.gateway].flatMap { IPAddress(bytes: $0.data) },
                             outputIndex: attrs[RTA.oif].map { Int32(bitPattern: $0.u32) })
        }
    }
}
