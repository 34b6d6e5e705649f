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

    static func isCSR(_ a: AdmissionAttributes) -> Bool { a.info.builtinKind == "CertificateSigningRequest" }
}

/// The CertificateApproval and CertificateSigning admission plugins: a
/// write of a CSR's `approval` subresource needs `approve` on its signer;
/// one that sets or changes `status.certificate` needs `sign`.
struct SignerPermission: AdmissionPlugin {
    let name: String
    /// `approve` or `sign`.
    let verb: String
    let subresource: String
    /// Whether the write is one this plugin guards.
    let guards: @Sendable (AdmissionAttributes) -> Bool

    static let approval = SignerPermission(name: "CertificateApproval", verb: "approve", subresource: "approval") { _ in true }
    static let signing = SignerPermission(name: "CertificateSigning", verb: "sign", subresource: "status") { a in
        a.object?[path: ["status", "certificate"]] != a.oldObject?[path: ["status", "certificate"]]
    }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard SignerAuthorization.isCSR(a), a.operation == .update, a.subresource == subresource, guards(a) else { return }
        let signer = SignerAuthorization.signer(a.oldObject ?? a.object)
        guard SignerAuthorization.allowed(verb, signer: signer, a, registry) else {
            throw a.forbidden("user not permitted to \(verb) requests with signerName \"\(signer)\"")
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
