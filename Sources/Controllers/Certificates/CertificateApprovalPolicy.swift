public import KubeAPI

/// When the approver approves a CSR by itself (upstream's csrapproving
/// recognizers, with the SubjectAccessReviews of `nodeclient` and
/// `selfnodeclient` answered by the default RBAC bindings until RBAC is in):
///
/// - a kubelet client CSR (`kube-apiserver-client-kubelet`, exactly
///   `CN=system:node:NAME, O=system:nodes`, client usages, no SANs) from a
///   bootstrap token (`system:bootstrappers`, upstream's `nodeclient`
///   binding) or the admin, or from the same node renewing (username == CN,
///   `selfnodeclient`);
/// - with `--kubelet-serving-auto-approve`, a kubelet serving CSR from the
///   node itself whose SANs are only that Node's own addresses and host names.
public enum CertificateApprovalPolicy {
    public static let reason = "AutoApproved"
    public static let nodeClientMessage = "Auto approving kubelet client certificate after SubjectAccessReview."
    public static let selfNodeClientMessage = "Auto approving self kubelet client certificate after SubjectAccessReview."
    public static let servingMessage = "Auto approving kubelet serving certificate for the node's own addresses."

    /// The approval message, or nil to leave the CSR to a person.
    public static func decide(_ r: ParsedCertificateRequest, node: Node?, approveServing: Bool) -> String? {
        let admin = r.groups.contains("system:masters")
        switch r.signerName {
        case KubeAPI.CertificateSigningRequest.Signer.kubeAPIServerClientKubelet:
            guard (try? CertificateRequestPolicy.validateKubeletClient(r)) != nil else { return nil }
            if r.username == r.commonName && (r.groups.contains("system:nodes") || admin) { return selfNodeClientMessage }
            if r.groups.contains(BootstrapToken.group) || admin { return nodeClientMessage }
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
