#if canImport(Glibc)
import Glibc
#endif
import CNetlinkShims

/// An AF_PACKET datagram socket on one interface for one ethertype: frames
/// arrive without their link header, with the sender's link-layer address;
/// sends name the destination's. Used to answer ARP and NDP for addresses
/// no interface holds (load-balancer addresses).
public final class PacketSocket: @unchecked Sendable {
    public let fd: Int32
    public let interfaceIndex: Int32
    public let ethertype: UInt16

    /// Opens and binds the socket; fails with the errno (EPERM without CAP_NET_RAW).
    public init(interfaceIndex: Int32, ethertype: UInt16) throws {
        let fd = swr_packet_open(interfaceIndex, ethertype)
        guard fd >= 0 else { throw NetlinkError(errno: errno, operation: "AF_PACKET socket", detail: "interface \(interfaceIndex)") }
        self.fd = fd
        self.interfaceIndex = interfaceIndex
        self.ethertype = ethertype
    }

    deinit { close(fd) }

    /// Receives frames sent to this link-layer multicast address too.
    public func join(multicast mac: [UInt8]) throws {
        guard mac.count == 6 else { return }
        guard swr_packet_add_multicast(fd, interfaceIndex, mac) == 0 else {
            throw NetlinkError(errno: errno, operation: "PACKET_ADD_MEMBERSHIP")
        }
    }

    /// Sends `payload` to `destination` (a 6-byte MAC).
    public func send(_ payload: [UInt8], to destination: [UInt8]) throws {
        guard destination.count == 6 else { return }
        let sent = payload.withUnsafeBytes { swr_packet_send(fd, interfaceIndex, ethertype, destination, $0.baseAddress, $0.count) }
        guard sent >= 0 else { throw NetlinkError(errno: errno, operation: "sendto (AF_PACKET)") }
    }

    /// Waits up to `timeoutMilliseconds` for a frame; nil on timeout.
    public func receive(timeoutMilliseconds: Int32) throws -> (payload: [UInt8], source: [UInt8])? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let ready = poll(&p, 1, timeoutMilliseconds)
        if ready < 0 {
            if errno == EINTR { return nil }
            throw NetlinkError(errno: errno, operation: "poll (AF_PACKET)")
        }
        guard ready > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 2048)
        var source = [UInt8](repeating: 0, count: 8)
        var type: Int32 = 0
        let n = buffer.withUnsafeMutableBytes { b in source.withUnsafeMutableBufferPointer { s in swr_packet_receive(fd, b.baseAddress, b.count, s.baseAddress, &type) } }
        guard n >= 0 else { throw NetlinkError(errno: errno, operation: "recvfrom (AF_PACKET)") }
        // PACKET_OUTGOING (4): our own frames looped back to the socket.
        if type == 4 { return nil }
        return (Array(buffer[0..<n]), Array(source[0..<6]))
    }
}
