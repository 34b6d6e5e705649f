import Foundation
import KubeAPI
import Logging
import ControllerRuntime
import X509

/// Upstream's csrsigning controller: signs approved (and neither denied nor
/// failed) CSRs of the built-in signers with the cluster CA, within each
/// signer's rules, into `status.certificate`; a CSR breaking them gets a
/// `Failed` condition (`SignerValidationFailure`).
public final class CSRSigningController: Controller {
    public let name = "csrsigning"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "csrsigning")
    let csrs: Informer<KubeAPI.CertificateSigningRequest>
    let issuer: any CertificateIssuer

    public init(_ ctx: ControllerContext, issuer: any CertificateIssuer) {
        self.ctx = ctx
        self.issuer = issuer
        csrs = ctx.informers.informer(KubeAPI.CertificateSigningRequest.self)
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
            try await sync(csr)
            return nil
        }
    }

    func sync(_ csr: KubeAPI.CertificateSigningRequest) async throws {
        guard csr.isApproved, (csr.status?.certificate ?? "").isEmpty,
              CertificateRequestPolicy.signers.contains(csr.spec.signerName) else { return }
        var out = csr
        var status = csr.status ?? CertificateSigningRequestStatus()
        do {
            let parsed = try ParsedCertificateRequest(csr)
            try CertificateRequestPolicy.validateForSigning(parsed)
            status.certificate = Data(try sign(parsed, expirationSeconds: csr.spec.expirationSeconds).utf8).base64EncodedString()
            ctx.logger.info("csrsigning: signed \(csr.name) for \(parsed.commonName) (\(csr.spec.signerName))")
        } catch let error as CertificateRequestError {
            status.conditions = (status.conditions ?? []) + [
                CertificateSigningRequestCondition(type: "Failed", reason: "SignerValidationFailure", message: error.description, at: ctx.now()),
            ]
            ctx.logger.info("csrsigning: \(csr.name) failed: \(error.description)")
        }
        out.status = status
        _ = try await ctx.client.update(out, subresource: "status")
    }

    /// The PEM certificate for a valid request.
    func sign(_ r: ParsedCertificateRequest, expirationSeconds: Int32?) throws -> String {
        let (keyUsage, extended) = CertificateRequestPolicy.x509Usages(r.usages)
        let sans = ((try? r.request.attributes.extensionRequest?.extensions.subjectAlternativeNames) ?? nil).map(Array.init) ?? []
        let now = ctx.now()
        let lifetime = CertificateRequestPolicy.duration(expirationSeconds: expirationSeconds,
                                                         maximum: ctx.configuration.clusterSigningDuration)
        let cert = try issuer.signCertificate(publicKey: r.request.publicKey, subject: r.request.subject, keyUsage: keyUsage,
                                              extendedUsages: extended, subjectAlternativeNames: sans,
                                              notBefore: now.addingTimeInterval(-300), notAfter: now.addingTimeInterval(lifetime))
        let pem = try cert.serializeAsPEM().pemString
        return pem.hasSuffix("\n") ? pem : pem + "\n"
    }
}
