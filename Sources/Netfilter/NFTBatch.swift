public import Netlink

/// One nf_tables transaction: every change between a batch-begin and a
/// batch-end message, applied by the kernel atomically (all or nothing).
///
/// ```swift
/// var batch = NFTBatch(family: .ipv4, table: "kube-proxy")
/// batch.addTable()
/// batch.addChain("services")
/// batch.addRule(chain: "services", NFTMatch.destinationTuple() + [.lookup(set: "service-ips", setID: nil, from: NFT.Register.r32(0), verdict: true, invert: false)])
/// try NFTables(connection).apply(batch)
/// ```
public struct NFTBatch: Sendable {
    public let family: NFT.Family
    public let table: String
    public private(set) var messages: [NetlinkMessage] = []
    var nextSetID: UInt32 = 1

    /// The constant start of the summaries of the most frequent messages,
    /// shared by all of them (see ``NetlinkMessage/init(type:flags:action:subject:reserving:)``).
    let addRulePrefix: String
    let addChainPrefix: String
    let flushChainPrefix: String

    public init(family: NFT.Family, table: String) {
        self.family = family
        self.table = table
        self.addRulePrefix = "add rule \(family.keyword) \(table) "
        self.addChainPrefix = "add chain \(family.keyword) \(table) "
        self.flushChainPrefix = "flush chain \(family.keyword) \(table) "
    }

    /// Number of changes (without the begin/end markers).
    public var count: Int { messages.count }
    public var isEmpty: Bool { messages.isEmpty }

    func message(_ type: NFT.Message, _ flags: NetlinkFlags, _ summary: String, subject: String = "", reserving capacity: Int = 0) -> NetlinkMessage {
        var m = NetlinkMessage(type: type.type, flags: flags, action: summary, subject: subject, reserving: capacity)
        m.append([family.rawValue, 0, 0, 0]) // nfgenmsg: family, NFNETLINK_V0, res_id 0
        return m
    }

    // MARK: - Tables

    /// Creates the table if missing (no error if it exists).
    public mutating func addTable() {
        var m = message(.newTable, [.request, .create], "add table \(family.keyword) \(table)")
        m.attribute(NFT.TableAttr.name, string: table)
        m.attribute(NFT.TableAttr.flags, be32: 0)
        messages.append(m)
    }

    /// Deletes the table and everything in it.
    public mutating func deleteTable() {
        var m = message(.delTable, [.request], "delete table \(family.keyword) \(table)")
        m.attribute(NFT.TableAttr.name, string: table)
        messages.append(m)
    }

    // MARK: - Chains

    /// A base chain hooked into netfilter.
    public struct BaseChain: Sendable, Equatable {
        public var type: String
        public var hook: NFT.Hook
        public var priority: Int32
        public init(type: String, hook: NFT.Hook, priority: Int32) {
            self.type = type
            self.hook = hook
            self.priority = priority
        }
    }

    /// Creates a chain (a base chain when `base` is given) if missing.
    public mutating func addChain(_ name: String, base: BaseChain? = nil) {
        var m = message(.newChain, [.request, .create], addChainPrefix, subject: name, reserving: 128)
        m.attribute(NFT.ChainAttr.table, string: table)
        m.attribute(NFT.ChainAttr.name, string: name)
        if let base {
            m.attribute(NFT.ChainAttr.type, string: base.type)
            m.attribute(NFT.ChainAttr.policy, be32: UInt32(NFT.VerdictCode.accept.rawValue))
            m.nested(NFT.ChainAttr.hook, flagNested: true) { h in
                h.attribute(NFT.HookAttr.number, be32: base.hook.rawValue)
                h.attribute(NFT.HookAttr.priority, be32: UInt32(bitPattern: base.priority))
            }
        }
        messages.append(m)
    }

    /// Removes every rule of a chain.
    public mutating func flushChain(_ name: String) {
        var m = message(.delRule, [.request], flushChainPrefix, subject: name, reserving: 128)
        m.attribute(NFT.RuleAttr.table, string: table)
        m.attribute(NFT.RuleAttr.chain, string: name)
        messages.append(m)
    }

