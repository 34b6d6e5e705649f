import Foundation
import KubeAPI
import Testing
import TestSupport

/// Service cluster IPs from `--service-cidr` and node ports from
/// 30000-32767, through kubectl: never shared, refused when taken, freed on
/// deletion, and not leaked by refused creates.
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct ServiceAllocationTests {
    static func service(_ name: String, clusterIP: String? = nil, nodePort: String) -> String {
        """
        apiVersion: v1
        kind: Service
        metadata: {name: \(name)}
        spec:
          type: NodePort
          \(clusterIP.map { "clusterIP: \($0)" } ?? "")
          ports: [{port: 80, targetPort: 8080, nodePort: \(nodePort)}]
        """
    }

    @Test func clusterIPsAndNodePortsAreNeverShared() async throws {
        // A /28: 13 addresses besides the network, the broadcast and the kubernetes Service's .1.
        try await withCluster(args: ["--service-cidr", "10.97.0.0/28"]) { cp, _ in
            for i in 0..<6 { try await cp.must("create", "service", "nodeport", "s\(i)", "--tcp=80:8080") }
            let ips = try await cp.must("get", "svc", "-o", "jsonpath={.items[*].spec.clusterIP}").split(separator: " ")
            #expect(ips.count == 7 && Set(ips).count == 7 && ips.contains("10.97.0.1"), "\(ips)")
            let ports = try await cp.must("get", "svc", "-o", "jsonpath={.items[*].spec.ports[*].nodePort}").split(separator: " ").compactMap { Int($0) }
            #expect(ports.count == 6 && Set(ports).count == 6 && ports.allSatisfy { (30000...32767).contains($0) }, "\(ports)")

            // Taken addresses and ports are refused in Kubernetes' words.
            let ip = try await cp.must("get", "svc", "s0", "-o", "jsonpath={.spec.clusterIP}")
            let port = try await cp.must("get", "svc", "s0", "-o", "jsonpath={.spec.ports[0].nodePort}")
            var r = try await cp.kubectl(["apply", "-f", "-"], stdin: Self.service("again", clusterIP: ip, nodePort: port))
            #expect(r.status != 0 && r.stderr.contains("failed to allocate IP \(ip): provided IP is already allocated"), "\(r.output)")
            r = try await cp.kubectl(["apply", "-f", "-"], stdin: Self.service("again", nodePort: port))
            #expect(r.status != 0 && r.stderr.contains("provided port is already allocated"), "\(r.output)")

            // Deleting the Service frees both.
            try await cp.must("delete", "svc", "s0")
            try await cp.must("apply", "-f", "-", stdin: Self.service("again", clusterIP: ip, nodePort: port))
            #expect(try await cp.must("get", "svc", "again", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[0].nodePort}") == "\(ip) \(port)")

            // The refused creates leaked nothing: exactly 13 - 6 addresses are left, then the range is full.
            for i in 0..<7 { try await cp.must("create", "service", "clusterip", "c\(i)", "--tcp=80:8080") }
            r = try await cp.kubectl("create", "service", "clusterip", "full", "--tcp=80:8080")
            #expect(r.status != 0 && r.stderr.contains("failed to allocate a serviceIP: range is full"), "\(r.output)")
            let all = try await cp.must("get", "svc", "-o", "jsonpath={.items[*].spec.clusterIP}").split(separator: " ")
            #expect(all.count == 14 && Set(all).count == 14)
        }
    }
}
