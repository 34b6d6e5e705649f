public import Netlink

/// Keys for the proxy's maps.
public enum NFTKey {
    /// `ipv4_addr . inet_proto . inet_service` (12 bytes).
    public static func addressProtocolPort(_ address: IPAddress, _ proto: UInt8, _ port: UInt16) -> [UInt8] {
        address.bytes + [proto, 0, 0, 0] + port.bigEndianBytes + [0, 0]
    }

    /// `inet_proto . inet_service` (8 bytes).
    public static func protocolPort(_ proto: UInt8, _ port: UInt16) -> [UInt8] {
        [proto, 0, 0, 0] + port.bigEndianBytes + [0, 0]
    }
}