    /// Deletes an (empty, unreferenced) chain.
    public mutating func deleteChain(_ name: String) {
        var m = message(.delChain, [.request], "delete chain \(family.keyword) \(table) \(name)")
        m.attribute(NFT.ChainAttr.table, string: table)
        m.attribute(NFT.ChainAttr.name, string: name)
        messages.append(m)
    }

    // MARK: - Rules

    /// Appends a rule to a chain. `comment` becomes the rule's userdata
    /// (shown by `nft list`), which the proxy uses to name services.
    public mutating func addRule(chain: String, _ expressions: [NFTExpression], comment: String? = nil) {
        // Rules of the proxy's table take 100 to 400 bytes: one allocation, not a growing array.
        var m = message(.newRule, [.request, .create, .append], addRulePrefix, subject: chain, reserving: 384)
        m.attribute(NFT.RuleAttr.table, string: table)
        m.attribute(NFT.RuleAttr.chain, string: chain)
        m.nested(NFT.RuleAttr.expressions, flagNested: true) { list in
            for e in expressions { e.encode(into: &list) }
        }
        if let comment {
            // nft's userdata TLV: type 0 (NFTNL_UDATA_RULE_COMMENT), length, NUL-terminated text.
            var text = [UInt8](repeating: 0, count: 2)
            text.append(contentsOf: comment.utf8.prefix(127))
            text.append(0)
            text[1] = UInt8(text.count - 2)
            m.attribute(NFT.RuleAttr.userdata, text)
        }
        messages.append(m)
    }

    /// Appends a rule that jumps through an anonymous verdict map keyed by a
    /// 4-byte integer in `register` (`numgen random mod N vmap { 0 : goto a, … }`).
    public mutating func addRuleWithAnonymousVerdictMap(chain: String, prefix: [NFTExpression], register: UInt32,
                                                        entries: [(key: UInt32, verdict: NFT.VerdictCode, chain: String)], comment: String? = nil) {
        let id = nextSetID
        nextSetID += 1
        let name = "__map%d"
        var set = message(.newSet, [.request, .create], "add anonymous map in \(family.keyword) \(table) \(chain)")
        set.attribute(NFT.SetAttr.table, string: table)
        set.attribute(NFT.SetAttr.name, string: name)
        set.attribute(NFT.SetAttr.flags, be32: NFT.SetFlags([.anonymous, .constant, .map]).rawValue)
        set.attribute(NFT.SetAttr.keyType, be32: NFT.DataType.integer.rawValue)
        set.attribute(NFT.SetAttr.keyLength, be32: 4)
        set.attribute(NFT.SetAttr.dataType, be32: NFT.verdictDataType)
        set.attribute(NFT.SetAttr.dataLength, be32: 0)
        set.attribute(NFT.SetAttr.id, be32: id)
        set.nested(NFT.SetAttr.desc, flagNested: true) { $0.attribute(NFT.SetAttr.descSize, be32: UInt32(entries.count)) }
        set.attribute(NFT.SetAttr.userdata, NFTBatch.setUserdata(hostOrderKey: true))
        messages.append(set)
        if !entries.isEmpty {
            var elements = message(.newSetElem, [.request, .create], "add elements to anonymous map in \(chain)")
            elements.attribute(NFT.SetElemListAttr.table, string: table)
            elements.attribute(NFT.SetElemListAttr.set, string: name)
            elements.attribute(NFT.SetElemListAttr.setID, be32: id)
            elements.nested(NFT.SetElemListAttr.elements, flagNested: true) { list in
                for (i, e) in entries.enumerated() {
                    NFTBatch.element(index: i, key: e.key.littleEndianBytes, verdict: e.verdict, chain: e.chain, into: &list)
                }
            }
            messages.append(elements)
        }
        addRule(chain: chain, prefix + [.lookup(set: name, setID: id, from: register, verdict: true, invert: false)], comment: comment)
    }

    // MARK: - Sets and maps

