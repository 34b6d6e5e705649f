import Crypto
import Foundation
import KubeAPI
import SwiftASN1
import Testing
import X509
@testable import Controllers

/// The signers' rules and the approver's decisions on real PKCS#10 requests.
@Suite struct CertificatePolicyTests {
    /// A CSR object for `cn`/`orgs` with SANs, as `username` in `groups`.
    static func csr(cn: String, orgs: [String] = ["system:nodes"], dns: [String] = [], ips: [[UInt8]] = [],
                    signer: String = KubeAPI.CertificateSigningRequest.Signer.kubeAPIServerClientKubelet,
                    usages: [String] = ["digital signature", "client auth"],
                    username: String = "system:bootstrap:abcdef", groups: [String] = ["system:bootstrappers", "system:authenticated"],
                    ca: Bool = false) throws -> ParsedCertificateRequest {
        let key = P256.Signing.PrivateKey()
        var rdns = orgs.map { RelativeDistinguishedName(.init(type: .RDNAttributeType.organizationName, utf8String: $0)) }
        rdns.append(RelativeDistinguishedName(.init(type: .RDNAttributeType.commonName, utf8String: cn)))
        var attributes = X509.CertificateSigningRequest.Attributes()
        let names = dns.map { GeneralName.dnsName($0) } + ips.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
        if !names.isEmpty || ca {
            let ext = try Certificate.Extensions {
                if !names.isEmpty { SubjectAlternativeNames(names) }
                if ca { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) }
            }
            attributes.insert(try .init(ExtensionRequest(extensions: ext)))
        }
        let req = try X509.CertificateSigningRequest(version: .v1, subject: DistinguishedName(rdns), privateKey: .init(key),
                                                     attributes: attributes, signatureAlgorithm: .ecdsaWithSHA256)
        var spec = CertificateSigningRequestSpec(request: Data(try req.serializeAsPEM().pemString.utf8).base64EncodedString(),
                                                 signerName: signer, usages: usages)
        spec.username = username
        spec.groups = groups
        return try ParsedCertificateRequest(KubeAPI.CertificateSigningRequest(metadata: ObjectMeta(name: "csr-1"), spec: spec))
    }

    static func node(_ name: String, ip: String, hostname: String) -> Node {
        var n = Node(metadata: ObjectMeta(name: name))
        var status = NodeStatus()
        status.addresses = [NodeAddress(type: "InternalIP", address: ip), NodeAddress(type: "Hostname", address: hostname)]
        n.status = status
        return n
    }

    @Test func kubeletClientRequestsFromBootstrapTokensAndRenewingNodesAreApproved() async throws {
        let fromToken = try Self.csr(cn: "system:node:n1")
        #expect(await CertificateApprovalPolicy.decide(fromToken, node: nil, approveServing: true, reviewer: DefaultBindingsReviewer()) == CertificateApprovalPolicy.nodeClientMessage)
        #expect(CertificateApprovalPolicy.nodeClientMessage == "Auto approving kubelet client certificate after SubjectAccessReview.")
        let renewing = try Self.csr(cn: "system:node:n1", username: "system:node:n1", groups: ["system:nodes", "system:authenticated"])
        #expect(await CertificateApprovalPolicy.decide(renewing, node: nil, approveServing: true, reviewer: DefaultBindingsReviewer()) == CertificateApprovalPolicy.selfNodeClientMessage)
        // Another node's name, extra organizations, SANs, wrong usages, other requesters: left to a person.
        let otherNode = try Self.csr(cn: "system:node:n2", username: "system:node:n1", groups: ["system:nodes", "system:authenticated"])
        #expect(await CertificateApprovalPolicy.decide(otherNode, node: nil, approveServing: true, reviewer: DefaultBindingsReviewer()) == nil)
        #expect(await CertificateApprovalPolicy.decide(try Self.csr(cn: "system:node:n1", orgs: ["system:nodes", "system:masters"]), node: nil, approveServing: true, reviewer: DefaultBindingsReviewer()) == nil)
        #expect(await CertificateApprovalPolicy.decide(try Self.csr(cn: "system:node:n1", dns: ["n1"]), node: nil, approveServing: true, reviewer: DefaultBindingsReviewer()) == nil)
        #expect(await CertificateApprovalPolicy.decide(try Self.csr(cn: "system:node:n1", usages: ["client auth", "server auth"]), node: nil, approveServing: true, reviewer: DefaultBindingsReviewer()) == nil)
        #expect(await CertificateApprovalPolicy.decide(try Self.csr(cn: "jane", orgs: []), node: nil, approveServing: true, reviewer: DefaultBindingsReviewer()) == nil)
        // The SubjectAccessReview decides: a reviewer that grants nothing approves nothing.
        struct Nobody: SubjectAccessReviewer {
            func allowed(user: String, groups: [String], verb: String, group: String, resource: String, subresource: String?) async -> Bool { false }
        }
        #expect(await CertificateApprovalPolicy.decide(fromToken, node: nil, approveServing: true, reviewer: Nobody()) == nil)
        #expect(await CertificateApprovalPolicy.decide(try Self.csr(cn: "system:node:n1", username: "jane", groups: ["system:authenticated"]),
                                                 node: nil, approveServing: true, reviewer: DefaultBindingsReviewer()) == nil)
    }

    @Test func servingRequestsAreApprovedOnlyForTheNodesOwnAddresses() async throws {
        let node = Self.node("n1", ip: "10.0.0.5", hostname: "n1.lab")
        func serving(dns: [String], ips: [[UInt8]], user: String = "system:node:n1") throws -> ParsedCertificateRequest {
            try Self.csr(cn: "system:node:n1", dns: dns, ips: ips, signer: KubeAPI.CertificateSigningRequest.Signer.kubeletServing,
                         usages: ["digital signature", "key encipherment", "server auth"], username: user,
                         groups: ["system:nodes", "system:authenticated"])
        }
        #expect(await CertificateApprovalPolicy.decide(try serving(dns: ["n1.lab", "n1"], ips: [[10, 0, 0, 5]]), node: node, approveServing: true, reviewer: DefaultBindingsReviewer())
                == CertificateApprovalPolicy.servingMessage)
        #expect(await CertificateApprovalPolicy.decide(try serving(dns: ["n1.lab"], ips: [[10, 0, 0, 5]]), node: node, approveServing: false, reviewer: DefaultBindingsReviewer()) == nil)
        #expect(await CertificateApprovalPolicy.decide(try serving(dns: ["evil.example"], ips: []), node: node, approveServing: true, reviewer: DefaultBindingsReviewer()) == nil)
        #expect(await CertificateApprovalPolicy.decide(try serving(dns: [], ips: [[10, 0, 0, 6]]), node: node, approveServing: true, reviewer: DefaultBindingsReviewer()) == nil)
        #expect(await CertificateApprovalPolicy.decide(try serving(dns: ["n1.lab"], ips: [], user: "system:node:n2"), node: node, approveServing: true, reviewer: DefaultBindingsReviewer()) == nil)
        #expect(await CertificateApprovalPolicy.decide(try serving(dns: ["n1.lab"], ips: []), node: nil, approveServing: true, reviewer: DefaultBindingsReviewer()) == nil)
    }

    @Test func signersEnforceTheirRules() throws {
        #expect(throws: Never.self) { try CertificateRequestPolicy.validateForSigning(try Self.csr(cn: "system:node:n1")) }
        #expect(throws: CertificateRequestError("subject organization is not system:nodes")) {
            try CertificateRequestPolicy.validateForSigning(try Self.csr(cn: "system:node:n1", orgs: ["x"]))
        }
        #expect(throws: CertificateRequestError("subject common name does not begin with system:node:")) {
            try CertificateRequestPolicy.validateForSigning(try Self.csr(cn: "n1"))
        }
        #expect(throws: CertificateRequestError("DNS subjectAltNames are not allowed")) {
            try CertificateRequestPolicy.validateForSigning(try Self.csr(cn: "system:node:n1", dns: ["n1"]))
        }
        let serving = KubeAPI.CertificateSigningRequest.Signer.kubeletServing
        #expect(throws: CertificateRequestError("at least one DNS or IP subjectAltName is required")) {
            try CertificateRequestPolicy.validateForSigning(try Self.csr(cn: "system:node:n1", signer: serving, usages: ["digital signature", "server auth"]))
        }
        let client = KubeAPI.CertificateSigningRequest.Signer.kubeAPIServerClient
        #expect(throws: Never.self) { try CertificateRequestPolicy.validateForSigning(try Self.csr(cn: "jane", orgs: ["dev"], signer: client)) }
        #expect(throws: CertificateRequestError("invalid usage for client certificate: server auth")) {
            try CertificateRequestPolicy.validateForSigning(try Self.csr(cn: "jane", orgs: [], signer: client, usages: ["client auth", "server auth"]))
        }
        #expect(throws: CertificateRequestError("signer does not allow CA certificates")) {
            try CertificateRequestPolicy.validateForSigning(try Self.csr(cn: "jane", orgs: [], signer: client, ca: true))
        }
        #expect(CertificateRequestPolicy.duration(expirationSeconds: nil, maximum: 86400) == 86400)
        #expect(CertificateRequestPolicy.duration(expirationSeconds: 3600, maximum: 86400) == 3600)
        #expect(CertificateRequestPolicy.duration(expirationSeconds: 999_999, maximum: 86400) == 86400)
        let parsed = try Self.csr(cn: "system:node:n1", dns: ["n1"], ips: [[10, 0, 0, 5], [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]])
        #expect(parsed.dnsNames == ["n1"] && parsed.ipAddresses == ["10.0.0.5", "fd00:0:0:0:0:0:0:1"])
        #expect(ParsedCertificateRequest.normalizedIP("fd00::1") == "fd00:0:0:0:0:0:0:1")
    }
}
