import Crypto
import Foundation
import KubeAPI
import SwiftASN1
import Testing
import TestSupport
import X509
@testable import MiniControlPlane

/// TLS bootstrap against a real control plane with the real kubectl:
/// bootstrap tokens, CertificateSigningRequests approved by the approver or
/// with `kubectl certificate approve|deny`, and the certificates they yield.
@Suite(.requires(.product("controlplane"), .kubectl))
struct CertificateSigningRequestTests {
    /// A key and the CSR object asking `signer` for `cn`/`orgs`.
    static func request(_ name: String, cn: String, orgs: [String], signer: String, usages: [String],
                        expirationSeconds: Int? = nil) throws -> (yaml: String, keyPEM: String) {
        let key = P256.Signing.PrivateKey()
        let csr = try X509.CertificateSigningRequest(version: .v1, subject: CertificateAuthority.subject(commonName: cn, organizations: orgs),
                                                     privateKey: .init(key), attributes: .init(), signatureAlgorithm: .ecdsaWithSHA256)
        let request = Data(try csr.serializeAsPEM().pemString.utf8).base64EncodedString()
        let duration = expirationSeconds.map { "  expirationSeconds: \($0)\n" } ?? ""
        let yaml = """
            apiVersion: certificates.k8s.io/v1
            kind: CertificateSigningRequest
            metadata: {name: \(name)}
            spec:
              request: \(request)
              signerName: \(signer)
              usages: [\(usages.joined(separator: ", "))]
            \(duration)
            """
        return (yaml, key.pemRepresentation)
    }

    /// A kubeconfig for the certificate a CSR was issued.
    static func kubeconfig(_ c: ClusterFixture, csr: String, keyPEM: String) throws -> URL {
        let cert = try c.kubectl("get", "csr", csr, "-o", "jsonpath={.status.certificate}").stdout
        let pem = try #require(Data(base64Encoded: cert).flatMap { String(data: $0, encoding: .utf8) })
        let url = c.dir.appendingPathComponent("\(csr).kubeconfig")
        try Credentials.writeKubeconfig(to: url, server: c.kubeconfigServer, caPEM: try String(contentsOf: c.dataDir.appendingPathComponent("ca.crt"), encoding: .utf8),
                                        user: csr, certificatePEM: pem, keyPEM: keyPEM)
        return url
    }