    /// A named set or map.
    public struct SetSpec: Sendable, Equatable {
        public var name: String
        public var keyTypes: [NFT.DataType]
        /// A verdict map when true, a plain set when false.
        public var verdictMap: Bool
        /// The data of a map from keys to values (`: ipv4_addr . inet_service`); empty for sets and verdict maps.
        public var dataTypes: [NFT.DataType]
        public var timeoutMilliseconds: UInt64?
        /// `flags dynamic`: rules may add elements (`update @set { … }`).
        public var dynamic: Bool

        public init(name: String, keyTypes: [NFT.DataType], verdictMap: Bool, dataTypes: [NFT.DataType] = [],
                    timeoutMilliseconds: UInt64? = nil, dynamic: Bool = false) {
            self.name = name
            self.keyTypes = keyTypes
            self.verdictMap = verdictMap
            self.dataTypes = dataTypes
            self.timeoutMilliseconds = timeoutMilliseconds
            self.dynamic = dynamic
        }

        var keyLength: UInt32 { keyTypes.reduce(0) { $0 + $1.registerLength } }
    }

    /// Creates a set or verdict map if missing. Returns its id within this
    /// batch, for lookups added in the same batch.
    @discardableResult
    public mutating func addSet(_ spec: SetSpec) -> UInt32 {
        var m = message(.newSet, [.request, .create], "add \(spec.verdictMap || !spec.dataTypes.isEmpty ? "map" : "set") \(family.keyword) \(table) \(spec.name)")
        m.attribute(NFT.SetAttr.table, string: table)
        m.attribute(NFT.SetAttr.name, string: spec.name)
        var flags: NFT.SetFlags = spec.verdictMap || !spec.dataTypes.isEmpty ? .map : []
        if spec.timeoutMilliseconds != nil { flags.insert(.timeout) }
        if spec.dynamic { flags.insert(.dynamic) }
        m.attribute(NFT.SetAttr.flags, be32: flags.rawValue)
        m.attribute(NFT.SetAttr.keyType, be32: NFT.DataType.concatenation(spec.keyTypes))
        m.attribute(NFT.SetAttr.keyLength, be32: spec.keyLength)
        if spec.verdictMap {
            m.attribute(NFT.SetAttr.dataType, be32: NFT.verdictDataType)
            m.attribute(NFT.SetAttr.dataLength, be32: 0)
        } else if !spec.dataTypes.isEmpty {
            m.attribute(NFT.SetAttr.dataType, be32: NFT.DataType.concatenation(spec.dataTypes))
            m.attribute(NFT.SetAttr.dataLength, be32: spec.dataTypes.reduce(0) { $0 + $1.registerLength })
        }
        let id = nextSetID
        m.attribute(NFT.SetAttr.id, be32: id)
        nextSetID += 1
        if let timeout = spec.timeoutMilliseconds { m.attribute(NFT.SetAttr.timeout, be64: timeout) }
        m.attribute(NFT.SetAttr.userdata, NFTBatch.setUserdata(hostOrderKey: false))
        messages.append(m)
        return id
    }

    /// Removes every element of a set or map.
    public mutating func flushSet(_ name: String) {
        var m = message(.delSetElem, [.request], "flush \(family.keyword) \(table) \(name)")
        m.attribute(NFT.SetElemListAttr.table, string: table)
        m.attribute(NFT.SetElemListAttr.set, string: name)
        messages.append(m)
    }

    public mutating func deleteSet(_ name: String) {
        var m = message(.delSet, [.request], "delete set \(family.keyword) \(table) \(name)")
        m.attribute(NFT.SetAttr.table, string: table)
        m.attribute(NFT.SetAttr.name, string: name)
        messages.append(m)
    }

    /// nft's set userdata: the key and data byte order, so `nft list` prints
    /// integer keys (numgen results are host-endian) as numbers.
    static func setUserdata(hostOrderKey: Bool) -> [UInt8] {
        [0, 4] + UInt32(hostOrderKey ? 1 : 0).littleEndianBytes + [1, 4] + UInt32(0).littleEndianBytes
    }

