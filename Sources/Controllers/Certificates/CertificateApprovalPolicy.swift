public import KubeAPI

/// Answers a SubjectAccessReview: may `user` in `groups` do `verb` on the
/// resource? (kube-controller-manager asks the API server; in this process
/// the API server's own authorizer answers.)
public protocol SubjectAccessReviewer: Sendable {
    func allowed(user: String, groups: [String], verb: String, group: String, resource: String, subresource: String?) async -> Bool
}

/// What the default RBAC bindings answer for the CSR subresources, for
/// controllers run without an API server's authorizer (unit tests):
/// `system:bootstrappers` may create `nodeclient` CSRs, `system:nodes`
/// `selfnodeclient` ones, `system:masters` anything.
public struct DefaultBindingsReviewer: SubjectAccessReviewer {
    public init() {}
    public func allowed(user: String, groups: [String], verb: String, group: String, resource: String, subresource: String?) async -> Bool {
        if groups.contains("system:masters") { return true }
        guard verb == "create", group == "certificates.k8s.io", resource == "certificatesigningrequests" else { return false }
        switch subresource {
        case "nodeclient": return groups.contains(BootstrapToken.group)
        case "selfnodeclient": return groups.contains("system:nodes")
        default: return false
        }
    }
}

/// When the approver approves a CSR by itself (upstream's csrapproving):
///
/// - a kubelet client CSR (`kube-apiserver-client-kubelet`, exactly
///   `CN=system:node:NAME, O=system:nodes`, client usages, no SANs) whose
///   requester may create `certificatesigningrequests/selfnodeclient` (a node
///   renewing its own: username == CN) or `certificatesigningrequests/nodeclient`
///   (a bootstrap token), asked by SubjectAccessReview in that order;
/// - with `--kubelet-serving-auto-approve`, a kubelet serving CSR from the
///   node itself whose SANs are only that Node's own addresses and host names.
public enum CertificateApprovalPolicy {
    public static let reason = "AutoApproved"
    public static let nodeClientMessage = "Auto approving kubelet client certificate after SubjectAccessReview."
    public static let selfNodeClientMessage = "Auto approving self kubelet client certificate after SubjectAccessReview."
    public static let servingMessage = "Auto approving kubelet serving certificate for the node's own addresses."

    /// Upstream's recognizers of a kubelet client CSR: the subresource its
    /// requester needs `create` on, with the approval message, in order.
    public static func clientRecognizers(_ r: ParsedCertificateRequest) -> [(subresource: String, message: String)] {
        guard r.signerName == KubeAPI.CertificateSigningRequest.Signer.kubeAPIServerClientKubelet,
              (try? CertificateRequestPolicy.validateKubeletClient(r)) != nil else { return [] }
        var out: [(String, String)] = []
        if r.username == r.commonName { out.append(("selfnodeclient", selfNodeClientMessage)) }
        out.append(("nodeclient", nodeClientMessage))
        return out
    }

    /// The approval message, or nil to leave the CSR to a person.
    public static func decide(_ r: ParsedCertificateRequest, node: Node?, approveServing: Bool, reviewer: any SubjectAccessReviewer) async -> String? {
        switch r.signerName {
        case KubeAPI.CertificateSigningRequest.Signer.kubeAPIServerClientKubelet:
            for (subresource, message) in clientRecognizers(r) {
                if await reviewer.allowed(user: r.username, groups: r.groups, verb: "create", group: "certificates.k8s.io",
                                          resource: "certificatesigningrequests", subresource: subresource) { return message }
            }
            return nil
        case KubeAPI.CertificateSigningRequest.Signer.kubeletServing:
            guard approveServing, (try? CertificateRequestPolicy.validateKubeletServing(r)) != nil,
                  r.username == r.commonName, r.groups.contains("system:nodes"),
                  let node, node.metadata.name.map({ "system:node:" + $0 }) == r.commonName else { return nil }
            let addresses = node.status?.addresses ?? []
            let names = Set(addresses.filter { ["Hostname", "InternalDNS", "ExternalDNS"].contains($0.type) }.map(\.address) + [node.metadata.name ?? ""])
            let ips = Set(addresses.filter { ["InternalIP", "ExternalIP"].contains($0.type) }
                .compactMap { ParsedCertificateRequest.normalizedIP($0.address) })
            guard r.dnsNames.allSatisfy(names.contains), r.ipAddresses.allSatisfy(ips.contains) else { return nil }
            return servingMessage
        default:
            return nil
        }
    }
}
