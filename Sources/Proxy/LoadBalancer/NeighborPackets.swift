public import Netlink

/// The neighbour-discovery messages an address holder answers: ARP for
/// IPv4 (RFC 826) and ICMPv6 neighbour solicitations/advertisements for IPv6
/// (RFC 4861), as link-layer payloads (the Ethernet header is the packet
/// socket's business). Parsing takes untrusted bytes: it reads only within
/// the buffer and refuses anything it does not fully understand.
public enum NeighborPackets {
    public static let arpEthertype: UInt16 = 0x0806
    public static let ipv6Ethertype: UInt16 = 0x86DD
    public static let broadcastMAC: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]

    /// An ARP request or reply on Ethernet for IPv4.
    public struct ARP: Equatable, Sendable {
        public var isRequest: Bool
        public var senderMAC: [UInt8]
        public var senderIP: IPAddress
        public var targetMAC: [UInt8]
        public var targetIP: IPAddress

        public init(isRequest: Bool, senderMAC: [UInt8], senderIP: IPAddress, targetMAC: [UInt8], targetIP: IPAddress) {
            self.isRequest = isRequest
            self.senderMAC = senderMAC
            self.senderIP = senderIP
            self.targetMAC = targetMAC
            self.targetIP = targetIP
        }

        /// Parses an ARP packet (28 bytes or more, Ethernet/IPv4 only).
        public init?(bytes: [UInt8]) {
            guard bytes.count >= 28, bytes[0] == 0, bytes[1] == 1, bytes[2] == 0x08, bytes[3] == 0, bytes[4] == 6, bytes[5] == 4,
                  bytes[6] == 0, bytes[7] == 1 || bytes[7] == 2,
                  let spa = IPAddress(bytes: bytes[14..<18]), let tpa = IPAddress(bytes: bytes[24..<28]) else { return nil }
            self.init(isRequest: bytes[7] == 1, senderMAC: Array(bytes[8..<14]), senderIP: spa, targetMAC: Array(bytes[18..<24]), targetIP: tpa)
        }

        public var bytes: [UInt8] {
            [0, 1, 0x08, 0, 6, 4, 0, isRequest ? 1 : 2] + senderMAC + senderIP.bytes + targetMAC + targetIP.bytes
        }

        /// The reply that says `mac` has the address this request asks for.
        public func reply(mac: [UInt8]) -> ARP {
            ARP(isRequest: false, senderMAC: mac, senderIP: targetIP, targetMAC: senderMAC, targetIP: senderIP)
        }

        /// A gratuitous ARP announcing that `mac` now has `ip` (sent to broadcast).
        public static func gratuitous(ip: IPAddress, mac: [UInt8]) -> ARP {
            ARP(isRequest: true, senderMAC: mac, senderIP: ip, targetMAC: [0, 0, 0, 0, 0, 0], targetIP: ip)
        }
    }

    /// An IPv6 neighbour solicitation: who has `target`?
    public struct Solicitation: Equatable, Sendable {
        public var source: IPAddress
        public var target: IPAddress

        /// Parses an IPv6 packet carrying an ICMPv6 neighbour solicitation
        /// (hop limit 255, as RFC 4861 requires).
        public init?(ipv6 bytes: [UInt8]) {
            guard bytes.count >= 40 + 24, bytes[0] >> 4 == 6, bytes[6] == 58, bytes[7] == 255 else { return nil }
            let payloadLength = Int(bytes[4]) << 8 | Int(bytes[5])
            guard payloadLength >= 24, bytes.count >= 40 + payloadLength, bytes[40] == 135, bytes[41] == 0,
                  let source = IPAddress(bytes: bytes[8..<24]), let target = IPAddress(bytes: bytes[48..<64]) else { return nil }
            self.source = source
            self.target = target
        }
    }

    /// An IPv6 packet with a neighbour advertisement: `target` is at `mac`.
    /// Sent to `destination` (the solicitor, or all nodes when it is nil),
    /// solicited when it answers a solicitation.
    public static func advertisement(target: IPAddress, mac: [UInt8], destination: IPAddress?) -> [UInt8] {
        let dst = destination ?? allNodes
        let flags: UInt8 = destination == nil ? 0x20 : 0x60 // override, and solicited when answering one
        var icmp: [UInt8] = [136, 0, 0, 0, flags, 0, 0, 0] + target.bytes + [2, 1] + mac
        let sum = checksum(source: target, destination: dst, icmp: icmp)
        icmp[2] = UInt8(sum >> 8)
        icmp[3] = UInt8(sum & 0xff)
        let length = UInt16(icmp.count)
        return [0x60, 0, 0, 0, UInt8(length >> 8), UInt8(length & 0xff), 58, 255] + target.bytes + dst.bytes + icmp
    }

    /// The ICMPv6 checksum over the pseudo-header and the message.
    static func checksum(source: IPAddress, destination: IPAddress, icmp: [UInt8]) -> UInt16 {
        let length = UInt32(icmp.count)
        var data = source.bytes + destination.bytes
        data += [UInt8(length >> 24), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff), 0, 0, 0, 58]
        data += icmp
        if data.count % 2 == 1 { data.append(0) }
        var sum: UInt32 = 0
        for i in stride(from: 0, to: data.count, by: 2) { sum += UInt32(data[i]) << 8 | UInt32(data[i + 1]) }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// ff02::1, all nodes on the link.
    public static let allNodes = IPAddress.v6(0xff02_0000_0000_0000, 1)

    /// The solicited-node multicast MAC of `address` (33:33:ff:XX:XX:XX).
    public static func solicitedNodeMAC(_ address: IPAddress) -> [UInt8] {
        let b = address.bytes
        return [0x33, 0x33, 0xff, b[13], b[14], b[15]]
    }

    /// The Ethernet multicast MAC of an IPv6 multicast address (33:33 and its last four bytes).
    public static func multicastMAC(_ address: IPAddress) -> [UInt8] {
        let b = address.bytes
        return [0x33, 0x33, b[12], b[13], b[14], b[15]]
    }
}
