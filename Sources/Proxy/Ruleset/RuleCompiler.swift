public import Netfilter
import Netlink

/// Compiles ``ProxyRule``s to nf_tables expressions for one family and adds
/// them to a batch (a numgen dispatch becomes one rule per endpoint chain, or
/// a rule with its anonymous map for large ones: see ``NumgenDispatch``).
public struct RuleCompiler: Sendable {
    public let family: IPFamily

    public init(family: IPFamily) { self.family = family }

    typealias R = NFT.Register

    var addressLength: UInt32 { family == .ipv4 ? 4 : 16 }
    var sourceOffset: UInt32 { family == .ipv4 ? 12 : 8 }
    var destinationOffset: UInt32 { family == .ipv4 ? 16 : 24 }

    /// Appends `rule` to `chain` in `batch`.
    public func add(_ rule: ProxyRule, chain: String, to batch: inout NFTBatch) {
        let prefix = rule.matches.flatMap(expressions) + rule.statements.flatMap(expressions)
        switch rule.verdict {
        case .numgen(let chains)? where rule.numgenDispatch == .rules:
            // One rule per chain (see NumgenDispatch); matches are repeated, each rule tests them again.
            for (i, target) in chains.enumerated() {
                var pick: [NFTExpression] = []
                if let modulus = NumgenDispatch.modulus(index: i, of: chains.count) {
                    pick = [.numgenRandom(modulus: UInt32(modulus), into: R.r1), .cmp(R.r1, .eq, [0, 0, 0, 0])]
                }
                batch.addRule(chain: chain, prefix + pick + [.verdict(.goto, chain: target)], comment: rule.comment)
            }
        case .numgen(let chains)?:
            batch.addRuleWithAnonymousVerdictMap(
                chain: chain, prefix: prefix + [.numgenRandom(modulus: UInt32(chains.count), into: R.r1)], register: R.r1,
                entries: chains.enumerated().map { (UInt32($0.offset), NFT.VerdictCode.goto, $0.element) }, comment: rule.comment)
        case let verdict?:
            batch.addRule(chain: chain, prefix + expressions(verdict), comment: rule.comment)
        case nil:
            batch.addRule(chain: chain, prefix, comment: rule.comment)
        }
    }

    /// The expressions of a rule without a numgen dispatch (for tests and counting).
    public func expressions(_ rule: ProxyRule) -> [NFTExpression] {
        rule.matches.flatMap(expressions) + rule.statements.flatMap(expressions) + (rule.verdict.map(expressions) ?? [])
    }

