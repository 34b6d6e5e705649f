import Testing
@testable import Controllers

/// Address pools and the allocator behind the service-lb-controller.
@Suite struct LoadBalancerAllocatorTests {
    func pool(_ text: String) throws -> AddressPool { try AddressPool(parsing: text) }
    func ip(_ text: String) throws -> PoolAddress { try #require(PoolAddress(text)) }

    @Test func poolsParseRangesAndCIDRsOfBothFamiliesAndSayWhatIsWrong() throws {
        let range = try pool("192.0.2.100-192.0.2.150")
        let last = try ip("192.0.2.150"), after = try ip("192.0.2.151")
        #expect(range.contains(last) && !range.contains(after) && range.family == "IPv4")
        let cidr = try pool("2001:db8::/126")
        #expect(cidr.description == "2001:db8::-2001:db8::3" && cidr.family == "IPv6")
        #expect(try ip("2001:db8:0:0:1::1").description == "2001:db8::1:0:0:1")
        #expect(throws: AddressPool.ParseError.self) { try AddressPool(parsing: "192.0.2.9-192.0.2.1") }
        do {
            _ = try AddressPool(parsing: "192.0.2.1-2001:db8::1")
            Issue.record("a mixed-family range was accepted")
        } catch {
            #expect(error.description.contains("the two ends are of different IP families"))
        }
        do {
            _ = try AddressPool.parsePools(["10.96.1.0/24"], reserved: [("--service-cidr", "10.96.0.0/12")])
            Issue.record("a pool inside the service CIDR was accepted")
        } catch {
            #expect(error.description == #"address pool "10.96.1.0/24": overlaps --service-cidr 10.96.0.0/12; load-balancer addresses must lie outside it (write FIRST-LAST, e.g. 192.0.2.100-192.0.2.150, or a CIDR, e.g. 192.0.2.0/28)"#)
        }
        #expect(throws: AddressPool.ParseError.self) { try AddressPool.parsePools(["192.0.2.0/30,192.0.2.2-192.0.2.9"], reserved: []) }
        #expect(try AddressPool.parsePools(["192.0.2.0/30", "2001:db8::/127"], reserved: []).count == 2)
    }

    @Test func servicesGetTheLowestFreeAddressKeepItAndHonourRequests() throws {
        var a = LoadBalancerAllocator(pools: [try pool("192.0.2.1-192.0.2.2"), try pool("2001:db8::/127")])
        #expect(try a.assign("ns/a", families: ["IPv4"], requested: nil).map(\.description) == ["192.0.2.1"])
        #expect(try a.assign("ns/a", families: ["IPv4"], requested: nil).map(\.description) == ["192.0.2.1"], "kept")
        #expect(try a.assign("ns/b", families: ["IPv4", "IPv6"], requested: nil).map(\.description) == ["192.0.2.2", "2001:db8::"])
        #expect(throws: LoadBalancerAllocator.Failure.exhausted(family: "IPv4")) { try a.assign("ns/c", families: ["IPv4"], requested: nil) }
        #expect(throws: LoadBalancerAllocator.Failure.taken("192.0.2.2", by: "ns/b")) { try a.assign("ns/c", families: ["IPv4"], requested: "192.0.2.2") }
        #expect(throws: LoadBalancerAllocator.Failure.self) { try a.assign("ns/c", families: ["IPv4"], requested: "198.51.100.1") }
        // Asking for another address of the pool moves the Service there.
        a.release("ns/b")
        #expect(try a.assign("ns/a", families: ["IPv4"], requested: "192.0.2.2").map(\.description) == ["192.0.2.2"])
        #expect(a.addresses(of: "ns/a").map(\.description) == ["192.0.2.2"])
        #expect(throws: LoadBalancerAllocator.Failure.noPool(families: ["IPv6"])) {
            var v4only = LoadBalancerAllocator(pools: [try pool("192.0.2.1-192.0.2.2")])
            _ = try v4only.assign("ns/x", families: ["IPv6"], requested: nil)
        }
        // Restoring after a restart keeps what Services hold, first come first served.
        var b = LoadBalancerAllocator(pools: [try pool("192.0.2.1-192.0.2.2")])
        b.restore("ns/a", [try ip("192.0.2.2"), try ip("198.51.100.9")])
        let two = try ip("192.0.2.2")
        #expect(b.holders == [two: "ns/a"])
        #expect(try b.assign("ns/z", families: ["IPv4"], requested: nil).map(\.description) == ["192.0.2.1"])
    }
}