    /// `controlplane token …` against the fixture's data directory.
    static func token(_ c: ClusterFixture, _ args: String...) throws -> CommandResult {
        try c.run(try #require(ClusterFixture.binary), ["token"] + args + ["--data-dir", c.dataDir.path], stdin: nil, env: ["HOME": c.dir.path])
    }

    @Test func bootstrapTokenGetsAKubeletClientCertificate() async throws {
        try await withCluster(.sqlite) { c in
            let created = try Self.token(c, "create", "--ttl", "1h", "--description", "join n1")
            let token = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(BootstrapToken.parse(token) != nil, "\(created.output)")
            let list = try Self.token(c, "list")
            #expect(list.stdout.contains(token) && list.stdout.contains("authentication,signing") && list.stdout.contains("join n1"), "\(list.output)")
            var r = try c.kubectl("--token=\(token)", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}")
            #expect(r.stdout == "system:bootstrap:\(token.prefix(6)) [\"system:bootstrappers\",\"system:authenticated\"]", "\(r.output)")
            // A bootstrap token may ask for a certificate, and nothing else.
            r = try c.kubectl("--token=\(token)", "get", "pods")
            #expect(r.status != 0 && r.stderr.contains("cannot list resource \"pods\""), "\(r.output)")
            let (yaml, key) = try Self.request("node-csr-n1", cn: "system:node:n1", orgs: ["system:nodes"],
                                               signer: "kubernetes.io/kube-apiserver-client-kubelet", usages: ["digital signature", "client auth"])
            r = try c.kubectl(["--token=\(token)", "create", "-f", "-"], stdin: yaml)
            #expect(r.status == 0, "\(r.output)")
            #expect(await Harness.waitUntil { (try? c.kubectl("get", "csr", "node-csr-n1").stdout.contains("Approved,Issued")) == true })
            r = try c.kubectl("get", "csr", "node-csr-n1", "-o", "jsonpath={.spec.username} {.status.conditions[0].reason} {.status.conditions[0].message}")
            #expect(r.stdout == "system:bootstrap:\(token.prefix(6)) AutoApproved Auto approving kubelet client certificate after SubjectAccessReview.", "\(r.output)")
            let node = try Self.kubeconfig(c, csr: "node-csr-n1", keyPEM: key)
            r = try c.kubectl(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"], env: ["KUBECONFIG": node.path])
            #expect(r.stdout == #"system:node:n1 ["system:nodes","system:authenticated"]"#, "\(r.output)")
            // Deleted, the token no longer authenticates.
            r = try Self.token(c, "delete", String(token.prefix(6)))
            #expect(r.stdout.contains("bootstrap token \"\(token.prefix(6))\" deleted"), "\(r.output)")
            r = try c.kubectl("--token=\(token)", "get", "csr")
            #expect(r.status != 0 && r.stderr.contains("Unauthorized"), "\(r.output)")
        }
    }

    @Test func kubectlApprovesAndDeniesRequests() async throws {
        try await withCluster(.sqlite) { c in
            let (jane, key) = try Self.request("jane", cn: "jane", orgs: ["dev"], signer: "kubernetes.io/kube-apiserver-client",
                                               usages: ["client auth"], expirationSeconds: 86400)
            var r = try c.kubectl(["create", "-f", "-"], stdin: jane)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "csr", "jane")
            #expect(r.stdout.contains("kubernetes.io/kube-apiserver-client") && r.stdout.contains("kubernetes-admin")
                    && r.stdout.contains("24h") && r.stdout.contains("Pending") && r.stdout.contains("REQUESTEDDURATION"), "\(r.output)")
            r = try c.kubectl("certificate", "approve", "jane")
            #expect(r.stdout.contains("certificatesigningrequest.certificates.k8s.io/jane approved"), "\(r.output)")
            #expect(await Harness.waitUntil { (try? c.kubectl("get", "csr", "jane").stdout.contains("Approved,Issued")) == true })
            let config = try Self.kubeconfig(c, csr: "jane", keyPEM: key)
            r = try c.kubectl(["auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}"], env: ["KUBECONFIG": config.path])
            #expect(r.stdout == #"jane ["dev","system:authenticated"]"#, "\(r.output)")
            // Denied: no certificate. A kubelet CSR that breaks its signer's rules fails.
            let (eve, _) = try Self.request("eve", cn: "eve", orgs: [], signer: "kubernetes.io/kube-apiserver-client", usages: ["client auth"])
            r = try c.kubectl(["create", "-f", "-"], stdin: eve)
            r = try c.kubectl("certificate", "deny", "eve")
            #expect(r.stdout.contains("denied"), "\(r.output)")
            r = try c.kubectl("get", "csr", "eve", "-o", "jsonpath={.status.conditions[0].type} {.status.certificate}")
            #expect(r.stdout == "Denied ", "\(r.output)")
            let (odd, _) = try Self.request("odd", cn: "system:node:n9", orgs: ["system:masters"],
                                            signer: "kubernetes.io/kube-apiserver-client-kubelet", usages: ["client auth"])
            r = try c.kubectl(["create", "-f", "-"], stdin: odd)
            r = try c.kubectl("certificate", "approve", "odd")
            #expect(await Harness.waitUntil { (try? c.kubectl("get", "csr", "odd").stdout.contains("Approved,Failed")) == true })
            r = try c.kubectl("get", "csr", "odd", "-o", "jsonpath={.status.conditions[1].reason}: {.status.conditions[1].message}")
            #expect(r.stdout == "SignerValidationFailure: subject organization is not system:nodes", "\(r.output)")
            // Upstream's validation.
            let (bad, _) = try Self.request("bad", cn: "x", orgs: [], signer: "nope", usages: ["fly"])
            r = try c.kubectl(["create", "-f", "-"], stdin: bad)
            #expect(r.stderr.contains("spec.signerName: Invalid value: \"nope\"") && r.stderr.contains("spec.usages[0]: Unsupported value: \"fly\""), "\(r.output)")
        }
    }

