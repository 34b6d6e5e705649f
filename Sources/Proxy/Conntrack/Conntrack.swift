#if canImport(Glibc)
import Glibc
#endif
import Netfilter
public import Netlink

/// One conntrack entry: the original direction and the reply direction
/// (after DNAT the reply comes from the endpoint).
public struct ConntrackEntry: Hashable, Sendable {
    public struct Tuple: Hashable, Sendable {
        public var source: IPAddress
        public var destination: IPAddress
        public var sourcePort: UInt16
        public var destinationPort: UInt16
        public init(source: IPAddress, destination: IPAddress, sourcePort: UInt16, destinationPort: UInt16) {
            self.source = source
            self.destination = destination
            self.sourcePort = sourcePort
            self.destinationPort = destinationPort
        }
    }
    public var proto: L4Protocol
    public var original: Tuple
    public var reply: Tuple
    /// Whether a packet was seen in the reply direction (`IPS_SEEN_REPLY`;
    /// `conntrack -L` marks entries without one `[UNREPLIED]`). An entry
    /// read without a status counts as answered.
    public var replied: Bool

    public init(proto: L4Protocol, original: Tuple, reply: Tuple, replied: Bool = true) {
        self.proto = proto
        self.original = original
        self.reply = reply
        self.replied = replied
    }

    /// Whether the connection was DNATed (its replies come from elsewhere).
    public var isDNATed: Bool { reply.source != original.destination || reply.sourcePort != original.destinationPort }
}

/// Reads and deletes conntrack entries over ctnetlink (NFNL_SUBSYS_CTNETLINK),
/// on the same kind of netfilter netlink connection as nf_tables.
public struct Conntrack {
    public let connection: any NetlinkConnection

    public init(connection: any NetlinkConnection) { self.connection = connection }

    enum MessageType: UInt16 { case new = 0, get = 1, delete = 2 }
    enum Attr { static let tupleOriginal: UInt16 = 1, tupleReply: UInt16 = 2, status: UInt16 = 3 }
    /// IPS_SEEN_REPLY of CTA_STATUS (a big-endian u32).
    static let seenReply: UInt32 = 1 << 1
    enum TupleAttr { static let ip: UInt16 = 1, proto: UInt16 = 2 }
    enum IPAttr { static let v4Source: UInt16 = 1, v4Destination: UInt16 = 2, v6Source: UInt16 = 3, v6Destination: UInt16 = 4 }
    enum ProtoAttr { static let number: UInt16 = 1, sourcePort: UInt16 = 2, destinationPort: UInt16 = 3 }

    static func type(_ t: MessageType) -> UInt16 { NFT.conntrackSubsystem << 8 | t.rawValue }

    /// A dump request for every entry of `family`.
    public static func dumpRequest(family: IPFamily) -> NetlinkMessage {
        var m = NetlinkMessage(type: type(.get), flags: [.request, .dump], summary: "list conntrack entries (\(family.rawValue))")
        m.append([family.nftFamily.rawValue, 0, 0, 0])
        return m
    }

    /// A request deleting the entry whose original tuple is `entry.original`.
    public static func deleteRequest(_ entry: ConntrackEntry) -> NetlinkMessage {
        let o = entry.original
        var m = NetlinkMessage(type: type(.delete), flags: [.request, .ack],
                               summary: "delete conntrack entry \(entry.proto.rawValue) \(o.source):\(o.sourcePort) -> \(o.destination):\(o.destinationPort)")
        m.append([o.source.isV4 ? 2 : 10, 0, 0, 0])
        m.nested(Attr.tupleOriginal, flagNested: true) { t in
            t.nested(TupleAttr.ip, flagNested: true) { ip in
                ip.attribute(o.source.isV4 ? IPAttr.v4Source : IPAttr.v6Source, o.source.bytes)
                ip.attribute(o.source.isV4 ? IPAttr.v4Destination : IPAttr.v6Destination, o.destination.bytes)
            }
            t.nested(TupleAttr.proto, flagNested: true) { p in
                p.attribute(ProtoAttr.number, u8: entry.proto.number)
                p.attribute(ProtoAttr.sourcePort, o.sourcePort.bigEndianBytes)
                p.attribute(ProtoAttr.destinationPort, o.destinationPort.bigEndianBytes)
            }
        }
        return m
    }

    /// Parses an IPCTNL_MSG_CT_NEW message of a dump (nil for protocols the proxy does not serve).
    public static func parse(_ reply: NetlinkReply) -> ConntrackEntry? {
        guard reply.type == type(.new) else { return nil }
        let a = reply.attributes(after: 4)
        guard let original = a[Attr.tupleOriginal].flatMap({ tuple($0.nested) }),
              let replyTuple = a[Attr.tupleReply].flatMap({ tuple($0.nested) }),
              original.proto == replyTuple.proto else { return nil }
        let replied = a[Attr.status].map { $0.data.count == 4 ? UInt32(bigEndianBytes: $0.data, at: 0) & seenReply != 0 : true } ?? true
        return ConntrackEntry(proto: original.proto, original: original.tuple, reply: replyTuple.tuple, replied: replied)
    }

    static func tuple(_ a: NetlinkAttributes) -> (proto: L4Protocol, tuple: ConntrackEntry.Tuple)? {
        guard let ip = a[TupleAttr.ip]?.nested, let proto = a[TupleAttr.proto]?.nested,
              let p = proto[ProtoAttr.number].flatMap({ L4Protocol(number: $0.u8) }) else { return nil }
        let source = (ip[IPAttr.v4Source] ?? ip[IPAttr.v6Source]).flatMap { IPAddress(bytes: $0.data) }
        let destination = (ip[IPAttr.v4Destination] ?? ip[IPAttr.v6Destination]).flatMap { IPAddress(bytes: $0.data) }
        guard let source, let destination,
              let sp = proto[ProtoAttr.sourcePort], sp.data.count == 2,
              let dp = proto[ProtoAttr.destinationPort], dp.data.count == 2 else { return nil }
        return (p, .init(source: source, destination: destination, sourcePort: UInt16(bigEndianBytes: sp.data, at: 0),
                         destinationPort: UInt16(bigEndianBytes: dp.data, at: 0)))
    }

    /// Every TCP/UDP/SCTP entry of `family`.
    public func entries(family: IPFamily) throws -> [ConntrackEntry] {
        try connection.execute(Conntrack.dumpRequest(family: family)).compactMap(Conntrack.parse)
    }

    /// Deletes entries; ones already gone are not an error. Returns how many were deleted.
    @discardableResult
    public func delete(_ entries: [ConntrackEntry]) throws -> Int {
        var deleted = 0
        for e in entries {
            do {
                try connection.execute(Conntrack.deleteRequest(e))
                deleted += 1
            } catch let error as NetlinkError where error.errno == ENOENT {
                continue
            }
        }
        return deleted
    }
}