    /// The netmask of `cidr` as bytes.
    func prefixMask(_ cidr: CIDR) -> [UInt8] {
        (0..<Int(addressLength)).map { i in
            let covered = max(0, min(8, cidr.prefix - i * 8))
            return covered == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - covered))
        }
    }

    func expressions(_ m: ProxyRule.Match) -> [NFTExpression] {
        switch m {
        case .destination(let a):
            return [.payload(base: .network, offset: destinationOffset, length: addressLength, into: R.r1), .cmp(R.r1, .eq, a.bytes)]
        case .source(let a):
            return [.payload(base: .network, offset: sourceOffset, length: addressLength, into: R.r1), .cmp(R.r1, .eq, a.bytes)]
        case .sourceNotIn(let cidr), .destinationNotIn(let cidr), .sourceIn(let cidr):
            let offset: UInt32
            if case .destinationNotIn = m { offset = destinationOffset } else { offset = sourceOffset }
            var op = NFTExpression.CmpOp.neq
            if case .sourceIn = m { op = .eq }
            return [.payload(base: .network, offset: offset, length: addressLength, into: R.r1),
                    .bitwise(source: R.r1, destination: R.r1, length: addressLength, mask: prefixMask(cidr), xor: [UInt8](repeating: 0, count: Int(addressLength))),
                    .cmp(R.r1, op, cidr.network.bytes)]
        case .l4proto(let p):
            return NFTMatch.l4proto(p.number)
        case .destinationPort(let port):
            return [.payload(base: .transport, offset: 2, length: 2, into: R.r1), .cmp(R.r1, .eq, port.bigEndianBytes)]
        case .ctStateNew:
            return [.ctState(into: R.r1),
                    .bitwise(source: R.r1, destination: R.r1, length: 4, mask: UInt32(0x8).littleEndianBytes, xor: [0, 0, 0, 0]),
                    .cmp(R.r1, .neq, [0, 0, 0, 0])]
        case .destinationLocal:
            return NFTMatch.destinationIsLocal()
        case .sourceLocal:
            return [.fibSourceAddressType(into: R.r1), .cmp(R.r1, .eq, UInt32(2).littleEndianBytes)]
        case .markBitsClear(let bits):
            return NFTMatch.markBitsClear(bits)
        case .sourceInSet(let set):
            return [.payload(base: .network, offset: sourceOffset, length: addressLength, into: R.r1),
                    .lookup(set: set, setID: nil, from: R.r1, verdict: false, invert: false)]
        case .hairpinInSet(let set):
            return keyExpressions(.hairpin) + [.lookup(set: set, setID: nil, from: R.r1, verdict: false, invert: false)]
        }
    }

    func expressions(_ s: ProxyRule.Statement) -> [NFTExpression] {
        switch s {
        case .setMarkBits(let bits): return NFTMatch.setMarkBits(bits)
        case .toggleMarkBits(let bits): return NFTMatch.toggleMarkBits(bits)
        case .updateSourceInSet(let set):
            return [.payload(base: .network, offset: sourceOffset, length: addressLength, into: R.r1),
                    .dynsetUpdate(set: set, setID: nil, keyRegister: R.r1)]
        case .masquerade: return [.masquerade(fullyRandom: true)]
        case .dnat(let address, let port):
            return [.immediate(R.r1, address.bytes), .immediate(R.r2, port.bigEndianBytes),
                    .nat(.dnat, family: family.nftFamily, addressRegister: R.r1, portRegister: R.r2)]
        case .dnatPick(let map, let key, let modulus):
            // As nft lays it out: the key from NFT_REG_1 on, the index in the
            // next 32-bit register; the value (address, then port) back from NFT_REG_1.
            return keyExpressions(.indexed(key)) + [.numgenRandom(modulus: UInt32(modulus), into: R.r32(keyLength(key) / 4)),
                                                    .mapLookup(set: map, from: R.r1, into: R.r1),
                                                    .nat(.dnat, family: family.nftFamily, addressRegister: R.r1, portRegister: R.r32(addressLength / 4))]
        }
    }

    func expressions(_ v: ProxyRule.Verdict) -> [NFTExpression] {
        switch v {
        case .accept: return [.verdict(.accept, chain: nil)]
        case .drop: return [.verdict(.drop, chain: nil)]
        case .return: return [.verdict(.return, chain: nil)]
        case .jump(let c): return [.verdict(.jump, chain: c)]
        case .goto(let c): return [.verdict(.goto, chain: c)]
        case .reject(let tcpReset):
            return tcpReset ? [.reject(.tcpReset, code: 0)] : [.reject(.icmpUnreachable, code: family == .ipv4 ? 3 : 4)]
        case .vmap(let map, let kind):
            return keyExpressions(kind) + [.lookup(set: map, setID: nil, from: R.r1, verdict: true, invert: false)]
        case .numgen:
            return [] // added with its anonymous map by add(_:chain:to:)
        }
    }

    /// Loads a map key into the registers from NFT_REG_1 on, as nft lays out concatenations.
    func keyExpressions(_ kind: MapKeyKind) -> [NFTExpression] {
        let words = addressLength / 4
        switch kind {
        case .addressProtocolPort:
            return [.payload(base: .network, offset: destinationOffset, length: addressLength, into: R.r1),
                    .meta(.l4proto, into: R.r32(words)),
                    .payload(base: .transport, offset: 2, length: 2, into: R.r32(words + 1))]
        case .protocolPort:
            return NFTMatch.protocolAndDestinationPort()
        case .indexed(let base):
            return keyExpressions(base) // the index is loaded by the numgen that follows
        case .hairpin:
            return [.ctOriginalDestination(ipv6: family == .ipv6, into: R.r1),
                    .payload(base: .network, offset: sourceOffset, length: addressLength, into: R.r32(words)),
                    .payload(base: .network, offset: destinationOffset, length: addressLength, into: R.r32(2 * words))]
        }
    }

    /// Bytes of a key of `kind` in the registers.
    func keyLength(_ kind: MapKeyKind) -> UInt32 { keyTypes(kind).reduce(0) { $0 + $1.registerLength } }

    /// The kernel set behind a map or set of the proxy's table.
    public func setSpec(_ name: String, _ kind: MapKeyKind) -> NFTBatch.SetSpec {
        switch kind {
        case .addressProtocolPort, .protocolPort:
            return .init(name: name, keyTypes: keyTypes(kind), verdictMap: true)
        case .indexed:
            return .init(name: name, keyTypes: keyTypes(kind), verdictMap: false, dataTypes: [address, .inetService])
        case .hairpin:
            return .init(name: name, keyTypes: keyTypes(kind), verdictMap: false)
        }
    }

    /// The data types of a map's key.
    func keyTypes(_ kind: MapKeyKind) -> [NFT.DataType] {
        switch kind {
        case .addressProtocolPort: return [address, .inetProtocol, .inetService]
        case .protocolPort: return [.inetProtocol, .inetService]
        case .indexed(let base): return keyTypes(base) + [.mark] // nft shows a numgen key as a mark (host order)
        case .hairpin: return [address, address, address]
        }
    }

    var address: NFT.DataType { family == .ipv4 ? .ipv4Address : .ipv6Address }
}