    @Test func expiredTokensAndForgedCertificatesGet401() async throws {
        try await withCluster(.sqlite) { c in
            let expired = BootstrapToken(id: "old123", secret: "0123456789abcdef", expiration: Date().addingTimeInterval(-60))
            var r = try c.kubectl(["create", "-f", "-"], stdin: String(decoding: JSONWriter.bytes(KubeCodec.encodeObject(expired.secretObject())), as: UTF8.self))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("--token=\(expired.token)", "get", "csr")
            #expect(r.status != 0 && r.stderr.contains("Unauthorized"), "\(r.output)")
            // The token cleaner removes it.
            #expect(await Harness.waitUntil { (try? c.kubectl("get", "secret", "-n", "kube-system", "bootstrap-token-old123").stderr.contains("NotFound")) == true })
            // A certificate for kubernetes-admin in system:masters from another CA.
            let otherDir = c.dir.appendingPathComponent("other-ca")
            try FileManager.default.createDirectory(at: otherDir, withIntermediateDirectories: true)
            let other = try CertificateAuthority.prepare(dir: otherDir, sans: ["127.0.0.1"])
            let (cert, key) = try other.issueClientCertificate(commonName: "kubernetes-admin", organizations: ["system:masters"])
            let forged = c.dir.appendingPathComponent("forged.kubeconfig")
            try Credentials.writeKubeconfig(to: forged, server: c.kubeconfigServer, caPEM: try String(contentsOf: c.dataDir.appendingPathComponent("ca.crt"), encoding: .utf8),
                                            user: "mallory", certificatePEM: cert, keyPEM: key)
            r = try c.kubectl(["get", "secrets", "-A"], env: ["KUBECONFIG": forged.path])
            #expect(r.status != 0 && r.stderr.contains("Unauthorized"), "\(r.output)")
        }
    }

    /// CertificateApproval and CertificateSubjectRestriction admission:
    /// approving needs `approve` on the signer; nobody asks the client
    /// signer for system:masters.
    @Test func approvalNeedsTheSignersApproveVerb() async throws {
        try await withCluster(.sqlite) { c in
            let (masters, _) = try Self.request("root", cn: "root", orgs: ["system:masters"], signer: "kubernetes.io/kube-apiserver-client",
                                                usages: ["client auth"])
            var r = try c.kubectl(["create", "-f", "-"], stdin: masters)
            #expect(r.stderr.contains(#"certificatesigningrequests.certificates.k8s.io "root" is forbidden: use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed"#),
                    "\(r.output)")
            let (ann, _) = try Self.request("ann", cn: "ann", orgs: ["dev"], signer: "kubernetes.io/kube-apiserver-client", usages: ["client auth"])
            r = try c.kubectl(["create", "-f", "-"], stdin: ann)
            #expect(r.status == 0, "\(r.output)")
            // A reviewer who may update approvals but not approve for the signer.
            _ = try c.kubectl("create", "serviceaccount", "reviewer")
            let token = try c.kubectl("create", "token", "reviewer").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try c.kubectl("create", "clusterrole", "csr-reviewer", "--verb=get,list,update",
                              "--resource=certificatesigningrequests,certificatesigningrequests/approval")
            _ = try c.kubectl("create", "clusterrolebinding", "csr-reviewer", "--clusterrole=csr-reviewer", "--serviceaccount=default:reviewer")
            #expect(await Harness.waitUntil { (try? c.kubectl(token: token, ["get", "csr"]).status) == 0 })
            r = try c.kubectl(token: token, ["certificate", "approve", "ann"])
            #expect(r.stderr.contains(#"user not permitted to approve requests with signerName "kubernetes.io/kube-apiserver-client""#), "\(r.output)")
            // Upstream's approver role for that signer, bound: now it may.
            _ = try c.kubectl("create", "clusterrolebinding", "reviewer-approves", "--clusterrole=system:certificates.k8s.io:kube-apiserver-client-approver",
                              "--serviceaccount=default:reviewer")
            #expect(await Harness.waitUntil { (try? c.kubectl(token: token, ["certificate", "approve", "ann"]).status) == 0 })
            #expect(await Harness.waitUntil { (try? c.kubectl("get", "csr", "ann").stdout.contains("Approved,Issued")) == true })
        }
    }
}
