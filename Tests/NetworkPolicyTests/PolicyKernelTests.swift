#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KubeAPI
import LinuxSystem
import Netfilter
import Netlink
import Testing
import TestSupport
@testable import NetworkPolicy

/// The policy table in the real kernel, with real packets: a node namespace
/// with a bridge and three pods (veths), and an outside host, all namespaces
/// the test creates. Bridged pod-to-pod traffic passes the table because the
/// node's namespace has bridge-nf-call-iptables on, as the enforcer sets it.
/// Every connection tried is also asked of the tracer, which must agree.
///
///     ext (192.168.211.99) ──veth── node (192.168.211.10; br0 10.244.7.1/24) ──br0── a .11 (web), b .12 (db), c .13 (client)
@Suite(.ownThread, .serialized, .requires(.root, .tool("nft", package: "nftables"), .tool("ip", package: "iproute2"),
                                          .tool("busybox", package: "busybox-static")))
struct PolicyKernelTests {
    typealias F = Fixtures
    static let pods = ["a": "10.244.7.11", "b": "10.244.7.12", "c": "10.244.7.13"]

    final class Lab {
        let tag = UInt16.random(in: 1...UInt16.max)
        var namespaces: [String] = []
        var processes: [Int32] = []
        let dir = TestPaths.temporaryDirectory("swiftkube-netpol")
        func ns(_ role: String) -> String { "swk-np\(tag)-\(role)" }

        @discardableResult
        func sh(_ command: String) throws -> TestProcess.Result {
            let r = try TestProcess.run(["/bin/sh", "-ec", command], timeout: 60)
            guard r.code == 0 else { throw TestError("\(command): \(r)") }
            return r
        }

        init() throws {
            do {
                for role in ["node", "ext"] + PolicyKernelTests.pods.keys.sorted() {
                    try sh("ip netns add \(ns(role)) && ip -n \(ns(role)) link set lo up")
                    namespaces.append(ns(role))
                }
                let node = ns("node")
                try sh("""
                    ip -n \(node) link add br0 type bridge && ip -n \(node) addr add 10.244.7.1/24 dev br0 && ip -n \(node) link set br0 up
                    ip -n \(node) link add eth0 type veth peer name eth0 netns \(ns("ext"))
                    ip -n \(node) addr add 192.168.211.10/24 dev eth0 && ip -n \(node) link set eth0 up
                    ip -n \(ns("ext")) addr add 192.168.211.99/24 dev eth0 && ip -n \(ns("ext")) link set eth0 up
                    ip -n \(ns("ext")) route add 10.244.7.0/24 via 192.168.211.10
                    ip netns exec \(node) sysctl -qw net.ipv4.ip_forward=1
                    """)
                for (role, ip) in PolicyKernelTests.pods.sorted(by: { $0.key < $1.key }) {
                    try sh("""
                        ip -n \(node) link add v-\(role) type veth peer name eth0 netns \(ns(role))
                        ip -n \(node) link set v-\(role) master br0 up
                        ip -n \(ns(role)) addr add \(ip)/24 dev eth0 && ip -n \(ns(role)) link set eth0 up
                        ip -n \(ns(role)) route add default via 10.244.7.1
                        """)
                    // Two servers per pod: 8080 (the named port `http` of a) and 9000.
                    let root = dir + "/www-\(role)"
                    mkdir(root, 0o755)
                    try "\(role)\n".write(toFile: root + "/index.html", atomically: true, encoding: .utf8)
                    for port in [8080, 9000] {
                        processes.append(try spawn(["/usr/sbin/ip", "netns", "exec", ns(role), TestPaths.which("busybox")!, "httpd", "-f", "-p", String(port), "-h", root]))
                    }
                }
            } catch {
                tearDown()
                throw error
            }
        }

        func spawn(_ args: [String]) throws -> Int32 {
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer { close(null) }
            return try Spawn.start(Spawn.Request(path: args[0], args: args, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], fds: [(null, 0), (null, 1), (null, 2)]))
        }

        /// Whether an HTTP GET from `role` to ip:port is answered (2 s for a dropped SYN).
        func reaches(from role: String, _ ip: String, _ port: Int) -> Bool {
            let nc = TestPaths.which("busybox")! + " nc -w 2 \(ip) \(port)"
            let r = try? TestProcess.run(["/usr/sbin/ip", "netns", "exec", ns(role), "/bin/sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | \(nc)"], timeout: 20)
            return r?.stdout.contains(" 200 ") == true
        }

