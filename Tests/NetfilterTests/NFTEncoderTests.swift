import Testing
import Netlink
@testable import Netfilter

/// The encoder's messages, byte for byte, against what `nft -f` sends for the
/// same ruleset (captured from nft 1.0.6 with strace). Differences that do
/// not change meaning are noted where the test skips a message.
@Suite struct NFTEncoderTests {
    /// nft's payloads (everything after nlmsghdr) for:
    /// table ip swk-test { map service-ips …; chain ep1 …; chain svc1 …; chain services …;
    ///   chain nat-prerouting (nat prerouting dstnat); chain local …; chain post (nat postrouting srcnat) }
    /// Set userdata (nft's own comments) is removed from the two set messages.
    static let nft: [String] = [
        "020000000d00010073776b2d74657374000000000800020000000000",
        "020000000d00010073776b2d74657374000000000800030065703100",
        "020000000d00010073776b2d7465737400000000090003007376633100000000",
        "020000000d00010073776b2d74657374000000000d000300736572766963657300000000",
        "020000000d00010073776b2d7465737400000000130003006e61742d707265726f7574696e670000080007006e617400080005000000000114000480080001000000000008000200ffffff9c",
        "020000000d00010073776b2d74657374000000000a0003006c6f63616c000000",
        "020000000d00010073776b2d746573740000000009000300706f737400000000080007006e61740008000500000000011400048008000100000000040800020000000064",
        "020000000d00010073776b2d746573740000000010000200736572766963652d697073000800030000000008080004000000730d080005000000000c08000600ffffff00080007000000000008000a0000000001",
        "020000000d00010073776b2d74657374000000000800020065703100f8000480340001800c0001007061796c6f6164002400028008000100000000010800020000000001080003000000000c08000400000000042c00018008000100636d700020000280080001000000000108000200000000000c000380080001000a01000524000180090001006d6574610000000014000280080002000000000308000100000000014c0001800c00010062697477697365003c00028008000100000000010800020000000001080006000000000008000300000000040c00048008000100ffbfffff0c000580080001000040000024000180090001006d657461000000001400028008000200000000030800030000000001",
        "020000000d00010073776b2d74657374000000000800020065703100e400048024000180090001006d6574610000000014000280080002000000001008000100000000012c00018008000100636d700020000280080001000000000108000200000000000c00038005000100060000002c0001800e000100696d6d6564696174650000001800028008000100000000010c000280080001000a0100052c0001800e000100696d6d6564696174650000001800028008000100000000020c000280060001001f90000038000180080001006e6174002c00028008000100000000010800020000000002080003000000000108000500000000020800070000000002",
        "020000000d00010073776b2d74657374000000000c0002005f5f6d6170256400080003000000000b0800040000000004080005000000000408000600ffffff00080007000000000008000a00000000020c0009800800010000000002",
        "020000000d00010073776b2d74657374000000000c0002005f5f6d6170256400080004000000000254000380280001800c0001800800010000000000180002801400028008000100fffffffc0800020065703100280002800c0001800800010001000000180002801400028008000100fffffffc0800020065703100",
        "020000000d00010073776b2d746573740000000009000200737663310000000070000480340001800b0001006e756d67656e0000240002800800010000000001080002000000000208000300000000010800040000000000380001800b0001006c6f6f6b7570000028000280080002000000000108000300000000000c0001005f5f6d61702564000800040000000002",
        "020000000d00010073776b2d74657374000000000d000200736572766963657300000000cc000480340001800c0001007061796c6f61640024000280080001000000000108000200000000010800030000000010080004000000000424000180090001006d657461000000001400028008000200000000100800010000000009340001800c0001007061796c6f61640024000280080001000000000a0800020000000002080003000000000208000400000000023c0001800b0001006c6f6f6b757000002c0002800800020000000001080003000000000010000100736572766963652d697073000800040000000001",
        "020000000d00010073776b2d7465737400000000130002006e61742d707265726f7574696e67000044000480400001800e000100696d6d6564696174650000002c0002800800010000000000200002801c00028008000100fffffffd0d000200736572766963657300000000",
        "020000000d00010073776b2d74657374000000000a0002006c6f63616c0000009c0004802800018008000100666962001c0002800800030000000002080002000000000308000100000000012c00018008000100636d700020000280080001000000000108000200000000000c0003800800010002000000140001800c000100636f756e7465720004000280300001800e000100696d6d6564696174650000001c0002800800010000000000100002800c0002800800010000000001",
        "020000000d00010073776b2d74657374000000000a0002006c6f63616c000000c40004802000018007000100637400001400028008000200000000000800010000000001440001800c0001006269747769736500340002800800010000000001080002000000000108000300000000040c00048008000100060000000c00058008000100000000002c00018008000100636d700020000280080001000000000108000200000000010c0003800800010000000000300001800e000100696d6d6564696174650000001c0002800800010000000000100002800c0002800800010000000001",
        "020000000d00010073776b2d74657374000000000a0002006c6f63616c00000028000480240001800b00010072656a65637400001400028008000100000000000500020003000000",
        "020000000d00010073776b2d746573740000000009000200706f737400000000200004801c000180090001006d617371000000000c0002800800010000000010"
    ]