    /// A map element: key bytes (fields each padded to 4 bytes) → verdict.
    public struct MapElement: Sendable, Equatable, Hashable {
        public var key: [UInt8]
        /// The verdict of a verdict map's element (nil for sets and data maps).
        public var verdict: NFT.VerdictCode?
        public var chain: String?
        /// The value of a data map's element (nil for sets and verdict maps).
        public var data: [UInt8]?
        /// Shown by `nft list`; stored as element userdata.
        public var comment: String?
        public init(key: [UInt8], verdict: NFT.VerdictCode?, chain: String?, data: [UInt8]? = nil, comment: String? = nil) {
            self.key = key
            self.verdict = verdict
            self.chain = chain
            self.data = data
            self.comment = comment
        }
    }

    /// Adds elements to a set or map (at most a few hundred per message).
    public mutating func addElements(_ set: String, _ elements: [MapElement]) {
        for chunk in stride(from: 0, to: elements.count, by: 256).map({ Array(elements[$0..<min($0 + 256, elements.count)]) }) {
            var m = message(.newSetElem, [.request, .create], "add \(chunk.count) element(s) to \(family.keyword) \(table) \(set)")
            m.attribute(NFT.SetElemListAttr.table, string: table)
            m.attribute(NFT.SetElemListAttr.set, string: set)
            m.nested(NFT.SetElemListAttr.elements, flagNested: true) { list in
                for (i, e) in chunk.enumerated() { NFTBatch.element(index: i, key: e.key, verdict: e.verdict, chain: e.chain, data: e.data, comment: e.comment, into: &list) }
            }
            messages.append(m)
        }
    }

    /// Removes elements (by key) from a set or map.
    public mutating func deleteElements(_ set: String, keys: [[UInt8]]) {
        for chunk in stride(from: 0, to: keys.count, by: 256).map({ Array(keys[$0..<min($0 + 256, keys.count)]) }) {
            var m = message(.delSetElem, [.request], "delete \(chunk.count) element(s) from \(family.keyword) \(table) \(set)")
            m.attribute(NFT.SetElemListAttr.table, string: table)
            m.attribute(NFT.SetElemListAttr.set, string: set)
            m.nested(NFT.SetElemListAttr.elements, flagNested: true) { list in
                for (i, key) in chunk.enumerated() {
                    list.nested(UInt16(i + 1), flagNested: true) { e in
                        e.nested(NFT.SetElemAttr.key, flagNested: true) { $0.attribute(NFT.DataAttr.value, key) }
                    }
                }
            }
            messages.append(m)
        }
    }

    /// One element; like nft, the n-th element of a list has attribute type n.
    static func element(index: Int, key: [UInt8], verdict: NFT.VerdictCode?, chain: String?, data value: [UInt8]? = nil, comment: String? = nil,
                        into list: inout NetlinkMessage) {
        list.nested(UInt16(index + 1), flagNested: true) { e in
            e.nested(NFT.SetElemAttr.key, flagNested: true) { $0.attribute(NFT.DataAttr.value, key) }
            if let verdict {
                e.nested(NFT.SetElemAttr.data, flagNested: true) { data in
                    NFTExpression.encodeVerdict(verdict, chain: chain, into: &data)
                }
            } else if let value {
                e.nested(NFT.SetElemAttr.data, flagNested: true) { $0.attribute(NFT.DataAttr.value, value) }
            }
            if let comment {
                // nft's userdata TLV: type 0 (NFTNL_UDATA_SET_ELEM_COMMENT), length, NUL-terminated text.
                let text = Array(comment.utf8.prefix(127)) + [0]
                e.attribute(NFT.SetElemAttr.userdata, [0, UInt8(text.count)] + text)
            }
        }
    }

    /// The messages framed by batch begin/end, as the kernel wants them.
    public var framed: [NetlinkMessage] {
        var begin = NetlinkMessage(type: NFT.batchBegin, flags: [.request], summary: "batch begin")
        begin.append([0, 0] + NFT.subsystem.bigEndianBytes)
        var end = NetlinkMessage(type: NFT.batchEnd, flags: [.request], summary: "batch end")
        end.append([0, 0] + NFT.subsystem.bigEndianBytes)
        return [begin] + messages + [end]
    }
}