        func tearDown() {
            for pid in processes {
                kill(pid, SIGKILL)
                _ = try? waitForExit(pid, timeout: 5)
            }
            TestNamespaces.delete(namespaces)
            try? FileIO.removeTree(dir)
        }
    }

    func pod(_ role: String, _ labels: [String: String], ports: [PodInfo.NamedPort] = []) -> PodInfo {
        F.pod("prod", role, Self.pods[role]!, labels, ports: ports)
    }

    @Test func packetsAreAllowedAndDeniedAsPlannedAndTheTracerAgrees() throws {
        let lab = try Lab()
        defer { lab.tearDown() }
        // As the enforcer does at start, in the node's namespace.
        try lab.sh("ip netns exec \(lab.ns("node")) sysctl -qw net.bridge.bridge-nf-call-iptables=1")
        let nft = try NFTables.open(namespace: "/run/netns/\(lab.ns("node"))")
        let syncer = PolicyTableSyncer(nft: nft)
        var planner = PolicyPlanner(nodeName: "node-1")
        planner.update(namespace: "prod", labels: ["kubernetes.io/metadata.name": "prod"])
        planner.update(pod: pod("b", ["app": "db"]))
        planner.update(pod: pod("c", ["app": "client"]))
        for y in [
            // db: only from web, on 8080.
            "metadata: {name: db, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 8080}]}]",
            // web: anyone, on its port named http.
            "metadata: {name: web, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: [{ports: [{port: http}]}]",
            // client: egress only into the pod range, db excepted.
            "metadata: {name: client, namespace: prod}\nspec:\n  podSelector: {matchLabels: {app: client}}\n  policyTypes: [Egress]\n  egress: [{to: [{ipBlock: {cidr: 10.244.7.0/24, except: [10.244.7.12/32]}}]}]",
        ] { planner.update(policy: F.policy(y)) }
        var chains = PolicyChains(Array(planner.policies.values))
        #expect(try syncer.sync(&planner, chains).full)

        func check(_ from: String, _ to: String, _ port: Int, _ expected: Bool, _ note: Comment) {
            let fromIP = from == "ext" ? "192.168.211.99" : Self.pods[from]!
            let toIP = Self.pods[to]!
            let reached = lab.reaches(from: from, toIP, port)
            let answer = F.trace(planner, fromIP, toIP, UInt16(port))
            #expect(reached == expected, "\(from) → \(to):\(port) \(reached ? "reached" : "blocked"): \(note)")
            #expect(answer.allowed == reached, "the tracer says \(answer) but the packet was \(reached ? "answered" : "dropped")")
        }

        // a is not yet a pod the enforcer knows: nothing selects it, nothing selects it as web.
        check("a", "b", 8080, false, "db admits only app=web, and a is not known yet")
        // a comes up: one partial sync, set elements only.
        planner.update(pod: pod("a", ["app": "web"], ports: [.init(name: "http", proto: 6, port: 8080)]))
        let added = try syncer.sync(&planner, chains)
        #expect(!added.full && added.changes > 0)
        check("a", "b", 8080, true, "web → db on 8080 (same bridge)")
        check("a", "b", 9000, false, "db admits 8080 only")
        check("c", "b", 8080, false, "client is not web, and its egress excepts db")
        check("ext", "a", 8080, true, "web admits anyone on its named port http (8080)")
        check("ext", "a", 9000, false, "9000 is not a's port named http")
        check("c", "a", 8080, true, "client's egress allows the pod range; web admits it")
        check("ext", "c", 9000, true, "client is not isolated for ingress")
        check("b", "a", 8080, true, "db may connect out; web's reply to db's port passes only by conntrack (db admits web on 8080 alone)")
        // The node itself reaches every pod (probes), isolated or not.
        let node = try? TestProcess.run(["/usr/sbin/ip", "netns", "exec", lab.ns("node"), "/bin/sh", "-c",
                                         "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | \(TestPaths.which("busybox")!) nc -w 2 10.244.7.12 9000"], timeout: 20)
        #expect(node?.stdout.contains(" 200 ") == true, "node → b:9000")
        #expect(F.trace(planner, "10.244.7.1", "10.244.7.12", 9000, fromNode: true).allowed)

        // The kernel holds what was planned: rules read back decode to the planned expressions.
        for (name, rules) in chains.chains {
            let programmed = try nft.rules(family: .ipv4, table: PolicyChains.table, chain: name)
            #expect(programmed.map(\.expressions) == rules.map(\.expressions), "chain \(name)")
            #expect(programmed.allSatisfy { $0.unknownExpressions.isEmpty })
        }
        let listing = try lab.sh("ip netns exec \(lab.ns("node")) nft list table ip kube-network-policy").stdout
        for expected in ["ip daddr . meta l4proto . tcp dport @port-tcp-http", "ip daddr != @ingress-isolated accept", "fib saddr type local accept",
                         "ct state established,related accept", "10.244.7.11 . tcp . 8080"] {
            #expect(listing.contains(expected), "missing \(expected) in:\n\(listing)")
        }

        // A policy deleted: its chain and sets go, in a partial sync.
        planner.remove(policy: ObjectRef(namespace: "prod", name: "db"))
        chains = PolicyChains(Array(planner.policies.values))
        #expect(!(try syncer.sync(&planner, chains)).full)
        check("a", "b", 9000, true, "db is no longer isolated")
        #expect(try nft.chains(family: .ipv4, table: PolicyChains.table).map(\.name).sorted() == chains.order.sorted())

        // Someone deletes the table: the next sync rebuilds it in full.
        try lab.sh("ip netns exec \(lab.ns("node")) nft delete table ip kube-network-policy")
        #expect(try syncer.sync(&planner, chains).full)
        check("c", "b", 9000, false, "client's egress excepts db")
    }
}
