import Foundation
import Testing
import KubeAPI
import Netlink
@testable import Kubelet

/// The node-route follower's decisions: which Node changes can move a
/// route (heartbeats cannot), and the routes a set of nodes makes.
@Suite struct NodeRoutesTests {
    func node(_ name: String, cidr: String?, ip: String?, heartbeat: Double = 0) -> Node {
        var n = Node(metadata: ObjectMeta(name: name))
        var spec = NodeSpec()
        spec.podCIDR = cidr
        spec.podCIDRs = cidr.map { [$0] }
        n.spec = spec
        var status = NodeStatus()
        status.addresses = ip.map { [NodeAddress(type: "InternalIP", address: $0)] }
        var ready = Condition(type: "Ready", status: "True")
        ready.lastHeartbeatTime = Timestamp(Date(timeIntervalSince1970: heartbeat))
        status.conditions = [ready]
        n.status = status
        return n
    }

    @Test func heartbeatsDoNotChangeRoutes() {
        let before = node("b", cidr: "10.244.1.0/24", ip: "192.168.0.2", heartbeat: 0)
        let after = node("b", cidr: "10.244.1.0/24", ip: "192.168.0.2", heartbeat: 10)
        #expect(!Kubelet.changesRoutes(.updated(old: before, new: after)))
    }

    @Test func cidrAddressMembershipAndListsChangeRoutes() {
        let b = node("b", cidr: "10.244.1.0/24", ip: "192.168.0.2")
        #expect(Kubelet.changesRoutes(.updated(old: node("b", cidr: nil, ip: "192.168.0.2"), new: b)))
        #expect(Kubelet.changesRoutes(.updated(old: node("b", cidr: "10.244.1.0/24", ip: "192.168.0.9"), new: b)))
        #expect(Kubelet.changesRoutes(.added(b)))
        #expect(Kubelet.changesRoutes(.deleted(b)))
        #expect(Kubelet.changesRoutes(.synced))
    }

    @Test func routesSkipThisNodeAndNodesWithoutCIDROrAddress() throws {
        let nodes = [
            node("self", cidr: "10.244.0.0/24", ip: "192.168.0.1"),
            node("b", cidr: "10.244.1.0/24", ip: "192.168.0.2"),
            node("c", cidr: nil, ip: "192.168.0.3"),
            node("d", cidr: "10.244.3.0/24", ip: nil),
        ]
        let routes = Kubelet.routes(nodes, except: "self")
        let cidr = try #require(CIDR("10.244.1.0/24"))
        #expect(routes.count == 1)
        #expect(routes[cidr] == IPAddress("192.168.0.2"))
    }
}
