public import Netlink

/// One nf_tables expression of a rule, with the attributes the kernel
/// expects. Numbers the kernel treats as network-order data (addresses,
/// ports) are passed as bytes; host-order data (marks, meta values) as such.
public enum NFTExpression: Sendable, Equatable {
    public enum PayloadBase: UInt32, Sendable { case link = 0, network = 1, transport = 2 }
    public enum MetaKey: UInt32, Sendable { case length = 0, `protocol` = 1, mark = 3, iif = 4, oif = 5, iifname = 6, oifname = 7, nfproto = 15, l4proto = 16 }
    public enum CmpOp: UInt32, Sendable { case eq = 0, neq = 1, lt = 2, lte = 3, gt = 4, gte = 5 }
    public enum NATType: UInt32, Sendable { case snat = 0, dnat = 1 }
    public enum RejectType: UInt32, Sendable { case icmpUnreachable = 0, tcpReset = 1, icmpxUnreachable = 2 }

    /// Load `length` bytes at `offset` of a header into `register`.
    case payload(base: PayloadBase, offset: UInt32, length: UInt32, into: UInt32)
    /// Load a meta key into `register`.
    case meta(MetaKey, into: UInt32)
    /// Set a meta key from `register`.
    case setMeta(MetaKey, from: UInt32)
    /// Compare `register` with data.
    case cmp(UInt32, CmpOp, [UInt8])
    /// `from <= register <= to` (nft_range, `th dport 8000-8100`), comparing
    /// the bytes as network-order numbers.
    case range(UInt32, from: [UInt8], to: [UInt8])
    /// `register = (register & mask) ^ xor` over `length` bytes.
    case bitwise(source: UInt32, destination: UInt32, length: UInt32, mask: [UInt8], xor: [UInt8])
    /// Look the key in `register` up in a set (by name, or by id within the batch);
    /// with `verdict`, the result goes to the verdict register (a vmap).
    case lookup(set: String, setID: UInt32?, from: UInt32, verdict: Bool, invert: Bool)
    /// Look the key in `from` up in a data map and load the element's value into `into`.
    case mapLookup(set: String, from: UInt32, into: UInt32)
    /// Load data into a register.
    case immediate(UInt32, [UInt8])
    /// A verdict (accept, drop, jump/goto CHAIN, return).
    case verdict(NFT.VerdictCode, chain: String?)
    /// DNAT/SNAT to the address (and port) in registers.
    case nat(NATType, family: NFT.Family, addressRegister: UInt32, portRegister: UInt32?)
    /// Masquerade; `fullyRandom` sets NF_NAT_RANGE_PROTO_RANDOM_FULLY.
    case masquerade(fullyRandom: Bool)
    /// `numgen random mod modulus` into a register.
    case numgenRandom(modulus: UInt32, into: UInt32)
    /// conntrack state bits into a register.
    case ctState(into: UInt32)
    /// The original direction's destination address of the connection
    /// (`ct original ip daddr`, `ct original ip6 daddr`) into a register.
    case ctOriginalDestination(ipv6: Bool, into: UInt32)
    /// `fib daddr type` into a register (compare with RTN_LOCAL = 2).
    case fibDestinationAddressType(into: UInt32)
    /// `fib saddr type` into a register (compare with RTN_LOCAL = 2).
    case fibSourceAddressType(into: UInt32)
    /// `update @set { KEY }`: adds the key in `keyRegister` to a dynamic set
    /// or refreshes its timeout.
    case dynsetUpdate(set: String, setID: UInt32?, keyRegister: UInt32)
    case counter
    case reject(RejectType, code: UInt8)

    var name: StaticString {
        switch self {
        case .payload: return "payload"
        case .meta, .setMeta: return "meta"
        case .cmp: return "cmp"
        case .range: return "range"
        case .bitwise: return "bitwise"
        case .lookup, .mapLookup: return "lookup"
        case .immediate, .verdict: return "immediate"
        case .nat: return "nat"
        case .masquerade: return "masq"
        case .numgenRandom: return "numgen"
        case .ctState, .ctOriginalDestination: return "ct"
        case .fibDestinationAddressType, .fibSourceAddressType: return "fib"
        case .dynsetUpdate: return "dynset"
        case .counter: return "counter"
        case .reject: return "reject"
        }
    }

