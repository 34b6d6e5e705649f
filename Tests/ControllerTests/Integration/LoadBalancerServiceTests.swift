import Foundation
import KubeAPI
import Testing
import TestSupport

/// `type: LoadBalancer` through the real kubectl: addresses from
/// `--lb-address-pool` (the cloud controller's service controller for bare
/// metal), requested ones honoured or refused with an event, another
/// class's Service left alone, addresses freed on deletion and type change;
/// without pools, the nodes' addresses (k3s's ServiceLB); the API server's
/// health-check node port, `allocateLoadBalancerNodePorts: false` and
/// upstream's validation messages. The traffic itself is tested in the lab
/// (LabLoadBalancerTests).
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct LoadBalancerServiceTests {
    static func service(_ name: String, extra: String = "") -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(name)}
        spec:
          type: LoadBalancer
          selector: {app: \(name)}
          ports: [{port: 80, targetPort: 8080}]
        \(extra)
        """
    }

    static func ingress(_ cp: TestControlPlane, _ name: String) async throws -> String {
        try await cp.must("get", "svc", name, "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}")
    }

    static func events(_ cp: TestControlPlane, _ name: String) async throws -> String {
        try await cp.must("get", "events", "--field-selector", "involvedObject.kind=Service,involvedObject.name=\(name)", "-o",
                          "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}")
    }

    @Test func poolsGiveEachServiceItsOwnAddressAndTakeItBack() async throws {
        try await withCluster(args: ["--lb-address-pool", "192.0.2.100-192.0.2.101"]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.service("a"))
            _ = try await TestEnv.eventually { try await Self.ingress(cp, "a") == "192.0.2.100" }
            #expect(try await Self.ingress(cp, "a") == "192.0.2.100")
            #expect(try await cp.must("get", "svc", "a", "-o", "jsonpath={.status.loadBalancer.ingress[0].ipMode}") == "VIP")
            try await cp.must("apply", "-f", "-", stdin: Self.service("b"))
            _ = try await TestEnv.eventually { try await Self.ingress(cp, "b") == "192.0.2.101" }
            let table = try await cp.must("get", "svc", "b")
            #expect(table.contains("LoadBalancer") && table.contains("192.0.2.101") && table.contains("80:3"), "\(table)")
            var seen = try await Self.events(cp, "a")
            #expect(seen.contains("EnsuringLoadBalancer: Ensuring load balancer") && seen.contains("EnsuredLoadBalancer: Ensured load balancer")
                    && seen.contains("IPAllocated: Assigned IP [\"192.0.2.100\"]"), "\(seen)")

            // The pool is empty: the next one waits, and says why.
            try await cp.must("apply", "-f", "-", stdin: Self.service("c"))
            _ = try await TestEnv.eventually { try await Self.events(cp, "c").contains("SyncLoadBalancerFailed") }
            seen = try await Self.events(cp, "c")
            #expect(seen.contains("SyncLoadBalancerFailed: Error syncing load balancer: failed to ensure load balancer: no available IPv4 address in the load-balancer pools"), "\(seen)")
            #expect(try await cp.must("get", "svc", "c").contains("<pending>"))

            // A requested address outside the pools is refused with an event.
            try await cp.must("apply", "-f", "-", stdin: Self.service("d", extra: "  loadBalancerIP: 192.0.2.200"))
            _ = try await TestEnv.eventually { try await Self.events(cp, "d").contains("not in any address pool") }
            #expect(try await Self.events(cp, "d").contains("requested IP 192.0.2.200 is not in any address pool (192.0.2.100-192.0.2.101)"))
            try await cp.must("delete", "svc", "d")

            // Deleting a frees its address for c.
            try await cp.must("delete", "svc", "a")
            _ = try await TestEnv.eventually(seconds: 60) { try await Self.ingress(cp, "c") == "192.0.2.100" }
            #expect(try await Self.ingress(cp, "c") == "192.0.2.100")

            // b becomes a ClusterIP Service: its status and LoadBalancer-only fields go, its address is free again.
            try await cp.must("patch", "svc", "b", "-p", #"{"spec":{"type":"ClusterIP"}}"#)
            _ = try await TestEnv.eventually { try await Self.ingress(cp, "b") == "" }
            #expect(try await Self.ingress(cp, "b") == "")
            #expect(try await cp.must("get", "svc", "b", "-o", "jsonpath={.spec.allocateLoadBalancerNodePorts}{.spec.ports[0].nodePort}") == "")
            #expect(try await Self.events(cp, "b").contains("DeletedLoadBalancer: Deleted load balancer"))
            try await cp.must("apply", "-f", "-", stdin: Self.service("e", extra: "  loadBalancerIP: 192.0.2.101"))
            _ = try await TestEnv.eventually { try await Self.ingress(cp, "e") == "192.0.2.101" }
            #expect(try await Self.ingress(cp, "e") == "192.0.2.101")

            // Another implementation's class is not ours to serve.
            try await cp.must("apply", "-f", "-", stdin: Self.service("other", extra: "  loadBalancerClass: example.com/other"))
            try await Task.sleep(for: .seconds(2))
            #expect(try await Self.ingress(cp, "other") == "")
            #expect(try await Self.events(cp, "other") == "")
        }
    }

    @Test func withoutPoolsTheNodesAddressesServeAsK3sServiceLBDoes() async throws {
        try await withCluster(nodes: [.init("n1"), .init("n2")]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.service("web"))
            _ = try await TestEnv.eventually { try await Self.ingress(cp, "web") == "192.0.2.1" }
            #expect(try await Self.ingress(cp, "web") == "192.0.2.1")
        }
    }

    @Test func healthCheckNodePortsNodePortAllocationAndUpstreamsMessages() async throws {
        try await withCluster { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: Self.service("local", extra: "  externalTrafficPolicy: Local"))
            let hc = Int(try await cp.must("get", "svc", "local", "-o", "jsonpath={.spec.healthCheckNodePort}")) ?? 0
            #expect((30000...32767).contains(hc))
            #expect(try await cp.must("get", "svc", "local", "-o", "jsonpath={.spec.allocateLoadBalancerNodePorts}") == "true")
            // Back to Cluster: the health-check port is dropped and freed.
            try await cp.must("patch", "svc", "local", "-p", #"{"spec":{"externalTrafficPolicy":"Cluster"}}"#)
            #expect(try await cp.must("get", "svc", "local", "-o", "jsonpath={.spec.healthCheckNodePort}") == "")
            var r = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Service
                metadata: {name: taken}
                spec:
                  type: NodePort
                  ports: [{port: 80, nodePort: \(hc)}]
                """)
            #expect(r.status == 0, "\(r.output)")

            try await cp.must("apply", "-f", "-", stdin: Self.service("noports", extra: "  allocateLoadBalancerNodePorts: false"))
            #expect(try await cp.must("get", "svc", "noports", "-o", "jsonpath={.spec.ports[0].nodePort}") == "")

            r = try await cp.kubectl(["apply", "-f", "-"], stdin: Self.service("bad", extra: """
                  loadBalancerSourceRanges: ["10.0.0.0/33"]
                  loadBalancerClass: "Not Valid!"
                  healthCheckNodePort: 30123
                """))
            #expect(r.status != 0)
            #expect(r.stderr.contains(#"spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"#), "\(r.stderr)")
            #expect(r.stderr.contains("spec.loadBalancerClass: Invalid value: \"Not Valid!\""), "\(r.stderr)")
            #expect(r.stderr.contains("spec.healthCheckNodePort: Forbidden: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"), "\(r.stderr)")
            r = try await cp.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Service
                metadata: {name: plain}
                spec:
                  loadBalancerSourceRanges: ["10.0.0.0/8"]
                  ports: [{port: 80}]
                """)
            #expect(r.stderr.contains("spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'"), "\(r.stderr)")
        }
    }

    @Test func aPoolInsideTheServiceCIDRStopsTheStartWithBothNamed() async throws {
        guard let bin = TestEnv.controlplane else { throw TestError("controlplane not built") }
        let dir = try TestEnv.tempDir("lbpool")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try TestProcess.run([bin, "--data-dir", dir.path, "--secure-port", String(TestEnv.freePort()),
                                     "--lb-address-pool", "10.96.0.200-10.96.0.210"])
        #expect(r.code != 0)
        #expect(r.stderr.contains(#"invalid --lb-address-pool: address pool "10.96.0.200-10.96.0.210": overlaps --service-cidr 10.96.0.0/12; load-balancer addresses must lie outside it"#), "\(r)")
    }
}
