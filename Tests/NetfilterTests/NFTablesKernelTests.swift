import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
import Netlink
@testable import Netfilter

/// The encoder against the real kernel, inside a network namespace the test
/// creates; `nft` only observes.
@Suite(.ownThread, .requires(.root, .tool("nft", package: "nftables"), .tool("ip", package: "iproute2")))
struct NFTablesKernelTests {
    func sh(_ command: String) -> (Int32, String) { shell(command) }

    @Test func appliesAtomicallyAndReportsTheFailingChange() throws {
        let ns = "swk-nft-\(UInt16.random(in: 0...UInt16.max))"
        #expect(sh("ip netns add \(ns)").0 == 0)
        defer { TestNamespaces.delete([ns]) }
        let nft = try NFTables.open(namespace: "/run/netns/\(ns)")
        #expect(try nft.tableExists(family: .ipv4, "swk-test") == false)
        try nft.apply(NFTEncoderTests.ruleset())
        #expect(try nft.tableExists(family: .ipv4, "swk-test"))
        let (_, listing) = sh("ip netns exec \(ns) nft list table ip swk-test")
        for expected in ["map service-ips", "type ipv4_addr . inet_proto . inet_service : verdict",
                         "ip saddr 10.1.0.5 meta mark set meta mark | 0x00004000", "meta l4proto tcp dnat to 10.1.0.5:8080",
                         "numgen random mod 2 vmap { 0 : goto ep1, 1 : goto ep1 }", "ip daddr . meta l4proto . th dport vmap @service-ips",
                         "type nat hook prerouting priority dstnat; policy accept;", "fib daddr type local counter packets 0 bytes 0 accept",
                         "ct state established,related accept", "reject", "masquerade fully-random"] {
            #expect(listing.contains(expected), "missing \(expected) in:\n\(listing)")
        }

        // A batch whose third change is impossible changes nothing.
        var bad = NFTBatch(family: .ipv4, table: "swk-test")
        bad.addChain("new-chain")
        bad.addElements("service-ips", [.init(key: [10, 96, 0, 10, 6, 0, 0, 0, 0, 80, 0, 0] /* 10.96.0.10 . tcp . 80 */, verdict: .goto, chain: "svc1")])
        bad.addRule(chain: "new-chain", [.verdict(.jump, chain: "no-such-chain")])
        #expect {
            try nft.apply(bad)
        } throws: { error in
            let e = error as? NetlinkError
            return e?.operation == "add rule ip swk-test new-chain" && e?.errno == ENOENT
        }
        let (_, after) = sh("ip netns exec \(ns) nft list table ip swk-test")
        #expect(!after.contains("new-chain") && !after.contains("10.96.0.10"), "\(after)")

        var cleanup = NFTBatch(family: .ipv4, table: "swk-test")
        cleanup.deleteTable()
        try nft.apply(cleanup)
        #expect(try nft.tableExists(family: .ipv4, "swk-test") == false)
    }
}
