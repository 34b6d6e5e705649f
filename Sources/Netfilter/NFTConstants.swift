/// nf_tables netlink constants (linux/netfilter/nf_tables.h, nfnetlink.h).
public enum NFT {
    /// NFNL_SUBSYS_NFTABLES
    public static let subsystem: UInt16 = 10

    public enum Message: UInt16 {
        case newTable = 0, getTable = 1, delTable = 2
        case newChain = 3, getChain = 4, delChain = 5
        case newRule = 6, getRule = 7, delRule = 8
        case newSet = 9, getSet = 10, delSet = 11
        case newSetElem = 12, getSetElem = 13, delSetElem = 14
        case newGen = 15, getGen = 16

        /// The nlmsg type: subsystem in the high byte.
        public var type: UInt16 { NFT.subsystem << 8 | rawValue }
    }

    /// NFNL_SUBSYS_CTNETLINK
    public static let conntrackSubsystem: UInt16 = 1

    public static let batchBegin: UInt16 = 0x10
    public static let batchEnd: UInt16 = 0x11

    public enum Family: UInt8, Sendable {
        case inet = 1, ipv4 = 2, arp = 3, netdev = 5, bridge = 7, ipv6 = 10

        /// The family word nft prints (`ip`, `ip6`, `inet`).
        public var keyword: String {
            switch self {
            case .ipv4: return "ip"
            case .ipv6: return "ip6"
            case .inet: return "inet"
            case .arp: return "arp"
            case .netdev: return "netdev"
            case .bridge: return "bridge"
            }
        }
    }

    public enum Hook: UInt32, Sendable {
        case prerouting = 0, input = 1, forward = 2, output = 3, postrouting = 4
    }

    /// Registers: the verdict register, the 16-byte NFT_REG_1…4, and the
    /// 4-byte NFT_REG32_00… views of the same space (concatenations use those).
    public enum Register {
        public static let verdict: UInt32 = 0
        public static let r1: UInt32 = 1
        public static let r2: UInt32 = 2
        /// NFT_REG32_00 + n.
        public static func r32(_ n: UInt32) -> UInt32 { 8 + n }
    }

    /// Verdict codes.
    public enum VerdictCode: Int32, Sendable, Hashable {
        case drop = 0, accept = 1, `continue` = -1, `break` = -2, jump = -3, goto = -4, `return` = -5
    }

    /// Table attributes.
    public enum TableAttr { public static let name: UInt16 = 1, flags: UInt16 = 2, handle: UInt16 = 4 }
    public enum ChainAttr { public static let table: UInt16 = 1, handle: UInt16 = 2, name: UInt16 = 3, hook: UInt16 = 4, policy: UInt16 = 5, type: UInt16 = 7 }
    public enum HookAttr { public static let number: UInt16 = 1, priority: UInt16 = 2 }
    public enum RuleAttr { public static let table: UInt16 = 1, chain: UInt16 = 2, handle: UInt16 = 3, expressions: UInt16 = 4, position: UInt16 = 6, userdata: UInt16 = 7 }
    public enum ListAttr { public static let element: UInt16 = 1 }
    public enum ExprAttr { public static let name: UInt16 = 1, data: UInt16 = 2 }
    public enum DataAttr { public static let value: UInt16 = 1, verdict: UInt16 = 2 }
    public enum VerdictAttr { public static let code: UInt16 = 1, chain: UInt16 = 2 }
    public enum SetAttr {
        public static let table: UInt16 = 1, name: UInt16 = 2, flags: UInt16 = 3, keyType: UInt16 = 4, keyLength: UInt16 = 5
        public static let dataType: UInt16 = 6, dataLength: UInt16 = 7, desc: UInt16 = 9, id: UInt16 = 10, timeout: UInt16 = 11, userdata: UInt16 = 13
        public static let descSize: UInt16 = 1, descConcat: UInt16 = 2, fieldLength: UInt16 = 1
    }
    public enum SetElemListAttr { public static let table: UInt16 = 1, set: UInt16 = 2, elements: UInt16 = 3, setID: UInt16 = 4 }
    public enum SetElemAttr { public static let key: UInt16 = 1, data: UInt16 = 2, flags: UInt16 = 3, timeout: UInt16 = 4, expiration: UInt16 = 5, userdata: UInt16 = 6 }
    public enum DynsetAttr { public static let setName: UInt16 = 1, setID: UInt16 = 2, op: UInt16 = 3, keyRegister: UInt16 = 4, timeout: UInt16 = 6, flags: UInt16 = 9 }

    /// Set flags.
    public struct SetFlags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let anonymous = SetFlags(rawValue: 0x1)
        public static let constant = SetFlags(rawValue: 0x2)
        public static let interval = SetFlags(rawValue: 0x4)
        public static let map = SetFlags(rawValue: 0x8)
        public static let timeout = SetFlags(rawValue: 0x10)
        public static let eval = SetFlags(rawValue: 0x20)
        /// `flags dynamic`: the set is updated from the packet path (NFT_SET_EVAL).
        public static let dynamic = SetFlags.eval
        public static let concat = SetFlags(rawValue: 0x80)
    }

    /// nft's data type ids, combined 6 bits per field for concatenations.
    public enum DataType: UInt32, Sendable {
        case integer = 4, ipv4Address = 7, ipv6Address = 8, inetProtocol = 12, inetService = 13, mark = 19

        /// Bytes a field of this type takes in a key (registers are 4-byte aligned).
        public var registerLength: UInt32 {
            switch self {
            case .ipv6Address: return 16
            default: return 4
            }
        }

        /// Combined id of a concatenation.
        public static func concatenation(_ types: [DataType]) -> UInt32 {
            types.reduce(0) { $0 << 6 | $1.rawValue }
        }
    }

    /// NFT_DATA_VERDICT as a set's data type.
    public static let verdictDataType: UInt32 = 0xffff_ff00
}
