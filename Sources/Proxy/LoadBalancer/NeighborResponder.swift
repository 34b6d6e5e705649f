import Foundation
public import Netlink
public import Logging
import Synchronization

/// Answers ARP and NDP for the addresses this node holds on behalf of
/// LoadBalancer Services (behind a protocol, so the speaker's decisions are
/// tested without raw sockets).
public protocol NeighborResponder: Sendable {
    /// Starts answering for `address` on interface `interface` with `mac`, and announces it (gratuitous ARP, unsolicited NA).
    func hold(_ address: IPAddress, interface: Int32, mac: [UInt8]) throws
    /// Stops answering for `address`.
    func release(_ address: IPAddress)
    /// The addresses held, sorted.
    var held: [IPAddress] { get }
}

/// The real responder: an AF_PACKET socket per interface and family, each
/// read by a thread of its own that answers requests for held addresses.
public final class PacketNeighborResponder: NeighborResponder {
    final class Listener: Sendable {
        let socket: PacketSocket
        let stopped = Mutex(false)
        init(socket: PacketSocket) { self.socket = socket }
        var isStopped: Bool { stopped.withLock { $0 } }
        func stop() { stopped.withLock { $0 = true } }
    }

    let logger: Logger
    /// Held address → (interface, MAC).
    let addresses = Mutex<[IPAddress: (interface: Int32, mac: [UInt8])]>([:])
    /// (interface, ethertype) → its listener.
    let listeners = Mutex<[String: Listener]>([:])

    public init(logger: Logger) { self.logger = logger }

    deinit {
        listeners.withLock { all in
            for l in all.values { l.stop() }
        }
    }

    public var held: [IPAddress] { addresses.withLock { Array($0.keys) }.sorted() }

    public func hold(_ address: IPAddress, interface: Int32, mac: [UInt8]) throws {
        let ethertype = address.isV4 ? NeighborPackets.arpEthertype : NeighborPackets.ipv6Ethertype
        let socket = try listener(interface: interface, ethertype: ethertype)
        if !address.isV4 { try socket.join(multicast: NeighborPackets.solicitedNodeMAC(address)) }
        addresses.withLock { $0[address] = (interface, mac) }
        // Tell the segment at once, as a failover must: neighbours update their caches.
        if address.isV4 {
            try socket.send(NeighborPackets.ARP.gratuitous(ip: address, mac: mac).bytes, to: NeighborPackets.broadcastMAC)
        } else {
            try socket.send(NeighborPackets.advertisement(target: address, mac: mac, destination: nil),
                            to: NeighborPackets.multicastMAC(NeighborPackets.allNodes))
        }
    }

    public func release(_ address: IPAddress) {
        addresses.withLock { $0[address] = nil }
    }

    /// The socket for (interface, ethertype), started on first use.
    func listener(interface: Int32, ethertype: UInt16) throws -> PacketSocket {
        let key = "\(interface)/\(ethertype)"
        if let existing = listeners.withLock({ $0[key] }) { return existing.socket }
        let socket = try PacketSocket(interfaceIndex: interface, ethertype: ethertype)
        let listener = Listener(socket: socket)
        let thread = Thread { [weak self] in
            while !listener.isStopped {
                guard let self else { return }
                do {
                    guard let (payload, source) = try socket.receive(timeoutMilliseconds: 500) else { continue }
                    self.answer(payload, from: source, socket: socket)
                } catch {
                    self.logger.warning("neighbour responder on interface \(interface): \(error)")
                    return
                }
            }
        }
        thread.name = "lb-neighbor-\(key)"
        listeners.withLock { $0[key] = listener }
        thread.start()
        return socket
    }

    func answer(_ payload: [UInt8], from source: [UInt8], socket: PacketSocket) {
        do {
            if socket.ethertype == NeighborPackets.arpEthertype {
                guard let request = NeighborPackets.ARP(bytes: payload), request.isRequest,
                      let holder = addresses.withLock({ $0[request.targetIP] }), holder.interface == socket.interfaceIndex,
                      request.senderIP != request.targetIP else { return }
                try socket.send(request.reply(mac: holder.mac).bytes, to: request.senderMAC)
            } else {
                guard let ns = NeighborPackets.Solicitation(ipv6: payload),
                      let holder = addresses.withLock({ $0[ns.target] }), holder.interface == socket.interfaceIndex else { return }
                let unspecified = ns.source == .v6(0, 0)
                let reply = NeighborPackets.advertisement(target: ns.target, mac: holder.mac, destination: unspecified ? nil : ns.source)
                try socket.send(reply, to: unspecified ? NeighborPackets.multicastMAC(NeighborPackets.allNodes) : source)
            }
        } catch {
            logger.debug("neighbour responder: \(error)")
        }
    }
}
