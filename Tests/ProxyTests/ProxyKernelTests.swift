import Testing
import Foundation
import KubeAPI
import Netfilter
import Netlink
import TestSupport
@testable import Proxy

/// The ruleset applied to the real kernel in a network namespace the test
/// creates; `nft` only observes.
@Suite(.ownThread, .requires(.root, .tool("nft", package: "nftables"), .tool("ip", package: "iproute2")))
struct ProxyKernelTests {
    typealias F = Fixtures

    func sh(_ command: String) -> TestProcess.Result {
        (try? TestProcess.run(["/bin/sh", "-c", command], timeout: 60)) ?? TestProcess.Result(status: .init(code: 255), stdout: "", stderr: "did not run")
    }

    func withNamespace(_ body: (String) throws -> Void) throws {
        let ns = "swk-pxk-\(UInt16.random(in: 1...UInt16.max))"
        #expect(sh("ip netns add \(ns)").code == 0)
        defer { TestNamespaces.delete([ns]) }
        try body(ns)
    }

    @Test func fullAndPartialSyncsReadBack() throws {
        try withNamespace { ns in
            let nft = try NFTables.open(namespace: "/run/netns/\(ns)")
            let syncer = TableSyncer(nft: nft, configuration: F.config())
            let (services, slices) = RulesetTests.webService()
            let udp = F.service("dns", clusterIP: "10.96.0.53", ports: [F.port(53, name: "dns", proto: "UDP")], affinity: 30)
            let udpSlice = F.slice("dns-1", service: "dns", ports: [("dns", 5353, "UDP")], endpoints: [F.endpoint("10.244.1.20")])
            let empty = F.service("empty", clusterIP: "10.96.0.99", ports: [F.port(80)])
            var ruleset = F.ruleset(services + [udp, empty], slices + [udpSlice])
            #expect(try syncer.sync(ruleset, changed: [], kind: .full).kind == .full)

            // What the kernel holds, read back over netlink, matches what was written.
            let dump = try ServiceDump.read(nft)
            #expect(dump.map(\.service) == ["default/dns:dns", "default/empty", "default/web:http"])
            #expect(dump[2].addresses == ["10.96.0.10:80"] && dump[2].nodePorts == [30080])
            #expect(dump[2].endpoints == ["10.244.1.10:8080", "10.244.1.11:8080"])
            #expect(dump[0].endpoints == ["10.244.1.20:5353"] && dump[0].proto == .udp)
            #expect(dump[1].refusal == "reject" && dump[1].endpoints.isEmpty)
            let inventory = try #require(try syncer.inventory())
            #expect(inventory.chains == Set(ruleset.allChains.keys))
            #expect(try nft.rules(family: .ipv4, table: "kube-proxy").count == ruleset.ruleCount)

            // nft agrees (JSON listing).
            let json = sh("ip netns exec \(ns) nft -j list table ip kube-proxy")
            #expect(json.code == 0)
            let listing = sh("ip netns exec \(ns) nft list table ip kube-proxy").stdout
            for expected in ["ip daddr . meta l4proto . th dport vmap @service-ips", "10.96.0.53 . udp . 53 : goto service-",
                             "goto dnat-service-ips", "10.96.0.10 . tcp . 80 . 0x00000001 : 10.244.1.11 . 8080",
                             "dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 2 map @service-ip-endpoints-2",
                             "ct original ip daddr . ip saddr . ip daddr @hairpin masquerade fully-random",
                             "dnat to 10.244.1.20:5353", "update @affinity-", "flags dynamic,timeout", "timeout 30s",
                             "reject with tcp reset", "fib daddr type local", "masquerade fully-random"] {
                #expect(listing.contains(expected), "missing \(expected) in:\n\(listing)")
            }

            // A partial sync: one endpoint gone, a service added, one deleted.
            let web = ServiceName(namespace: "default", name: "web"), extra = ServiceName(namespace: "default", name: "extra")
            let dns = ServiceName(namespace: "default", name: "dns")
            ruleset.update(web, ports: ServiceModel.ports(of: services[0], slices: [F.slice("web-1", service: "web", ports: [("http", 8080, "TCP")],
                                                                                            endpoints: [F.endpoint("10.244.1.11")])], family: .ipv4).ports)
            ruleset.update(extra, ports: ServiceModel.ports(of: F.service("extra", clusterIP: "10.96.0.77", ports: [F.port(8080)]),
                                                            slices: [F.slice("extra-1", service: "extra", endpoints: [F.endpoint("10.244.3.3")])], family: .ipv4).ports)
            ruleset.update(dns, ports: nil)
            let report = try syncer.sync(ruleset, changed: [web, extra, dns], kind: .partial)
            #expect(report.kind == .partial && report.changes > 0)
            let after = try ServiceDump.read(nft)
            #expect(after.map(\.service) == ["default/empty", "default/extra", "default/web:http"])
            #expect(after[2].endpoints == ["10.244.1.11:8080"])
            #expect(try syncer.inventory()?.chains == Set(ruleset.allChains.keys))
            #expect(try syncer.inventory()?.sets.keys.contains { $0.hasPrefix("affinity-") } == false)

            // Someone deletes the table: the next (partial) sync rebuilds it in full.
            #expect(sh("ip netns exec \(ns) nft delete table ip kube-proxy").code == 0)
            #expect(try syncer.sync(ruleset, changed: [], kind: .partial).kind == .full)
            #expect(try ServiceDump.read(nft) == after)

            // Other tables are left alone; cleanup removes only ours.
            #expect(sh("ip netns exec \(ns) nft add table ip firewall").code == 0)
            #expect(try syncer.deleteTable())
            #expect(sh("ip netns exec \(ns) nft list tables").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "table ip firewall")
        }
    }