    /// Appends NFTA_LIST_ELEM { NFTA_EXPR_NAME, NFTA_EXPR_DATA { … } }.
    public func encode(into m: inout NetlinkMessage) {
        m.nested(NFT.ListAttr.element, flagNested: true) { e in
            e.attribute(NFT.ExprAttr.name, string: name)
            e.nested(NFT.ExprAttr.data, flagNested: true) { d in encodeData(into: &d) }
        }
    }

    static func data(_ bytes: [UInt8], into m: inout NetlinkMessage, _ type: UInt16) {
        m.nested(type, flagNested: true) { $0.attribute(NFT.DataAttr.value, bytes) }
    }

    func encodeData(into d: inout NetlinkMessage) {
        switch self {
        case .payload(let base, let offset, let length, let register):
            d.attribute(1, be32: register)      // NFTA_PAYLOAD_DREG
            d.attribute(2, be32: base.rawValue) // NFTA_PAYLOAD_BASE
            d.attribute(3, be32: offset)        // NFTA_PAYLOAD_OFFSET
            d.attribute(4, be32: length)        // NFTA_PAYLOAD_LEN
        case .meta(let key, let register):
            d.attribute(2, be32: key.rawValue)  // NFTA_META_KEY
            d.attribute(1, be32: register)      // NFTA_META_DREG
        case .setMeta(let key, let register):
            d.attribute(2, be32: key.rawValue)  // NFTA_META_KEY
            d.attribute(3, be32: register)      // NFTA_META_SREG
        case .cmp(let register, let op, let data):
            d.attribute(1, be32: register)      // NFTA_CMP_SREG
            d.attribute(2, be32: op.rawValue)   // NFTA_CMP_OP
            NFTExpression.data(data, into: &d, 3) // NFTA_CMP_DATA
        case .range(let register, let from, let to):
            d.attribute(1, be32: register)      // NFTA_RANGE_SREG
            d.attribute(2, be32: 0)             // NFTA_RANGE_OP: NFT_RANGE_EQ
            NFTExpression.data(from, into: &d, 3) // NFTA_RANGE_FROM_DATA
            NFTExpression.data(to, into: &d, 4)   // NFTA_RANGE_TO_DATA
        case .bitwise(let source, let destination, let length, let mask, let xor):
            d.attribute(1, be32: source)        // NFTA_BITWISE_SREG
            d.attribute(2, be32: destination)   // NFTA_BITWISE_DREG
            d.attribute(6, be32: 0)             // NFTA_BITWISE_OP: NFT_BITWISE_BOOL
            d.attribute(3, be32: length)        // NFTA_BITWISE_LEN
            NFTExpression.data(mask, into: &d, 4) // NFTA_BITWISE_MASK
            NFTExpression.data(xor, into: &d, 5)  // NFTA_BITWISE_XOR
        case .lookup(let set, let setID, let register, let verdict, let invert):
            d.attribute(2, be32: register)      // NFTA_LOOKUP_SREG
            if verdict { d.attribute(3, be32: NFT.Register.verdict) } // NFTA_LOOKUP_DREG
            d.attribute(1, string: set)         // NFTA_LOOKUP_SET
            if let setID { d.attribute(4, be32: setID) } // NFTA_LOOKUP_SET_ID
            if invert { d.attribute(5, be32: 1) }        // NFTA_LOOKUP_FLAGS: NFT_LOOKUP_F_INV
        case .mapLookup(let set, let register, let destination):
            d.attribute(2, be32: register)      // NFTA_LOOKUP_SREG
            d.attribute(3, be32: destination)   // NFTA_LOOKUP_DREG
            d.attribute(1, string: set)         // NFTA_LOOKUP_SET
        case .immediate(let register, let data):
            d.attribute(1, be32: register)      // NFTA_IMMEDIATE_DREG
            NFTExpression.data(data, into: &d, 2)
        case .verdict(let code, let chain):
            d.attribute(1, be32: NFT.Register.verdict)
            d.nested(2, flagNested: true) { data in
                NFTExpression.encodeVerdict(code, chain: chain, into: &data)
            }
        case .nat(let type, let family, let address, let port):
            d.attribute(1, be32: type.rawValue)          // NFTA_NAT_TYPE
            d.attribute(2, be32: UInt32(family.rawValue)) // NFTA_NAT_FAMILY
            d.attribute(3, be32: address)                // NFTA_NAT_REG_ADDR_MIN
            if let port {
                d.attribute(5, be32: port)               // NFTA_NAT_REG_PROTO_MIN
                d.attribute(7, be32: 0x2)                // NFTA_NAT_FLAGS: NF_NAT_RANGE_PROTO_SPECIFIED
            }
        case .masquerade(let fullyRandom):
            if fullyRandom { d.attribute(1, be32: 0x10) } // NFTA_MASQ_FLAGS: NF_NAT_RANGE_PROTO_RANDOM_FULLY
        case .numgenRandom(let modulus, let register):
            d.attribute(1, be32: register)      // NFTA_NG_DREG
            d.attribute(2, be32: modulus)       // NFTA_NG_MODULUS
            d.attribute(3, be32: 1)             // NFTA_NG_TYPE: NFT_NG_RANDOM
            d.attribute(4, be32: 0)             // NFTA_NG_OFFSET
        case .ctState(let register):
            d.attribute(2, be32: 0)             // NFTA_CT_KEY: NFT_CT_STATE
            d.attribute(1, be32: register)      // NFTA_CT_DREG
        case .ctOriginalDestination(let ipv6, let register):
            d.attribute(2, be32: ipv6 ? 22 : 20) // NFTA_CT_KEY: NFT_CT_DST_IP6 / NFT_CT_DST_IP
            d.attribute(1, be32: register)      // NFTA_CT_DREG
            d.attribute(3, u8: 0)               // NFTA_CT_DIRECTION: IP_CT_DIR_ORIGINAL
        case .fibDestinationAddressType(let register):
            d.attribute(3, be32: 0x2)           // NFTA_FIB_FLAGS: NFTA_FIB_F_DADDR
            d.attribute(2, be32: 3)             // NFTA_FIB_RESULT: NFT_FIB_RESULT_ADDRTYPE
            d.attribute(1, be32: register)      // NFTA_FIB_DREG
        case .fibSourceAddressType(let register):
            d.attribute(3, be32: 0x1)           // NFTA_FIB_FLAGS: NFTA_FIB_F_SADDR
            d.attribute(2, be32: 3)             // NFTA_FIB_RESULT: NFT_FIB_RESULT_ADDRTYPE
            d.attribute(1, be32: register)      // NFTA_FIB_DREG
        case .dynsetUpdate(let set, let setID, let register):
            d.attribute(NFT.DynsetAttr.setName, string: set)
            if let setID { d.attribute(NFT.DynsetAttr.setID, be32: setID) }
            d.attribute(NFT.DynsetAttr.op, be32: 1)          // NFT_DYNSET_OP_UPDATE
            d.attribute(NFT.DynsetAttr.keyRegister, be32: register)
        case .counter:
            break                               // a fresh counter starts at zero
        case .reject(let type, let code):
            d.attribute(1, be32: type.rawValue) // NFTA_REJECT_TYPE
            if type != .tcpReset { d.attribute(2, u8: code) } // NFTA_REJECT_ICMP_CODE
        }
    }

