import Testing
@testable import Netlink

@Suite struct NetlinkMessageTests {
    func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format2($0)) }.joined(separator: " ") }
    func format2(_ b: UInt8) -> String { (b < 16 ? "0" : "") + String(b, radix: 16) }

    @Test func attributesArePaddedAndNestedLengthsFixed() {
        var m = NetlinkMessage(type: 16, flags: [.request, .ack, .create, .exclusive])
        m.append(RouteHeaders.ifinfo())
        m.attribute(IFLA.ifname, string: "br0")
        m.nested(IFLA.linkinfo) { $0.attribute(IFLA.infoKind, string: "bridge") }
        #expect(hex(m.serialized(sequence: 1)) == [
            "38 00 00 00 10 00 05 06 01 00 00 00 00 00 00 00",        // nlmsghdr: len 56, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1
            "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",        // ifinfomsg
            "08 00 03 00 62 72 30 00",                                // IFLA_IFNAME "br0"
            "10 00 12 00 0b 00 01 00 62 72 69 64 67 65 00 00",        // IFLA_LINKINFO { IFLA_INFO_KIND "bridge" }
        ].joined(separator: " "))
    }

    @Test func vethPairCarriesThePeerNamespace() throws {
        let fake = RecordingNetlinkConnection()
        try RouteNetlink(connection: fake).createVethPair("veth1", peerName: "eth0", peerNamespaceFD: 7, mtu: 1500)
        let bytes = fake.sentBytes[0]
        let reply = try #require(NetlinkReply.parse(bytes).first)
        #expect(reply.type == RTM.newLink)
        let info = try #require(reply.attributes(after: 16)[IFLA.linkinfo]?.nested)
        #expect(info[IFLA.infoKind]?.string == "veth")
        let peer = try #require(info[IFLA.infoData]?.nested[IFLA.vethPeer])
        let peerAttrs = NetlinkAttributes(peer.data.dropFirst(16))
        #expect(peerAttrs[IFLA.ifname]?.string == "eth0")
        #expect(peerAttrs[IFLA.netNSFD]?.u32 == 7)
        #expect(peerAttrs[IFLA.mtu]?.u32 == 1500)
        #expect(fake.sent[0][0].summary == "create veth pair veth1/eth0")
    }

    @Test func routeAndAddressMessages() throws {
        let fake = RecordingNetlinkConnection()
        let rt = RouteNetlink(connection: fake)
        try rt.addAddress(IPAddress("10.244.1.1")!, prefix: 24, to: 3)
        try rt.addRoute(to: nil, via: IPAddress("10.244.1.1"))
        try rt.addRoute(to: CIDR("10.244.2.0/24"), via: IPAddress("192.168.1.12"))
        let addr = NetlinkReply.parse(fake.sentBytes[0])[0]
        #expect(Array(addr.payload.prefix(8)) == [2, 24, 0, 0, 3, 0, 0, 0])
        #expect(addr.attributes(after: 8)[IFA.broadcast].map { Array($0.data) } == [10, 244, 1, 255])
        let defaultRoute = NetlinkReply.parse(fake.sentBytes[1])[0]
        #expect(Array(defaultRoute.payload.prefix(12)) == [2, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0])
        #expect(defaultRoute.attributes(after: 12)[RTA.dst] == nil)
        #expect(defaultRoute.attributes(after: 12)[RTA.gateway].map { Array($0.data) } == [10, 244, 1, 1])
        let podRoute = NetlinkReply.parse(fake.sentBytes[2])[0]
        #expect(podRoute.payload[podRoute.payload.startIndex + 1] == 24)
        #expect(podRoute.attributes(after: 12)[RTA.dst].map { Array($0.data) } == [10, 244, 2, 0])
        #expect(fake.sent[2][0].flags.contains([.create, .replace]))
    }

    @Test func parsesRepliesAndExtendedAck() {
        // An NLMSG_ERROR (-EEXIST) with a capped original header and an NLMSGERR_ATTR_MSG.
        var payload: [UInt8] = Int32(-17).littleEndianBytes
        payload += UInt32(16).littleEndianBytes + [UInt8](repeating: 0, count: 12)
        var attrs = NetlinkMessage(type: 0, flags: [])
        attrs.attribute(1, string: "File exists")
        payload += attrs.payload
        let bytes = UInt32(16 + payload.count).littleEndianBytes + UInt16(2).littleEndianBytes + UInt16(0x300).littleEndianBytes
            + UInt32(9).littleEndianBytes + UInt32(0).littleEndianBytes + payload
        let replies = NetlinkReply.parse(bytes + bytes)
        #expect(replies.count == 2)
        #expect(replies[0].type == NetlinkReply.error && replies[0].sequence == 9)
        #expect(MNLConnection.extendedAckMessage(replies[0]) == "File exists")
        #expect(NetlinkError(errno: 17, operation: "create bridge br0", detail: "File exists").description == "create bridge br0: already exists (File exists)")
    }
}

@Suite struct IPAddressTests {
    @Test(arguments: ["10.0.0.1", "255.255.255.255", "::", "::1", "fd00::1:2", "2001:db8::", "1:2:3:4:5:6:7:8", "::ffff:10.0.0.1"])
    func roundTrips(text: String) throws {
        let a = try #require(IPAddress(text))
        #expect(IPAddress(a.description) == a)
    }

    @Test(arguments: ["10.0.0", "10.0.0.256", "1::2::3", "x", "", "01234::", "1.2.3.4.5"])
    func rejects(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test func formatsIPv6Compressed() {
        #expect(IPAddress("fd00:0:0:0:0:0:0:1")?.description == "fd00::1")
        #expect(IPAddress("1:0:0:2:0:0:0:3")?.description == "1:0:0:2::3")
    }

    @Test func cidrs() throws {
        let c = try #require(CIDR("10.244.1.77/24"))
        #expect(c.description == "10.244.1.0/24")
        #expect(c.contains(IPAddress("10.244.1.200")!) && !c.contains(IPAddress("10.244.2.1")!))
        #expect(c.size == 256 && c.address(at: 1) == IPAddress("10.244.1.1"))
        #expect(CIDR("fd00::/64")?.contains(IPAddress("fd00::5")!) == true)
        #expect(CIDR("10.0.0.0/33") == nil)
    }
}