    static func ruleset() -> NFTBatch {
        var b = NFTBatch(family: .ipv4, table: "swk-test")
        b.addTable()
        b.addChain("ep1")
        b.addChain("svc1")
        b.addChain("services")
        b.addChain("nat-prerouting", base: .init(type: "nat", hook: .prerouting, priority: -100))
        b.addChain("local")
        b.addChain("post", base: .init(type: "nat", hook: .postrouting, priority: 100))
        let serviceIPs = b.addSet(.init(name: "service-ips", keyTypes: [.ipv4Address, .inetProtocol, .inetService], verdictMap: true))
        b.addRule(chain: "ep1", NFTMatch.ipv4(destination: false, IPAddress("10.1.0.5")!) + NFTMatch.setMarkBits(0x4000))
        b.addRule(chain: "ep1", NFTMatch.l4proto(6) + NFTMatch.dnat(to: IPAddress("10.1.0.5")!, port: 8080))
        b.addRuleWithAnonymousVerdictMap(chain: "svc1", prefix: [.numgenRandom(modulus: 2, into: NFT.Register.r1)], register: NFT.Register.r1,
                                         entries: [(0, .goto, "ep1"), (1, .goto, "ep1")])
        b.addRule(chain: "services", NFTMatch.destinationTuple() + [.lookup(set: "service-ips", setID: serviceIPs, from: NFT.Register.r1, verdict: true, invert: false)])
        b.addRule(chain: "nat-prerouting", [.verdict(.jump, chain: "services")])
        b.addRule(chain: "local", NFTMatch.destinationIsLocal() + [.counter, .verdict(.accept, chain: nil)])
        b.addRule(chain: "local", NFTMatch.establishedOrRelated() + [.verdict(.accept, chain: nil)])
        b.addRule(chain: "local", [.reject(.icmpUnreachable, code: 3)])
        b.addRule(chain: "post", [.masquerade(fullyRandom: true)])
        return b
    }

    static func withoutLastAttribute(_ payload: [UInt8]) -> [UInt8] {
        var offset = 4, last = 4
        while offset + 4 <= payload.count {
            last = offset
            offset += (Int(payload[offset]) | Int(payload[offset + 1]) << 8 + 3) & ~3
        }
        return Array(payload[..<last])
    }

    func hex(_ bytes: ArraySlice<UInt8>) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test func matchesNftByteForByte() {
        let batch = Self.ruleset()
        #expect(batch.messages.count == Self.nft.count)
        for (i, (m, expected)) in zip(batch.messages, Self.nft).enumerated() {
            // Message 16 (`ct state established,related`): nft leaves out NFTA_BITWISE_OP, which defaults to the same boolean op.
            if i == 16 { continue }
            // Sets: nft's userdata also records typeof expressions; ours only the byte orders. Compare without it.
            let payload = m.type == 0x0a09 ? Self.withoutLastAttribute(m.payload) : m.payload
            #expect(hex(payload[...]) == expected, "message \(i): \(m.summary)")
        }
    }

    @Test func framingAndTypes() {
        let framed = Self.ruleset().framed
        #expect(framed.first?.type == 0x10 && framed.last?.type == 0x11)
        #expect(framed.first?.serialized(sequence: 0) == [20, 0, 0, 0, 0x10, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a])
        #expect(framed[1].type == 0x0a00 && framed[2].type == 0x0a03)
        #expect(framed.filter { $0.type == 0x0a06 }.allSatisfy { $0.flags == [.request, .create, .append] })
    }

    @Test func applyAcksOnlyTheLastChange() throws {
        let fake = RecordingNetlinkConnection()
        try NFTables(connection: fake).apply(Self.ruleset())
        let sent = try #require(fake.sent.first)
        #expect(sent.filter { $0.flags.contains(.ack) }.count == 1)
        #expect(sent[sent.count - 2].flags.contains(.ack))
    }

    @Test func concatenatedKeyTypes() {
        #expect(NFT.DataType.concatenation([.ipv4Address, .inetProtocol, .inetService]) == 0x730d)
    }
}

/// The expressions NetworkPolicy added: nft_range (`th dport 8000-8090`)
/// and `fib saddr type local`, byte for byte as libnftnl lays them out.
@Suite struct NFTPolicyExpressionTests {
    func hex(_ e: NFTExpression) -> String {
        var m = NetlinkMessage(type: 0, flags: [], summary: "")
        e.encode(into: &m)
        return m.payload.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    @Test func rangeBytes() {
        #expect(hex(.range(NFT.Register.r1, from: [0x1f, 0x40], to: [0x1f, 0x9a])) ==
                "3c000180" + "0a00010072616e6765000000" + "2c000280" + "080001000000000108000200000000000c00038006000100" + "1f400000"
                + "0c000480060001001f9a0000")
    }

    @Test func fibSourceTypeBytes() {
        #expect(hex(.fibSourceAddressType(into: NFT.Register.r1)) ==
                "28000180" + "0800010066696200" + "1c000280" + "080003000000000108000200000000030800010000000001")
    }

    @Test func rangeDecodesBack() {
        var m = NetlinkMessage(type: 0, flags: [], summary: "")
        let e = NFTExpression.range(NFT.Register.r1, from: [0, 80], to: [0, 90])
        e.encode(into: &m)
        let decoded = NFTExpression.decodeList(NetlinkAttributes(m.payload[...]))
        #expect(decoded.expressions == [e] && decoded.unknown.isEmpty)
    }
}
