import Testing
import Netfilter
import Netlink
@testable import Proxy

/// A random pick of an endpoint chain as the kernel gets it: rules that give
/// every chain the same chance (no anonymous set per Service), or the
/// anonymous verdict map for large picks.
@Suite struct NumgenDispatchTests {
    static func chains(_ n: Int) -> [String] { (0..<n).map { "endpoint-\($0)" } }

    /// The expressions of each rule the batch adds.
    static func rules(_ batch: NFTBatch) -> [[NFTExpression]] {
        batch.messages.filter { $0.summary.hasPrefix("add rule") }.map { m in
            let attributes = NetlinkAttributes(m.payload[4...]) // after nfgenmsg
            return NFTExpression.decodeList(attributes[NFT.RuleAttr.expressions]?.nested ?? NetlinkAttributes([])).expressions
        }
    }

    static func compile(_ rule: ProxyRule) -> NFTBatch {
        var batch = NFTBatch(family: .ipv4, table: "kube-proxy")
        RuleCompiler(family: .ipv4).add(rule, chain: "service-x", to: &batch)
        return batch
    }

    static func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }

    @Test(arguments: [2, 3, 7, 10, NumgenDispatch.maxRules])
    func everyChainHasTheSameChance(_ n: Int) throws {
        let rule = ProxyRule([], [], .numgen(Self.chains(n)), comment: "default/web:http")
        let rules = Self.rules(Self.compile(rule))
        #expect(rules.count == n && rule.kernelRuleCount == n)
        // The chance of reaching each rule (no earlier one picked), exactly: num/den.
        var reach = (num: 1, den: 1)
        for (i, expressions) in rules.enumerated() {
            #expect(expressions.last == .verdict(.goto, chain: "endpoint-\(i)"))
            var picked = reach
            if case .numgenRandom(let modulus, let register)? = expressions.first {
                #expect(expressions.count == 3 && expressions[1] == .cmp(register, .eq, [0, 0, 0, 0]))
                #expect(Int(modulus) == n - i)
                picked.den *= Int(modulus)
                reach = (reach.num * (Int(modulus) - 1), reach.den * Int(modulus))
            } else {
                #expect(i == n - 1 && expressions.count == 1, "only the last rule picks without numgen")
            }
            let g = Self.gcd(picked.num, picked.den)
            #expect(picked.num / g == 1 && picked.den / g == n, "chain \(i) of \(n): \(picked)")
            let r = Self.gcd(reach.num, reach.den)
            reach = (reach.num / r, reach.den / r)
        }
    }

    @Test func largePicksKeepTheAnonymousMap() {
        let n = NumgenDispatch.maxRules + 1
        let rule = ProxyRule([], [], .numgen(Self.chains(n)))
        let batch = Self.compile(rule)
        #expect(rule.numgenDispatch == .verdictMap && rule.kernelRuleCount == 1)
        #expect(batch.messages.map(\.summary).contains { $0.hasPrefix("add anonymous map") })
        #expect(Self.rules(batch).count == 1)
    }

    @Test func rulesetCountsAndTextFollowTheKernel() throws {
        let (services, slices) = RulesetTests.webService(endpoints: ["10.244.1.10", "10.244.1.11", "10.244.1.12"])
        let r = Fixtures.ruleset(services, slices, endpointMaps: false)
        let port = ServiceModel.ports(of: services[0], slices: slices, family: .ipv4).ports[0]
        let serviceChain = ChainNames.service(port)
        #expect(r.allChains[serviceChain]?.count == 2)
        // Service chain: the masquerade rule and one rule per endpoint; the
        // external chain's 2 rules; 2 rules in each endpoint chain.
        #expect(r.services[RulesetTests.web]?.ruleCount == 1 + 3 + 2 + 2 * 3)
        let endpoints = port.endpoints.map { ChainNames.endpoint(port, $0) }
        let upstream = RulesetText.render(r)
        #expect(upstream.contains("numgen random mod 3 vmap { 0 : goto \(endpoints[0]), 1 : goto \(endpoints[1]), 2 : goto \(endpoints[2]) }"))
        let programmed = RulesetText.render(r, notation: .programmed)
        #expect(!programmed.contains("vmap {"))
        #expect(programmed.contains("numgen random mod 3 == 0 goto \(endpoints[0]) comment \"default/web:http\""))
        #expect(programmed.contains("numgen random mod 2 == 0 goto \(endpoints[1]) comment \"default/web:http\""))
        #expect(programmed.contains("\t\tgoto \(endpoints[2]) comment \"default/web:http\""))
    }
}
