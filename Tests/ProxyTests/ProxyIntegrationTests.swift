import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Netlink
import TestSupport
@testable import Proxy

/// kube-proxy end to end: a real controlplane, Services and EndpointSlices
/// created with kubectl, kube-proxy programming the node's namespace, and
/// traffic from a pod and from an outside host (see ``ProxyLab``).
@Suite(.ownThread, .serialized, .requires(ProxyLab.requirements))
struct ProxyIntegrationTests {
    static func service(_ name: String, ip: String, nodePort: Int? = nil, affinity: Bool = false) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(name), namespace: default}
        spec:
          type: \(nodePort == nil ? "ClusterIP" : "NodePort")
          clusterIP: \(ip)
          \(affinity ? "sessionAffinity: ClientIP\n  sessionAffinityConfig: {clientIP: {timeoutSeconds: 600}}" : "")
          ports:
          - {name: http, port: 80, targetPort: http, protocol: TCP\(nodePort.map { ", nodePort: \($0)" } ?? "")}
        ---

        """
    }

    static func slice(_ name: String, service: String, endpoints: [String]) -> String {
        """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: \(name)
          namespace: default
          labels: {kubernetes.io/service-name: \(service)}
        addressType: IPv4
        ports:
        - {name: http, port: 8080, protocol: TCP}
        endpoints:
        \(endpoints.map { "- {addresses: [\"\($0)\"], conditions: {ready: true}, nodeName: node-1}" }.joined(separator: "\n"))
        ---

        """
    }

    /// The servers reached by `count` fresh connections from `role` to `url`.
    func reached(_ lab: ProxyLab, from role: String, _ host: String, _ port: Int = 80, count: Int) -> [String: Int] {
        var seen: [String: Int] = [:]
        for _ in 0..<count {
            let r = lab.fetch(from: role, host, port)
            seen[r.body ?? "error: \(r.error)", default: 0] += 1
        }
        return seen
    }

    @Test func servicesWorkEndToEnd() throws {
        let lab = try ProxyLab()
        defer { lab.tearDown() }
        let all = lab.servers.values.sorted()
        try lab.apply(Self.service("web", ip: "10.96.100.10", nodePort: 30080) + Self.slice("web-1", service: "web", endpoints: all)
                      + Self.service("empty", ip: "10.96.100.20")
                      + Self.service("sticky", ip: "10.96.100.30", affinity: true) + Self.slice("sticky-1", service: "sticky", endpoints: all))
        try lab.startProxy()
        let programmed = eventually(seconds: 60) {
            let d = lab.dump()
            return d.contains("default/web:http") && d.contains("default/sticky:http") && d.contains("default/empty")
        }
        #expect(programmed, "kube-proxy did not program the services:\n\(lab.dump())\n\(lab.proxyLog)")
        guard programmed else { return }

        // ClusterIP from a pod reaches every endpoint over many connections.
        let fromPod = reached(lab, from: "client", "10.96.100.10", count: 40)
        #expect(Set(fromPod.keys) == ["s1", "s2", "s3"], "\(fromPod)")
        // ... and from the node itself.
        let fromNode = reached(lab, from: "node", "10.96.100.10", count: 40)
        #expect(Set(fromNode.keys) == ["s1", "s2", "s3"], "\(fromNode)")
        // NodePort from an outside host (masqueraded so replies come back through the node).
        let nodePort = reached(lab, from: "ext", lab.nodeIP, 30080, count: 20)
        #expect(Set(nodePort.keys).isSubset(of: ["s1", "s2", "s3"]) && !nodePort.isEmpty, "\(nodePort)")

        // A service without endpoints is refused at once, not timed out.
        let refused = lab.fetch(from: "client", "10.96.100.20", 80)
        #expect(refused.body == nil && refused.error.lowercased().contains("refused"), "\(refused.error)")
        let refusedFromNode = lab.fetch(from: "node", "10.96.100.20", 80)
        #expect(refusedFromNode.error.lowercased().contains("refused"), "\(refusedFromNode.error)")

        // sessionAffinity ClientIP: one client sticks to one endpoint.
        let sticky = reached(lab, from: "client", "10.96.100.30", count: 15)
        #expect(sticky.count == 1 && sticky.keys.first?.hasPrefix("s") == true, "\(sticky)")

        // Endpoint changes take effect.
        try lab.apply(Self.slice("web-1", service: "web", endpoints: [lab.servers["s2"]!]))
        let moved = eventually(seconds: 30) { reached(lab, from: "client", "10.96.100.10", count: 10) == ["s2": 10] }
        #expect(moved, "\(reached(lab, from: "client", "10.96.100.10", count: 10))\n\(lab.proxyLog)")
        #expect(lab.dump().contains("10.244.1.12:8080"))
        // Hairpin: the endpoint reaches its own Service and gets its own answer (bridged back by the
        // port's hairpin mode, as the kubelet sets it, and masqueraded so the reply returns through the node).
        let hairpin = lab.fetch(from: "s2", "10.96.100.10", 80)
        #expect(hairpin.body == "s2", "\(hairpin.error)")

        // nft shows what the program says it wrote: the rule count of /metrics equals nft's.
        let json = lab.run(in: "node", ["/usr/sbin/nft", "-j", "list", "table", "ip", "kube-proxy"])
        #expect(json.code == 0)
        let objects = ((try? JSONSerialization.jsonObject(with: Data(json.stdout.utf8))) as? [String: Any])?["nftables"] as? [[String: Any]] ?? []
        let nftRules = objects.filter { $0["rule"] != nil }.count
        let nftChains = Set(objects.compactMap { ($0["chain"] as? [String: Any])?["name"] as? String })
        let metrics = lab.fetch(from: "node", "127.0.0.1", 10256, path: "/metrics").body ?? ""
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("kubeproxy_sync_proxy_rules_nftables_rules ") }
        #expect(line.map { String($0.split(separator: " ")[1]) } == String(nftRules), "metrics: \(line ?? "none"), nft: \(nftRules)")
        // web's endpoints are elements of an endpoint map, picked by the rules of the shared chain.
        #expect(nftChains.contains(ChainNames.dnatServiceIPs))
        #expect(objects.contains { (($0["map"] as? [String: Any])?["name"] as? String)?.hasPrefix("service-ip-endpoints-") == true })
        let healthz = lab.fetch(from: "node", "127.0.0.1", 10256, path: "/healthz")
        #expect(healthz.body?.contains("lastUpdated") == true, "\(healthz)")

        // Someone deletes the table: the proxy puts it back.
        #expect(lab.run(in: "node", ["/usr/sbin/nft", "delete", "table", "ip", "kube-proxy"]).code == 0)
        #expect(eventually(seconds: 30) { lab.dump().contains("default/web:http") }, "\(lab.proxyLog)")

        // SIGTERM stops it cleanly and leaves the rules; --cleanup removes everything it made.
        #expect(lab.stopProxy(signal: SIGTERM)?.code == 0)
        #expect(lab.fetch(from: "client", "10.96.100.10", 80).body == "s2")
        let cleanup = lab.run(in: "node", [TestPaths.product("kube-proxy")!, "--cleanup"])
        #expect(cleanup.code == 0 && cleanup.stdout.contains("removed table ip kube-proxy"), "\(cleanup)")
        #expect(lab.run(in: "node", ["/usr/sbin/nft", "list", "tables"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        #expect(lab.run(in: "node", [TestPaths.product("kube-proxy")!, "--cleanup"]).stdout.contains("nothing to remove"))
    }

    @Test func badInputDoesNotStopTheOthers() throws {
        let lab = try ProxyLab()
        defer { lab.tearDown() }
        // A slice naming a Service that does not exist, one with an address of the wrong family.
        try lab.apply(Self.slice("ghost-1", service: "ghost", endpoints: [lab.servers["s1"]!])
                      + Self.service("web", ip: "10.96.100.10") + Self.slice("web-1", service: "web", endpoints: [lab.servers["s1"]!]))
        try lab.startProxy()
        #expect(eventually(seconds: 60) { lab.fetch(from: "client", "10.96.100.10", 80).body == "s1" }, "\(lab.proxyLog)")
        #expect(!lab.dump().contains("ghost"))
        #expect(lab.stopProxy(signal: SIGTERM)?.code == 0)
        _ = lab.run(in: "node", [TestPaths.product("kube-proxy")!, "--cleanup"])
    }
}
