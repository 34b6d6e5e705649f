import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Upstream's csrapproving controller: approves kubelet client CSRs from
/// bootstrap tokens and renewing nodes, and (with
/// `--kubelet-serving-auto-approve`) kubelet serving CSRs for a node's own
/// addresses, through the `approval` subresource with reason `AutoApproved`.
/// See ``CertificateApprovalPolicy``.
public final class CSRApprovingController: Controller {
    public let name = "csrapproving"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "csrapproving")
    let csrs: Informer<KubeAPI.CertificateSigningRequest>
    let nodes: Informer<Node>

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        csrs = ctx.informers.informer(KubeAPI.CertificateSigningRequest.self)
        nodes = ctx.informers.informer(Node.self)
        csrs.addHandler { [queue] e in
            switch e {
            case .added(let c), .updated(_, let c): queue.add(c.name)
            default: break
            }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: 1, logger: ctx.logger) { [self] name in
            guard let csr = csrs.get(key: name) else { return nil }
            return try await sync(csr)
        }
    }

    /// Approves when the policy says so; a serving CSR whose Node is not
    /// known yet is looked at again later.
    func sync(_ csr: KubeAPI.CertificateSigningRequest) async throws -> Duration? {
        guard csr.condition("Approved") == nil, csr.condition("Denied") == nil, csr.condition("Failed") == nil,
              (csr.status?.certificate ?? "").isEmpty,
              let parsed = try? ParsedCertificateRequest(csr) else { return nil }
        let nodeName = parsed.commonName.hasPrefix("system:node:") ? String(parsed.commonName.dropFirst("system:node:".count)) : ""
        let node = nodeName.isEmpty ? nil : nodes.get(key: nodeName)
        guard let message = await CertificateApprovalPolicy.decide(parsed, node: node, approveServing: ctx.configuration.kubeletServingAutoApprove,
                                                                   reviewer: ctx.configuration.subjectAccessReviewer) else {
            let waitingForNode = csr.spec.signerName == KubeAPI.CertificateSigningRequest.Signer.kubeletServing && node == nil && !nodeName.isEmpty
            return waitingForNode ? .seconds(5) : nil
        }
        var out = csr
        var status = csr.status ?? CertificateSigningRequestStatus()
        status.conditions = (status.conditions ?? []) + [
            CertificateSigningRequestCondition(type: "Approved", reason: CertificateApprovalPolicy.reason, message: message, at: ctx.now()),
        ]
        out.status = status
        _ = try await ctx.client.update(out, subresource: "approval")
        ctx.logger.info("csrapproving: approved \(csr.name) for \(parsed.commonName)")
        return nil
    }
}
