import ClusterDNS
import Netfilter
import Netlink
import Proxy
import Streaming

extension FuzzTarget {
    /// A DNS query as a pod sends it (UDP or TCP), decoded and encoded back.
    static let dnsMessage = FuzzTarget("dns", "DNS messages (cluster-dns)", seeds: [
        // A query for kubernetes.default.svc.cluster.local, A, with EDNS.
        [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01]
            + label("kubernetes") + label("default") + label("svc") + label("cluster") + label("local") + [0]
            + [0x00, 0x01, 0x00, 0x01]
            + [0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
    ]) { bytes in
        let message = try DNSMessage(decoding: bytes)
        _ = message.encode()
    }

    /// SPDY/3.1 frames of `kubectl exec` and `port-forward` (the kubelet's streaming server).
    static let spdyFrames = FuzzTarget("spdy", "SPDY/3.1 frames (exec, attach, port-forward)", seeds: [
        // SETTINGS with no entries, then a PING.
        [0x80, 0x03, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00,
         0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x01],
    ]) { bytes in
        let framer = try SPDYFramer(maxFrameSize: 1 << 20)
        framer.append(bytes)
        for _ in 0..<1024 { guard try framer.nextFrame() != nil else { return } }
    }

    /// Websocket frames of the exec/attach/port-forward websocket protocols.
    static let webSocketFrames = FuzzTarget("websocket", "websocket frames (exec, attach, port-forward)", seeds: [
        // A masked binary frame "\u{0}ls" and a masked close.
        [0x82, 0x83, 0x01, 0x02, 0x03, 0x04, 0x01, 0x6e, 0x70, 0x88, 0x80, 0x01, 0x02, 0x03, 0x04],
    ]) { bytes in
        var parser = WebSocketParser(requireMask: true, maxMessageSize: 1 << 20)
        parser.append(bytes)
        for _ in 0..<1024 { guard try parser.nextMessage() != nil else { return } }
    }

    /// Netlink replies from the kernel: the messages, their attributes two
    /// levels deep, and nf_tables rule expressions.
    static let netlinkReplies = FuzzTarget("netlink", "netlink replies (rtnetlink, nf_tables)", seeds: [
        // One NLMSG_ERROR with errno 0 (an ack).
        [36, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0] + [0, 0, 0, 0] + [16, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
        // A nested attribute list of one "immediate" expression.
        [40, 0, 0, 0, 6, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0]
            + [20, 0, 4, 0x80, 16, 0, 1, 0x80, 14, 0, 1, 0] + Array("immediate".utf8) + [0, 0, 0],
    ]) { bytes in
        for reply in NetlinkReply.parse(bytes) {
            for attribute in reply.attributes(after: 4) {
                _ = attribute.string
                _ = (attribute.u8, attribute.u16, attribute.u32, attribute.be32, attribute.be64)
                _ = NFTExpression.decodeList(attribute.nested)
                for inner in attribute.nested { _ = inner.nested.map(\.type) }
            }
        }
    }

    /// A DNS label: its length, then its bytes.
    static func label(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }
}

extension FuzzTarget {
    /// ARP requests and IPv6 neighbour solicitations off the wire (the
    /// load-balancer address speaker answers them).
    static let neighborPackets = FuzzTarget("neighbor", "ARP and NDP packets (load-balancer address speaker)", seeds: [
        // who-has 10.99.0.100 tell 10.99.0.1
        [0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 1, 10, 99, 0, 1, 0, 0, 0, 0, 0, 0, 10, 99, 0, 100],
    ]) { bytes in
        if let arp = NeighborPackets.ARP(bytes: bytes) { _ = arp.reply(mac: [2, 0, 0, 0, 0, 1]).bytes }
        if let ns = NeighborPackets.Solicitation(ipv6: bytes) {
            _ = NeighborPackets.advertisement(target: ns.target, mac: [2, 0, 0, 0, 0, 1], destination: ns.source)
        }
    }
}
