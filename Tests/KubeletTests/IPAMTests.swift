import Testing
#if canImport(Glibc)
import Glibc
#endif
import Netlink
import Runtime
@testable import Kubelet
import LinuxSystem

@Suite final class IPAMTests {
    let dir: String

    init() {
        var template = Array("/tmp/swiftkube-ipam-XXXXXX".utf8CString)
        dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit { try? FileIO.removeTree(dir) }

    @Test func allocatesPersistsAndSurvivesRestart() throws {
        let cidr = try #require(CIDR("10.244.3.0/24"))
        let ipam = try IPAM(cidr: cidr, directory: dir)
        #expect(ipam.gateway == IPAddress("10.244.3.1"))
        let a = try ipam.allocate(for: "pod-a")
        let b = try ipam.allocate(for: "pod-b")
        #expect(a == IPAddress("10.244.3.2") && b == IPAddress("10.244.3.3"))
        #expect(try ipam.allocate(for: "pod-a") == a)
        // A new instance (a restarted kubelet) sees the same allocations.
        let again = try IPAM(cidr: cidr, directory: dir)
        #expect(try again.allocate(for: "pod-c") == IPAddress("10.244.3.4"))
        try again.release(owner: "pod-a")
        #expect(try again.allocate(for: "pod-d") == IPAddress("10.244.3.2"))
        try again.releaseAll(except: ["pod-d"])
        #expect(again.allocations == [IPAddress("10.244.3.2")!: "pod-d"])
    }

    @Test func fullRangesAreAClearError() throws {
        let ipam = try IPAM(cidr: try #require(CIDR("10.0.0.0/30")), directory: dir)
        _ = try ipam.allocate(for: "one")
        #expect { try ipam.allocate(for: "two") } throws: { "\($0)".contains("no free addresses") }
    }

    @Test func interfaceNamesFitTheKernelLimit() {
        let name = PodNetwork.hostInterface(for: "3f2b9c1e-7d7a-4c55-9a0e-0d1c2b3a4f5e")
        #expect(name.count <= 15 && name.hasPrefix("veth"))
        #expect(name == PodNetwork.hostInterface(for: "3f2b9c1e-7d7a-4c55-9a0e-0d1c2b3a4f5e"))
    }
}
