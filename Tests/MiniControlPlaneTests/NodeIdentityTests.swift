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

    /// Upstream's graph for claims: a node reads the claims its pods use and
    /// the volumes bound to them, nothing else; it may list volumes and
    /// remove the local-path finalizer of its own, and no other change.
    @Test func aNodeSeesOnlyTheClaimsAndVolumesOfItsPods() async throws {
        try await withCluster(.sqlite) { c in
            for n in [1, 2] {
                let r = try c.kubectl(["apply", "-f", "-"], stdin: """
                    apiVersion: v1
                    kind: Node
                    metadata: {name: node-\(n)}
                    ---
                    apiVersion: v1
                    kind: PersistentVolume
                    metadata:
                      name: pv-\(n)
                      finalizers: [external-provisioner.volume.kubernetes.io/finalizer]
                    spec:
                      capacity: {storage: 1Gi}
                      accessModes: [ReadWriteOnce]
                      storageClassName: ""
                      claimRef: {namespace: default, name: claim-\(n)}
                      hostPath: {path: /srv/pvc-\(n)}
                      nodeAffinity:
                        required:
                          nodeSelectorTerms:
                          - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [node-\(n)]}]
                    ---
                    apiVersion: v1
                    kind: PersistentVolumeClaim
                    metadata: {name: claim-\(n)}
                    spec: {accessModes: [ReadWriteOnce], storageClassName: "", volumeName: pv-\(n), resources: {requests: {storage: 1Gi}}}
                    ---
                    apiVersion: v1
                    kind: Pod
                    metadata: {name: pod-\(n)}
                    spec:
                      nodeName: node-\(n)
                      containers: [{name: c, image: busybox:1.36}]
                      volumes: [{name: data, persistentVolumeClaim: {claimName: claim-\(n)}}]
                    """)
                #expect(r.status == 0, "\(r.output)")
            }
            let node1 = ["KUBECONFIG": try c.nodeKubeconfig("node-1").path]
            var r = try c.kubectl(["get", "pvc", "claim-1", "-o", "name"], env: node1)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["get", "pvc", "claim-2"], env: node1)
            #expect(r.stderr.contains(#"persistentvolumeclaims "claim-2" is forbidden: User "system:node:node-1" cannot get resource "persistentvolumeclaims""#),
                    "\(r.output)")
            r = try c.kubectl(["get", "pv", "pv-1", "-o", "name"], env: node1)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["get", "pv", "pv-2"], env: node1)
            #expect(r.stderr.contains(#"persistentvolumes "pv-2" is forbidden: User "system:node:node-1" cannot get resource "persistentvolumes""#),
                    "\(r.output)")
            r = try c.kubectl(["get", "pv", "-o", "name"], env: node1)
            #expect(r.status == 0 && r.stdout.contains("pv-2"), "nodes list volumes (local-path's node half): \(r.output)")
            r = try c.kubectl(["label", "pv", "pv-1", "x=y"], env: node1)
            #expect(r.stderr.contains("can only remove the \"external-provisioner.volume.kubernetes.io/finalizer\" finalizer"), "\(r.output)")
            let removal = #"[{"op":"remove","path":"/metadata/finalizers/0"}]"#
            // kubectl reads before it patches: another node's volume is refused
            // there (NodeRestriction's affinity rule: AdmissionPluginTests).
            r = try c.kubectl(["patch", "pv", "pv-2", "--type=json", "-p", removal], env: node1)
            #expect(r.status != 0 && r.stderr.contains("forbidden"), "\(r.output)")
            r = try c.kubectl(["patch", "pv", "pv-1", "--type=json", "-p", removal], env: node1)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["delete", "pv", "pv-1", "--wait=false"], env: node1)
            #expect(r.stderr.contains(#"cannot delete resource "persistentvolumes""#), "\(r.output)")
        }
    }
}
