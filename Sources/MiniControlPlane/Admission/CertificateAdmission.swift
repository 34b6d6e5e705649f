import Controllers
import KubeAPI

/// Who may act for a signer, as upstream's `isAuthorizedForSignerName`: the
/// verb on `signers` (`certificates.k8s.io`) named by the signer, or by its
/// domain with `/*` (`kubernetes.io/*`). The API server's own writes (its
/// approving and signing controllers) need nothing.
enum SignerAuthorization {
    static func allowed(_ verb: String, signer: String, _ a: AdmissionAttributes, _ registry: ResourceStorage) -> Bool {
        guard let user = a.user, let authorizer = registry.authorizer else { return true }
        var names = [signer]
        if let slash = signer.firstIndex(of: "/") { names.append(signer[..<slash] + "/*") }
        return names.contains { name in
            authorizer.allows(user, RequestAttributes(verb: verb, group: "certificates.k8s.io", resource: "signers", name: name))
        }
    }

    static func signer(_ o: JSONValue?) -> String { o?[path: ["spec", "signerName"]]?.stringValue ?? "" }

    static func isCSR(_ a: AdmissionAttributes) -> Bool { a.info.kind == "CertificateSigningRequest" }
}

/// The CertificateApproval admission plugin: approving or denying a CSR
/// (`approval` subresource) needs `approve` on its signer.
struct CertificateApproval: AdmissionPlugin {
    var name: String { "CertificateApproval" }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard SignerAuthorization.isCSR(a), a.operation == .update, a.subresource == "approval" else { return }
        let signer = SignerAuthorization.signer(a.oldObject ?? a.object)
        guard SignerAuthorization.allowed("approve", signer: signer, a, registry) else {
            throw a.forbidden("user not permitted to approve requests with signerName \"\(signer)\"")
        }
    }
}

/// The CertificateSigning admission plugin: setting or changing
/// `status.certificate` needs `sign` on the CSR's signer.
struct CertificateSigning: AdmissionPlugin {
    var name: String { "CertificateSigning" }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard SignerAuthorization.isCSR(a), a.operation == .update, a.subresource == "status",
              a.object?[path: ["status", "certificate"]] != a.oldObject?[path: ["status", "certificate"]] else { return }
        let signer = SignerAuthorization.signer(a.oldObject ?? a.object)
        guard SignerAuthorization.allowed("sign", signer: signer, a, registry) else {
            throw a.forbidden("user not permitted to sign requests with signerName \"\(signer)\"")
        }
    }
}

/// The CertificateSubjectRestriction admission plugin: no CSR for the
/// `kubernetes.io/kube-apiserver-client` signer may ask for the
/// `system:masters` group, which no authorizer could take away again.
struct CertificateSubjectRestriction: AdmissionPlugin {
    var name: String { "CertificateSubjectRestriction" }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard SignerAuthorization.isCSR(a), a.operation == .create, let object = a.object,
              SignerAuthorization.signer(object) == "kubernetes.io/kube-apiserver-client",
              let csr = try? JSONValueDecoder.decode(KubeAPI.CertificateSigningRequest.self, from: object),
              let parsed = try? ParsedCertificateRequest(csr) else { return }
        if parsed.organizations.contains("system:masters") {
            throw a.forbidden("use of kubernetes.io/kube-apiserver-client signer with system:masters group is not allowed")
        }
    }
}
