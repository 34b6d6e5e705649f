import Netlink

/// What the kernel holds, read back with GETCHAIN/GETSET/GETRULE/GETSETELEM
/// dumps: used by `kube-proxy --dump`, by full syncs to find stale objects,
/// and by tests to compare the kernel's state with what was written.
extension NFTables {
    /// A chain as the kernel reports it.
    public struct ChainInfo: Sendable, Equatable {
        public var name: String
        /// Hook number and priority of a base chain.
        public var hook: (number: UInt32, priority: Int32)?
        public static func == (a: ChainInfo, b: ChainInfo) -> Bool {
            a.name == b.name && a.hook?.number == b.hook?.number && a.hook?.priority == b.hook?.priority
        }
    }

    /// A named set or map (anonymous sets are left out).
    public struct SetInfo: Sendable, Equatable {
        public var name: String
        public var flags: UInt32
        public var keyType: UInt32
        public var keyLength: UInt32
        public var timeoutMilliseconds: UInt64?
        public var isMap: Bool { flags & NFT.SetFlags.map.rawValue != 0 }
    }

    /// One rule: its chain, handle, decoded expressions and comment.
    public struct RuleInfo: Sendable, Equatable {
        public var chain: String
        public var handle: UInt64
        public var expressions: [NFTExpression]
        /// Expressions the decoder does not know (added by someone else).
        public var unknownExpressions: [String]
        public var comment: String?
    }

    /// One element of a set or map.
    public struct ElementInfo: Sendable, Equatable, Hashable {
        public var key: [UInt8]
        public var verdict: NFT.VerdictCode?
        public var chain: String?
        /// The value of a data map's element.
        public var data: [UInt8]?
        public var comment: String?
    }

    func dumpRequest(_ type: NFT.Message, family: NFT.Family, _ summary: String) -> NetlinkMessage {
        var m = NetlinkMessage(type: type.type, flags: [.request, .dump], summary: summary)
        m.append([family.rawValue, 0, 0, 0])
        return m
    }

    /// Chains of `table`.
    public func chains(family: NFT.Family, table: String) throws -> [ChainInfo] {
        let request = dumpRequest(.getChain, family: family, "list chains \(family.keyword) \(table)")
        return try connection.execute(request).filter { $0.type == NFT.Message.newChain.type }.compactMap { reply -> ChainInfo? in
            let a = reply.attributes(after: 4)
            guard a[NFT.ChainAttr.table]?.string == table, let name = a[NFT.ChainAttr.name]?.string else { return nil }
            let hook = a[NFT.ChainAttr.hook].map { h in
                (number: h.nested[NFT.HookAttr.number]?.be32 ?? 0, priority: Int32(bitPattern: h.nested[NFT.HookAttr.priority]?.be32 ?? 0))
            }
            return ChainInfo(name: name, hook: hook)
        }
    }

    /// Named sets and maps of `table`.
    public func sets(family: NFT.Family, table: String) throws -> [SetInfo] {
        var request = dumpRequest(.getSet, family: family, "list sets \(family.keyword) \(table)")
        request.attribute(NFT.SetAttr.table, string: table)
        return try connection.execute(request).filter { $0.type == NFT.Message.newSet.type }.compactMap { reply -> SetInfo? in
            let a = reply.attributes(after: 4)
            guard a[NFT.SetAttr.table]?.string == table, let name = a[NFT.SetAttr.name]?.string else { return nil }
            let flags = a[NFT.SetAttr.flags]?.be32 ?? 0
            guard flags & NFT.SetFlags.anonymous.rawValue == 0 else { return nil }
            return SetInfo(name: name, flags: flags, keyType: a[NFT.SetAttr.keyType]?.be32 ?? 0,
                           keyLength: a[NFT.SetAttr.keyLength]?.be32 ?? 0, timeoutMilliseconds: a[NFT.SetAttr.timeout]?.be64)
        }
    }

    /// Rules of `table` (of one chain when `chain` is given), in order.
    public func rules(family: NFT.Family, table: String, chain: String? = nil) throws -> [RuleInfo] {
        var request = dumpRequest(.getRule, family: family, "list rules \(family.keyword) \(table)\(chain.map { " " + $0 } ?? "")")
        request.attribute(NFT.RuleAttr.table, string: table)
        if let chain { request.attribute(NFT.RuleAttr.chain, string: chain) }
        return try connection.execute(request).filter { $0.type == NFT.Message.newRule.type }.compactMap { reply -> RuleInfo? in
            let a = reply.attributes(after: 4)
            guard a[NFT.RuleAttr.table]?.string == table, let chainName = a[NFT.RuleAttr.chain]?.string else { return nil }
            let decoded = a[NFT.RuleAttr.expressions].map { NFTExpression.decodeList($0.nested) } ?? (expressions: [], unknown: [])
            return RuleInfo(chain: chainName, handle: a[NFT.RuleAttr.handle]?.be64 ?? 0, expressions: decoded.expressions,
                            unknownExpressions: decoded.unknown, comment: a[NFT.RuleAttr.userdata].flatMap(NFTables.comment))
        }
    }

    /// Elements of a set or map (anonymous ones too, by their kernel name).
    public func elements(family: NFT.Family, table: String, set: String) throws -> [ElementInfo] {
        var request = dumpRequest(.getSetElem, family: family, "list elements of \(family.keyword) \(table) \(set)")
        request.attribute(NFT.SetElemListAttr.table, string: table)
        request.attribute(NFT.SetElemListAttr.set, string: set)
        var out: [ElementInfo] = []
        for reply in try connection.execute(request) where reply.type == NFT.Message.newSetElem.type {
            let a = reply.attributes(after: 4)
            for element in a[NFT.SetElemListAttr.elements]?.nested ?? NetlinkAttributes([]) {
                let e = element.nested
                let key = e[NFT.SetElemAttr.key]?.nested[NFT.DataAttr.value].map { Array($0.data) } ?? []
                let value = e[NFT.SetElemAttr.data]?.nested
                let verdict = value?[NFT.DataAttr.verdict]?.nested
                out.append(ElementInfo(key: key,
                                       verdict: verdict?[NFT.VerdictAttr.code].flatMap { NFT.VerdictCode(rawValue: Int32(bitPattern: $0.be32)) },
                                       chain: verdict?[NFT.VerdictAttr.chain]?.string,
                                       data: value?[NFT.DataAttr.value].map { Array($0.data) },
                                       comment: e[NFT.SetElemAttr.userdata].flatMap(NFTables.comment)))
            }
        }
        return out
    }

    /// The comment in nft's rule userdata TLVs (type 0).
    static func comment(_ userdata: NetlinkAttributes.Attribute) -> String? {
        var bytes = userdata.data
        while bytes.count >= 2 {
            let type = bytes[bytes.startIndex], length = Int(bytes[bytes.startIndex + 1])
            let value = bytes.dropFirst(2).prefix(length)
            if type == 0 { return String(decoding: value.prefix { $0 != 0 }, as: UTF8.self) }
            bytes = bytes.dropFirst(2 + length)
        }
        return nil
    }
}
