import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
import Netlink
@testable import Runtime
import LinuxSystem

/// rtnetlink and pinned namespaces against the real kernel, entirely inside
/// network namespaces the test creates (no traffic on the host's interfaces).
@Suite(.ownThread, .requires(.root, .product("swiftrun"), .rootfs, .tool("nsenter"), .tool("ping")))
struct NetworkTests {
    @Test func bridgeVethAddressesAndRoutesBetweenTwoNamespaces() throws {
        var template = Array("/tmp/swiftrun-net-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        let exe = TestEnvironment.swiftrun!
        var pinned: [String] = []
        defer {
            PinnedNamespaces.remove(pinned)
            try? FileIO.removeTree(dir)
        }
        let node = try PinnedNamespaces.create([.network], in: dir + "/node", executable: exe)
        let pod = try PinnedNamespaces.create([.network, .uts, .ipc], in: dir + "/pod", hostname: "pod-1", executable: exe)
        pinned = Array(node.values) + Array(pod.values)
        #expect(PinnedNamespaces.isPinned(node[.network]!) && PinnedNamespaces.isPinned(pod[.uts]!))

        let nodeNet = try RouteNetlink.open(namespace: node[.network]!)
        try nodeNet.createBridge("br-test", mtu: 1450)
        let bridge = try #require(try nodeNet.link(named: "br-test"))
        #expect(bridge.kind == "bridge" && bridge.mtu == 1450)
        try nodeNet.addAddress(IPAddress("10.123.0.1")!, prefix: 24, to: bridge.index)
        try nodeNet.setUp(bridge.index)

        let podFD = open(pod[.network]!, O_RDONLY | O_CLOEXEC)
        defer { close(podFD) }
        try nodeNet.createVethPair("veth-test", peerName: "eth0", peerNamespaceFD: podFD, mtu: 1450)
        let veth = try #require(try nodeNet.link(named: "veth-test"))
        try nodeNet.setMaster(veth.index, master: bridge.index)
        try nodeNet.setHairpin(veth.index, true)
        try nodeNet.setUp(veth.index)
        #expect(try nodeNet.link(named: "veth-test")?.master == bridge.index)
        #expect(try nodeNet.link(named: "no-such-link") == nil)

        let podNet = try RouteNetlink.open(namespace: pod[.network]!)
        let eth0 = try #require(try podNet.link(named: "eth0"))
        let lo = try #require(try podNet.link(named: "lo"))
        try podNet.addAddress(IPAddress("10.123.0.2")!, prefix: 24, to: eth0.index)
        try podNet.setUp(eth0.index)
        try podNet.setUp(lo.index)
        try podNet.addRoute(to: nil, via: IPAddress("10.123.0.1"))
        #expect(try podNet.addresses().contains(AddressInfo(index: eth0.index, address: IPAddress("10.123.0.2")!, prefix: 24)))
        #expect(try podNet.routes().contains { $0.destination == nil && $0.gateway == IPAddress("10.123.0.1") })

        let ping = try TestProcess.run([TestPaths.which("nsenter")!, "--net=\(pod[.network]!)", "--uts=\(pod[.uts]!)",
                                        "sh", "-c", "hostname; ping -c 1 -W 5 10.123.0.1"])
        #expect(ping.code == 0, "\(ping)")
        #expect(ping.stdout.hasPrefix("pod-1\n"), "\(ping)")

        // Errors name the operation.
        #expect {
            try nodeNet.createBridge("br-test")
        } throws: { error in
            (error as? NetlinkError)?.description.hasPrefix("create bridge br-test: already exists") == true
        }
        try nodeNet.deleteLink(veth.index)
        #expect(try podNet.link(named: "eth0") == nil)
    }
}
