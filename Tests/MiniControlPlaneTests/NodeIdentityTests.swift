import Foundation
import MiniControlPlane
import Testing
import TestSupport

/// A node authenticated by its own client certificate reaches only what the
/// Node authorizer and NodeRestriction allow it: the secrets of pods bound
/// to it, its own Node object, never another node's.
@Suite(.requires(.product("controlplane"), .kubectl))
struct NodeIdentityTests {
    @Test func aNodeSeesOnlyWhatItsPodsNeed() async throws {
        try await withCluster(.sqlite) { c in
            for n in [1, 2] {
                var r = try c.kubectl(["apply", "-f", "-"], stdin: """
                    apiVersion: v1
                    kind: Node
                    metadata: {name: node-\(n)}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: secret-\(n)}
                    stringData: {password: p\(n)}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: pod-\(n)}
                    spec:
                      nodeName: node-\(n)
                      containers: [{name: c, image: busybox:1.36, env: [{name: P, valueFrom: {secretKeyRef: {name: secret-\(n), key: password}}}]}]
                    """)
                #expect(r.status == 0, "\(r.output)")
                r = try c.kubectl("get", "pod", "pod-\(n)", "-o", "name")
                #expect(r.status == 0, "\(r.output)")
            }
            let node1 = ["KUBECONFIG": try c.nodeKubeconfig("node-1").path]
            var r = try c.kubectl(["auth", "whoami"], env: node1)
            #expect(r.stdout.contains("system:node:node-1") && r.stdout.contains("system:nodes"), "\(r.output)")
            r = try c.kubectl(["get", "secret", "secret-1", "-o", "jsonpath={.data.password}"], env: node1)
            #expect(r.status == 0 && r.stdout == Data("p1".utf8).base64EncodedString(), "\(r.output)")
            r = try c.kubectl(["get", "secret", "secret-2"], env: node1)
            #expect(r.stderr.contains(#"secrets "secret-2" is forbidden: User "system:node:node-1" cannot get resource "secrets" in API group "" in the namespace "default""#),
                    "\(r.output)")
            r = try c.kubectl(["label", "node", "node-1", "lab=yes"], env: node1)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["label", "node", "node-2", "lab=yes"], env: node1)
            #expect(r.stderr.contains(#"nodes "node-2" is forbidden: User "system:node:node-1" cannot patch resource "nodes""#), "\(r.output)")
            r = try c.kubectl(["get", "secrets"], env: node1)
            #expect(r.status != 0 && r.stderr.contains("forbidden"), "\(r.output)")
            // A certificate of another CA authenticates nobody.
            let other = c.dir.appendingPathComponent("other-ca")
            try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
            let forgedCA = try CertificateAuthority.prepare(dir: other, sans: [])
            let (cert, key) = try forgedCA.issueClientCertificate(commonName: "system:node:node-2", organizations: ["system:nodes"])
            let forged = c.dataDir.appendingPathComponent("forged.kubeconfig")
            try Credentials.writeKubeconfig(to: forged, server: c.kubeconfigServer, caPEM: try String(contentsOf: c.dataDir.appendingPathComponent("ca.crt"), encoding: .utf8),
                                            user: "forged", certificatePEM: cert, keyPEM: key)
            r = try c.kubectl(["get", "secret", "secret-2"], env: ["KUBECONFIG": forged.path])
            #expect(r.stderr.contains("Unauthorized"), "\(r.output)")
        }
    }
}
