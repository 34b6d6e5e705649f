import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Runtime
import TestSupport
import LinuxSystem

/// A kubelet joining with a bootstrap token: its client certificate comes
/// through a CSR the control plane approves and signs, is kept under
/// `--root-dir/pki`, and is used for everything afterwards.
@Suite(.ownThread, .requires(TestCluster.requirements))
struct TLSBootstrapTests {
    @Test func kubeletJoinsWithABootstrapTokenAndKeepsItsCertificate() throws {
        let cluster = try TestCluster(bootstrapToken: true)
        defer { cluster.tearDown() }
        let pki = cluster.dir + "/kubelet/pki"
        let current = pki + "/kubelet-client-current.pem"
        // The certificate file: a link to the dated file holding certificate and key.
        let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: current)) ?? ""
        #expect(target.hasPrefix("kubelet-client-") && target.hasSuffix(".pem") && target != "kubelet-client-current.pem", "\(target)")
        let pem = (try? FileIO.read(current)) ?? ""
        #expect(pem.contains("BEGIN CERTIFICATE") && pem.contains("PRIVATE KEY"))
        var st = stat()
        #expect(stat(pki + "/" + target, &st) == 0 && st.st_mode & 0o777 == 0o600)
        // Requested by the bootstrap token, approved by the approver, issued.
        let client = "kubernetes.io/kube-apiserver-client-kubelet", serving = "kubernetes.io/kubelet-serving"
        func csrs(_ signer: String) -> String {
            cluster.kubectl(["get", "csr", "--field-selector", "spec.signerName=\(signer)",
                             "-o", "jsonpath={range .items[*]}{.spec.username} {.status.conditions[0].reason}{\"\\n\"}{end}"]).stdout
        }
        let token = ((try? FileIO.read(cluster.tokenFile)) ?? "").prefix(6)
        #expect(csrs(client) == "system:bootstrap:\(token) AutoApproved\n")
        #expect(cluster.kubectl(["get", "csr"]).stdout.contains("Approved,Issued"))
        // Its serving certificate comes the same way, as the node, for its own name and address.
        #expect(eventually(seconds: 60) { FileManager.default.fileExists(atPath: pki + "/kubelet-server-current.pem") })
        #expect(csrs(serving) == "system:node:\(cluster.nodeName) AutoApproved\n")
        #expect(eventually(seconds: 30) {
            cluster.inNode("openssl s_client -connect \(cluster.nodeIP):10250 </dev/null 2>/dev/null | openssl x509 -noout -issuer").stdout.contains("swiftkube-ca")
        })
        // The node is registered and works as system:node:node-1: a pod runs.
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: hello}
            spec:
              nodeName: \(cluster.nodeName)
              containers: [{name: c, image: busybox:1.35, command: ["sleep", "3600"]}]
            """)
        #expect(cluster.waitFor("hello", "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")
        // A restarted kubelet reuses the certificate: no second CSR.
        cluster.stopKubelet(signal: SIGTERM)
        try cluster.startKubelet()
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: current)) == target)
        #expect(csrs(client).split(separator: "\n").count == 1 && csrs(serving).split(separator: "\n").count == 1)
        #expect(((try? FileIO.read(cluster.dir + "/kubelet.log")) ?? "").contains("using the client certificate in \(current)"))
    }
}
