#if canImport(Glibc)
import Glibc
#endif
import CNetlinkShims

/// A netlink socket opened with libmnl, bound to the network namespace of the
/// thread that opened it (see ``NetworkNamespace/run(_:_:)`` to open one in
/// another namespace).
public final class MNLConnection: NetlinkConnection {
    public enum Bus: Int32, Sendable {
        case route = 0       // NETLINK_ROUTE
        case netfilter = 12  // NETLINK_NETFILTER
    }

    let socket: OpaquePointer
    let portID: UInt32
    var sequence: UInt32
    let bus: Bus
    /// The SO_SNDBUFFORCE value in force (the kernel doubles it).
    var sendBufferSize: Int32 = 8 << 20
    /// Where replies are received, made at the first request and kept: a
    /// zero-filled megabyte per request was 6% of the kubelet's CPU while it
    /// plumbed 100 pods. Left uninitialized, only the pages replies touch are
    /// ever backed by memory.
    var receiveBuffer: UnsafeMutableRawBufferPointer?
    static let receiveBufferSize = 1 << 20

    public init(_ bus: Bus) throws {
        guard let s = mnl_socket_open(bus.rawValue) else {
            let code = errno
            throw NetlinkError(errno: code, operation: "opening a netlink socket (\(bus))",
                               detail: code == EPROTONOSUPPORT ? "the kernel has no netlink family \(bus)" : nil)
        }
        guard mnl_socket_bind(s, 0, pid_t(0)) == 0 else {
            let code = errno
            mnl_socket_close(s)
            throw NetlinkError(errno: code, operation: "binding a netlink socket")
        }
        var on: Int32 = 1
        _ = mnl_socket_setsockopt(s, 11 /* NETLINK_EXT_ACK */, &on, socklen_t(MemoryLayout<Int32>.size))
        _ = mnl_socket_setsockopt(s, 12 /* NETLINK_GET_STRICT_CHK */, &on, socklen_t(MemoryLayout<Int32>.size))
        var size: Int32 = 8 << 20
        let fd = mnl_socket_get_fd(s)
        _ = setsockopt(fd, SOL_SOCKET, 33 /* SO_RCVBUFFORCE */, &size, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_SOCKET, 32 /* SO_SNDBUFFORCE */, &size, socklen_t(MemoryLayout<Int32>.size))
        socket = s
        portID = mnl_socket_get_portid(s)
        sequence = UInt32(truncatingIfNeeded: time(nil))
        self.bus = bus
    }

    deinit {
        mnl_socket_close(socket)
        receiveBuffer?.deallocate()
    }

    public func execute(_ messages: [NetlinkMessage]) throws -> [NetlinkReply] {
        let first = sequence &+ 1
        var bytes: [UInt8] = []
        bytes.reserveCapacity(messages.reduce(0) { $0 + 16 + $1.payload.count })
        var waiting: Set<UInt32> = []
        var dumps: Set<UInt32> = []
        for m in messages {
            sequence &+= 1
            m.serialize(into: &bytes, sequence: sequence, portID: 0)
            if m.flags.contains(.ack) { waiting.insert(sequence) }
            if m.flags.contains(.dump) && m.flags.contains(.request) { dumps.insert(sequence) }
        }
        let range = first...sequence
        /// The message a reply answers (sequence numbers wrap around).
        func summary(_ sequence: UInt32) -> String? {
            let index = Int(sequence &- first)
            return index < messages.count ? messages[index].summary : nil
        }
        // One write is one skb: a large nf_tables batch (a full sync of
        // thousands of Services) needs a send buffer at least as large.
        if bytes.count > Int(sendBufferSize) * 2 - 64, bytes.count < Int(Int32.max / 2) {
            var size = Int32(bytes.count)
            if setsockopt(mnl_socket_get_fd(socket), SOL_SOCKET, 32 /* SO_SNDBUFFORCE */, &size, socklen_t(MemoryLayout<Int32>.size)) == 0 {
                sendBufferSize = size
            }
        }
        let sent = bytes.withUnsafeBytes { mnl_socket_sendto(socket, $0.baseAddress, $0.count) }
        guard sent == bytes.count else {
            throw NetlinkError(errno: errno, operation: "sending \(messages.count) netlink message(s)",
                               detail: messages.first.map { "first: \($0.summary)" })
        }
        var replies: [NetlinkReply] = []
        let buffer = receiveBuffer ?? UnsafeMutableRawBufferPointer.allocate(byteCount: Self.receiveBufferSize, alignment: 16)
        receiveBuffer = buffer
        while !waiting.isEmpty || !dumps.isEmpty {
            let n = mnl_socket_recvfrom(socket, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw NetlinkError(errno: errno, operation: "receiving netlink replies")
            }
            for reply in NetlinkReply.parse(Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))) where range.contains(reply.sequence) {
                switch reply.type {
                case NetlinkReply.error:
                    let code = reply.payload.count >= 4 ? Int32(bitPattern: UInt32(littleEndianBytes: reply.payload, at: 0)) : 0
                    waiting.remove(reply.sequence)
                    dumps.remove(reply.sequence)
                    if code != 0 {
                        throw NetlinkError(errno: -code, operation: summary(reply.sequence) ?? "netlink request",
                                           detail: MNLConnection.extendedAckMessage(reply))
                    }
                case NetlinkReply.done:
                    dumps.remove(reply.sequence)
                    replies.append(reply)
                default:
                    replies.append(reply)
                }
            }
        }
        return replies
    }

    /// NLMSGERR_ATTR_MSG from an error reply carrying extended-ack attributes.
    static func extendedAckMessage(_ reply: NetlinkReply) -> String? {
        guard reply.flags & 0x200 != 0, reply.payload.count >= 20 else { return nil } // NLM_F_ACK_TLVS
        let capped = reply.flags & 0x100 != 0
        let original = capped ? 16 : Int(UInt32(littleEndianBytes: reply.payload, at: 4))
        let start = 4 + original
        guard start <= reply.payload.count else { return nil }
        let text = NetlinkAttributes(reply.payload.dropFirst(start))[1]?.string
        return text?.isEmpty == false ? text : nil
    }
}
