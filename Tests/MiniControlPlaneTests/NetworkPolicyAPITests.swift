import Foundation
import Testing
import TestSupport

/// `networking.k8s.io/v1` NetworkPolicies served, with the real kubectl:
/// defaulting, the table, and upstream's 422 for a bad CIDR.
@Suite(.requires(.product("controlplane"), .kubectl))
struct NetworkPolicyAPITests {
    @Test func servedDefaultedAndValidated() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: db-from-web}
                spec:
                  podSelector: {matchLabels: {app: db}}
                  ingress:
                  - from: [{podSelector: {matchLabels: {app: web}}}]
                    ports: [{port: 5432}]
                """)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "netpol", "db-from-web", "-o", "jsonpath={.spec.policyTypes} {.spec.ingress[0].ports[0].protocol}")
            #expect(r.stdout == #"["Ingress"] TCP"#, "\(r.output)")
            r = try c.kubectl("get", "networkpolicies")
            #expect(r.stdout.contains("POD-SELECTOR") && r.stdout.contains("app=db"), "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: bad}
                spec:
                  podSelector: {}
                  ingress:
                  - from: [{ipBlock: {cidr: 10.0.0.0/33}}]
                """)
            #expect(r.status != 0)
            #expect(r.stderr.contains(#"The NetworkPolicy "bad" is invalid: spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"#),
                    "\(r.output)")
            // Nothing else broken: the good policy is still there and listable.
            r = try c.kubectl("get", "netpol", "-o", "name")
            #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "networkpolicy.networking.k8s.io/db-from-web", "\(r.output)")
            r = try c.kubectl("explain", "networkpolicy.spec.ingress.from.ipBlock")
            #expect(r.stdout.contains("except"), "\(r.output)")
        }
    }
}
