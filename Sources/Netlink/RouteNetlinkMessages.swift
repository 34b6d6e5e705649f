/// rtnetlink message types and attributes (linux/rtnetlink.h, if_link.h, if_addr.h).
public enum RTM {
    public static let newLink: UInt16 = 16, delLink: UInt16 = 17, getLink: UInt16 = 18, setLink: UInt16 = 19
    public static let newAddr: UInt16 = 20, delAddr: UInt16 = 21, getAddr: UInt16 = 22
    public static let newRoute: UInt16 = 24, delRoute: UInt16 = 25, getRoute: UInt16 = 26
}

enum IFLA {
    static let address: UInt16 = 1, ifname: UInt16 = 3, mtu: UInt16 = 4, link: UInt16 = 5, master: UInt16 = 10
    static let protinfo: UInt16 = 12, linkinfo: UInt16 = 18, netNSFD: UInt16 = 28
    static let infoKind: UInt16 = 1, infoData: UInt16 = 2
    static let vethPeer: UInt16 = 1
    static let brportMode: UInt16 = 4 // hairpin
}

enum IFA {
    static let address: UInt16 = 1, local: UInt16 = 2, broadcast: UInt16 = 4
}

enum RTA {
    static let dst: UInt16 = 1, oif: UInt16 = 4, gateway: UInt16 = 5, priority: UInt16 = 6, table: UInt16 = 15
}

/// The fixed headers of rtnetlink messages.
enum RouteHeaders {
    /// struct ifinfomsg (16 bytes).
    static func ifinfo(family: UInt8 = 0, index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> [UInt8] {
        [family, 0] + UInt16(0).littleEndianBytes + index.littleEndianBytes + flags.littleEndianBytes + change.littleEndianBytes
    }

    /// struct ifaddrmsg (8 bytes).
    static func ifaddr(family: UInt8, prefix: UInt8, scope: UInt8 = 0, index: Int32) -> [UInt8] {
        [family, prefix, 0, scope] + UInt32(bitPattern: index).littleEndianBytes
    }

    /// struct rtmsg (12 bytes).
    static func rtmsg(family: UInt8, dstLength: UInt8, table: UInt8 = 254, protocol proto: UInt8 = 3,
                      scope: UInt8 = 0, type: UInt8 = 1) -> [UInt8] {
        [family, dstLength, 0, 0, table, proto, scope, type] + UInt32(0).littleEndianBytes
    }
}

/// A network interface as rtnetlink reports it.
public struct LinkInfo: Sendable, Equatable {
    public var index: Int32
    public var name: String
    public var up: Bool
    public var mtu: UInt32
    public var master: Int32?
    public var kind: String?
    public var macAddress: [UInt8]

    public init(index: Int32, name: String, up: Bool, mtu: UInt32, master: Int32?, kind: String?, macAddress: [UInt8]) {
        self.index = index
        self.name = name
        self.up = up
        self.mtu = mtu
        self.master = master
        self.kind = kind
        self.macAddress = macAddress
    }
}

/// An address on an interface.
public struct AddressInfo: Sendable, Equatable {
    public var index: Int32
    public var address: IPAddress
    public var prefix: Int

    public init(index: Int32, address: IPAddress, prefix: Int) {
        self.index = index
        self.address = address
        self.prefix = prefix
    }
}

/// A route in the main table.
public struct RouteInfo: Sendable, Equatable {
    public var destination: CIDR?
    public var gateway: IPAddress?
    public var outputIndex: Int32?
}
