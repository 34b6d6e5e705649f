import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
import Netlink
import Runtime
@testable import Kubelet
import LinuxSystem

/// Node and pod networking inside namespaces the test creates: a "node"
/// namespace holding the bridge, two "pod" namespaces, traffic between pods.
@Suite(.ownThread, .requires(.root, .tool("ip", package: "iproute2"), .tool("ping", package: "iputils-ping"), .tool("nft", package: "nftables")))
struct PodNetworkTests {
    func sh(_ command: String) -> (Int32, String) { shell(command) }

    @Test func podsOnOneNodeReachEachOtherAndTheGateway() throws {
        let tag = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        let node = "swk-node-\(tag)", podA = "swk-pa-\(tag)", podB = "swk-pb-\(tag)"
        for ns in [node, podA, podB] { #expect(sh("ip netns add \(ns)").0 == 0) }
        var template = Array("/tmp/swiftkube-podnet-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        defer {
            TestNamespaces.delete([podA, podB, node])
            try? FileIO.removeTree(dir)
        }
        let config = NodeNetwork.Configuration(bridge: "swk0", podCIDR: CIDR("10.244.7.0/24")!, clusterCIDR: CIDR("10.244.0.0/16")!, mtu: 1450)
        let nodeNet = NodeNetwork(configuration: config, namespace: "/run/netns/\(node)")
        _ = try nodeNet.setUp()
        _ = try nodeNet.setUp() // idempotent
        let pods = PodNetwork(node: nodeNet, ipam: try IPAM(cidr: config.podCIDR, directory: dir))
        let a = try pods.connect(podUID: "uid-a", netns: "/run/netns/\(podA)")
        let b = try pods.connect(podUID: "uid-b", netns: "/run/netns/\(podB)")
        #expect(try pods.connect(podUID: "uid-a", netns: "/run/netns/\(podA)") == a)
        #expect(a == IPAddress("10.244.7.2") && b == IPAddress("10.244.7.3"))

        let ping = sh("ip netns exec \(podA) ping -c 1 -W 5 \(b) && ip netns exec \(podB) ping -c 1 -W 5 10.244.7.1")
        #expect(ping.0 == 0, "\(ping.1)")
        let mtu = sh("ip netns exec \(podA) cat /sys/class/net/eth0/mtu")
        #expect(mtu.1 == "1450\n")
        let rules = sh("ip netns exec \(node) nft list table ip swiftkube-node")
        #expect(rules.1.contains("ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade fully-random"), "\(rules.1)")
        #expect(rules.1.contains("comment \"pods leaving the cluster network\""), "\(rules.1)")

        try nodeNet.syncRoutes([CIDR("10.244.8.0/24")!: IPAddress("10.244.7.250")!])
        #expect(sh("ip netns exec \(node) ip route").1.contains("10.244.8.0/24 via 10.244.7.250"))
        try nodeNet.syncRoutes([:])
        #expect(!sh("ip netns exec \(node) ip route").1.contains("10.244.8.0/24"))

        try pods.disconnect(podUID: "uid-a")
        #expect(sh("ip netns exec \(podA) ip link show eth0").0 != 0)
        #expect(pods.ipam.allocations.values.sorted() == ["uid-b"])
        try nodeNet.tearDown()
        #expect(sh("ip netns exec \(node) nft list tables").1.isEmpty)
    }
}