    /// `nft -j` output without handles, one string per object, map elements
    /// sorted: what two tables hold, whatever the order they were built in.
    static func objects(_ json: String) -> [String] {
        func canonical(_ value: Any, key: String? = nil) -> Any {
            if let dict = value as? [String: Any] {
                return dict.filter { $0.key != "handle" }.mapValues { canonical($0) }.reduce(into: [String: Any]()) { out, pair in
                    out[pair.key] = pair.key == "elem" ? sortedElements(pair.value) : pair.value
                }
            }
            if let array = value as? [Any] { return array.map { canonical($0) } }
            return value
        }
        func serialized(_ value: Any) -> String {
            (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]))
                .map { String(decoding: $0, as: UTF8.self) } ?? "\(value)"
        }
        func sortedElements(_ value: Any) -> Any { (value as? [Any]).map { $0.sorted { serialized($0) < serialized($1) } } ?? value }
        let top = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        let list = top?["nftables"] as? [[String: Any]] ?? []
        return list.filter { $0["metainfo"] == nil }.map { serialized(canonical($0)) }.sorted()
    }

    @Test func programmedTextIsTheSameTable() throws {
        // scripts/bench-proxy's reference: nft -f of RulesetText(.programmed) loads what a sync programs.
        try withNamespace { synced in
            try withNamespace { loaded in
                let syncer = TableSyncer(nft: try NFTables.open(namespace: "/run/netns/\(synced)"), configuration: F.config())
                let (services, slices) = RulesetTests.webService(endpoints: ["10.244.1.10", "10.244.1.11", "10.244.1.12"])
                let udp = F.service("dns", clusterIP: "10.96.0.53", ports: [F.port(53, name: "dns", proto: "UDP")], affinity: 30)
                let udpSlice = F.slice("dns-1", service: "dns", ports: [("dns", 5353, "UDP")],
                                       endpoints: [F.endpoint("10.244.1.20"), F.endpoint("10.244.1.21")])
                let empty = F.service("empty", clusterIP: "10.96.0.99", ports: [F.port(80)])
                let ruleset = F.ruleset(services + [udp, empty], slices + [udpSlice])
                try syncer.sync(ruleset, changed: [], kind: .full)
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("swk-programmed-\(UUID().uuidString).nft")
                defer { try? FileManager.default.removeItem(at: file) }
                try RulesetText.render(ruleset, notation: .programmed).write(to: file, atomically: true, encoding: .utf8)
                let load = sh("ip netns exec \(loaded) nft -f \(file.path)")
                #expect(load.code == 0, "\(load.stderr)")
                // The one difference: nft names the index of an endpoint map's key after the set's
                // declared type, `mark` for ours (a type) and `integer` for the text's (a typeof).
                let ours = Self.objects(sh("ip netns exec \(synced) nft -j list table ip kube-proxy").stdout)
                    .map { $0.replacingOccurrences(of: "\"inet_service\",\"mark\"]", with: "\"inet_service\",\"integer\"]") }
                let nfts = Self.objects(sh("ip netns exec \(loaded) nft -j list table ip kube-proxy").stdout)
                #expect(!ours.isEmpty)
                #expect(ours == nfts, "only in ours: \(Set(ours).subtracting(nfts))\nonly in nft's: \(Set(nfts).subtracting(ours))")
                #expect(try syncer.nft.rules(family: .ipv4, table: "kube-proxy").count == ruleset.ruleCount)
            }
        }
    }

    @Test func failedTransactionLeavesThePreviousRuleset() throws {
        try withNamespace { ns in
            let nft = try NFTables.open(namespace: "/run/netns/\(ns)")
            let syncer = TableSyncer(nft: nft, configuration: F.config())
            let (services, slices) = RulesetTests.webService()
            let ruleset = F.ruleset(services, slices)
            try syncer.sync(ruleset, changed: [], kind: .full)
            let before = sh("ip netns exec \(ns) nft list table ip kube-proxy").stdout
            // A change that refers to a chain that does not exist: the kernel refuses the whole batch.
            var bad = ruleset
            let name = ServiceName(namespace: "default", name: "broken")
            bad.update(name, ports: [ServicePortInfo(service: name, port: 81, clusterIP: F.ip("10.96.0.81"),
                                                     endpoints: [ProxyEndpoint(address: F.ip("10.244.9.9"), port: 81)])])
            var batch = RulesetChanges.partial(from: ruleset.services, base: ruleset.base, to: bad, services: [name])
            batch.addRule(chain: ChainNames.services, [.verdict(.jump, chain: "no-such-chain")])
            #expect {
                try nft.apply(batch)
            } throws: { error in
                (error as? NetlinkError)?.operation == "add rule ip kube-proxy services"
            }
            #expect(sh("ip netns exec \(ns) nft list table ip kube-proxy").stdout == before)
            _ = try syncer.deleteTable()
        }
    }

    @Test func ipv6EndpointMapsSyncAndReadBack() throws {
        try withNamespace { ns in
            let nft = try NFTables.open(namespace: "/run/netns/\(ns)")
            let syncer = TableSyncer(nft: nft, configuration: F.config(.ipv6))
            let svc = F.service("web6", clusterIP: "fd00:96::10", type: "NodePort", ports: [F.port(80, nodePort: 30081)])
            let slice = F.slice("web6-1", service: "web6", addressType: "IPv6", endpoints: [F.endpoint("fd00:244::10"), F.endpoint("fd00:244::11")])
            try syncer.sync(F.ruleset([svc], [slice], family: .ipv6), changed: [], kind: .full)
            let dump = try ServiceDump.read(nft, family: .ipv6)
            #expect(dump.map(\.service) == ["default/web6"])
            #expect(dump.first?.addresses == ["[fd00:96::10]:80"] && dump.first?.nodePorts == [30081])
            #expect(dump.first?.endpoints == ["[fd00:244::10]:8080", "[fd00:244::11]:8080"])
            let listing = sh("ip netns exec \(ns) nft list table ip6 kube-proxy").stdout
            for expected in ["dnat ip6 to ip6 daddr . meta l4proto . th dport . numgen random mod 2 map @service-ip-endpoints-2",
                             "fd00:96::10 . tcp . 80 . 0x00000001 : fd00:244::11 . 8080",
                             "ct original ip6 daddr . ip6 saddr . ip6 daddr @hairpin masquerade fully-random"] {
                #expect(listing.contains(expected), "missing \(expected) in:\n\(listing)")
            }
        }
    }

    @Test func missingTableIsReportedAsAbsent() throws {
        try withNamespace { ns in
            let nft = try NFTables.open(namespace: "/run/netns/\(ns)")
            #expect(try ServiceDump.read(nft).isEmpty)
            #expect(try TableSyncer(nft: nft, configuration: F.config()).deleteTable() == false)
        }
    }
}
