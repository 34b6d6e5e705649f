/// `certificates.k8s.io` objects validated as upstream's
/// `ValidateCertificateRequestCreate`/`Update`. The PKCS#10 request itself is
/// parsed by the API server, which has the x509 library.
enum CertificatesValidation {
    /// Key usages upstream accepts in `spec.usages`.
    static let knownUsages = ["signing", "digital signature", "content commitment", "key encipherment", "key agreement",
                              "data encipherment", "cert sign", "crl sign", "encipher only", "decipher only", "any",
                              "server auth", "client auth", "code signing", "email protection", "s/mime",
                              "ipsec end system", "ipsec tunnel", "ipsec user", "timestamping", "ocsp signing",
                              "microsoft sgc", "netscape sgc"]

    static func validate(_ csr: CertificateSigningRequest, old: CertificateSigningRequest?) -> [FieldError] {
        var errs: [FieldError] = []
        let spec = csr.spec
        if spec.request.isEmpty { errs.append(.required("spec.request")) }
        errs += validateSignerName(spec.signerName)
        if let e = spec.expirationSeconds, e < 600 {
            errs.append(.invalid("spec.expirationSeconds", int: Int64(e), "may not specify a duration less than 600 seconds (10 minutes)"))
        }
        let usages = spec.usages ?? []
        if usages.isEmpty { errs.append(.required("spec.usages")) }
        var seen = Set<String>()
        for (i, u) in usages.enumerated() {
            if !knownUsages.contains(u) { errs.append(.notSupported("spec.usages[\(i)]", u, knownUsages)) }
            if !seen.insert(u).inserted { errs.append(.duplicate("spec.usages[\(i)]", u)) }
        }
        errs += validateConditions(csr.status?.conditions ?? [])
        if let old {
            for type in ["Approved", "Denied"] where old.condition(type) != nil && csr.condition(type) == nil {
                errs.append(.forbidden("status.conditions", "updates may not remove a condition of type \"\(type)\""))
            }
            if let was = old.status?.certificate, !was.isEmpty, csr.status?.certificate != was {
                errs.append(.forbidden("status.certificate", "updates may not modify existing certificate content"))
            }
        }
        return errs
    }

    /// `example.com/signer-name`: a DNS subdomain, a slash and a path.
    static func validateSignerName(_ name: String) -> [FieldError] {
        guard !name.isEmpty else { return [.required("spec.signerName")] }
        let parts = name.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, parts[0].contains("."),
              LabelValidation.dns1123SubdomainErrors(String(parts[0])).isEmpty else {
            return [.invalid("spec.signerName", name, "must be a fully qualified domain and path of the form 'example.com/signer-name'")]
        }
        return []
    }

    static func validateConditions(_ conditions: [CertificateSigningRequestCondition]) -> [FieldError] {
        var errs: [FieldError] = []
        var seen = Set<String>()
        for (i, c) in conditions.enumerated() {
            let path = "status.conditions[\(i)]"
            if c.type.isEmpty { errs.append(.required("\(path).type")) }
            if !["True", "False", "Unknown"].contains(c.status) {
                errs.append(.notSupported("\(path).status", c.status, ["False", "True", "Unknown"]))
            }
            if ["Approved", "Denied", "Failed"].contains(c.type), !seen.insert(c.type).inserted {
                errs.append(.duplicate("\(path).type", c.type))
            }
        }
        if seen.contains("Approved") && seen.contains("Denied") {
            errs.append(.invalid("status.conditions", "", "Approved and Denied conditions are mutually exclusive"))
        }
        return errs
    }
}