    /// NFTA_DATA_VERDICT { NFTA_VERDICT_CODE, NFTA_VERDICT_CHAIN }.
    static func encodeVerdict(_ code: NFT.VerdictCode, chain: String?, into m: inout NetlinkMessage) {
        m.nested(NFT.DataAttr.verdict, flagNested: true) { v in
            v.attribute(NFT.VerdictAttr.code, be32: UInt32(bitPattern: code.rawValue))
            if let chain { v.attribute(NFT.VerdictAttr.chain, string: chain) }
        }
    }
}

/// Ready-made expression sequences for the matches kube-proxy rules use.
public enum NFTMatch {
    /// `ip daddr ADDR` / `ip saddr ADDR` (IPv4).
    public static func ipv4(destination: Bool, _ address: IPAddress) -> [NFTExpression] {
        [.payload(base: .network, offset: destination ? 16 : 12, length: 4, into: NFT.Register.r1),
         .cmp(NFT.Register.r1, .eq, address.bytes)]
    }

    /// `ip saddr != CIDR` (IPv4): the masked source differs from the network.
    public static func ipv4SourceOutside(_ cidr: CIDR) -> [NFTExpression] {
        let mask = cidr.prefix == 0 ? UInt32(0) : ~UInt32(0) << UInt32(32 - cidr.prefix)
        return [.payload(base: .network, offset: 12, length: 4, into: NFT.Register.r1),
                .bitwise(source: NFT.Register.r1, destination: NFT.Register.r1, length: 4, mask: mask.bigEndianBytes, xor: [0, 0, 0, 0]),
                .cmp(NFT.Register.r1, .neq, cidr.network.bytes)]
    }

    /// `meta l4proto PROTO` (6 tcp, 17 udp, 132 sctp).
    public static func l4proto(_ proto: UInt8) -> [NFTExpression] {
        [.meta(.l4proto, into: NFT.Register.r1), .cmp(NFT.Register.r1, .eq, [proto])]
    }

    /// `meta mark set mark or BITS`.
    public static func setMarkBits(_ bits: UInt32) -> [NFTExpression] {
        [.meta(.mark, into: NFT.Register.r1),
         .bitwise(source: NFT.Register.r1, destination: NFT.Register.r1, length: 4, mask: (~bits).littleEndianBytes, xor: bits.littleEndianBytes),
         .setMeta(.mark, from: NFT.Register.r1)]
    }

    /// `meta mark and BITS == 0`.
    public static func markBitsClear(_ bits: UInt32) -> [NFTExpression] {
        [.meta(.mark, into: NFT.Register.r1),
         .bitwise(source: NFT.Register.r1, destination: NFT.Register.r1, length: 4, mask: bits.littleEndianBytes, xor: [0, 0, 0, 0]),
         .cmp(NFT.Register.r1, .eq, [0, 0, 0, 0])]
    }

    /// `meta mark set mark xor BITS` (clears bits known to be set).
    public static func toggleMarkBits(_ bits: UInt32) -> [NFTExpression] {
        [.meta(.mark, into: NFT.Register.r1),
         .bitwise(source: NFT.Register.r1, destination: NFT.Register.r1, length: 4, mask: UInt32.max.littleEndianBytes, xor: bits.littleEndianBytes),
         .setMeta(.mark, from: NFT.Register.r1)]
    }

    /// `ct state established,related`.
    public static func establishedOrRelated() -> [NFTExpression] {
        [.ctState(into: NFT.Register.r1),
         .bitwise(source: NFT.Register.r1, destination: NFT.Register.r1, length: 4, mask: UInt32(0x6).littleEndianBytes, xor: [0, 0, 0, 0]),
         .cmp(NFT.Register.r1, .neq, [0, 0, 0, 0])]
    }

    /// `fib daddr type local`.
    public static func destinationIsLocal() -> [NFTExpression] {
        [.fibDestinationAddressType(into: NFT.Register.r1), .cmp(NFT.Register.r1, .eq, UInt32(2).littleEndianBytes)]
    }

    /// `fib saddr type local`: the packet's source is an address of this host.
    public static func sourceIsLocal() -> [NFTExpression] {
        [.fibSourceAddressType(into: NFT.Register.r1), .cmp(NFT.Register.r1, .eq, UInt32(2).littleEndianBytes)]
    }

    /// Loads `ip daddr . meta l4proto . th dport` as a 12-byte key starting
    /// at register 1 (whose first 4 bytes are NFT_REG32_00), as nft does.
    public static func destinationTuple() -> [NFTExpression] {
        [.payload(base: .network, offset: 16, length: 4, into: NFT.Register.r1),
         .meta(.l4proto, into: NFT.Register.r32(1)),
         .payload(base: .transport, offset: 2, length: 2, into: NFT.Register.r32(2))]
    }

    /// Loads `meta l4proto . th dport` as an 8-byte key starting at register 1.
    public static func protocolAndDestinationPort() -> [NFTExpression] {
        [.meta(.l4proto, into: NFT.Register.r1),
         .payload(base: .transport, offset: 2, length: 2, into: NFT.Register.r32(1))]
    }

    /// `dnat to ADDR:PORT` (IPv4).
    public static func dnat(to address: IPAddress, port: UInt16) -> [NFTExpression] {
        [.immediate(NFT.Register.r1, address.bytes), .immediate(NFT.Register.r2, port.bigEndianBytes),
         .nat(.dnat, family: .ipv4, addressRegister: NFT.Register.r1, portRegister: NFT.Register.r2)]
    }
}
