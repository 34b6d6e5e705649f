public import Foundation
public import KubeAPI
public import X509
import SwiftASN1
#if canImport(Glibc)
import Glibc
#endif

/// Why a CSR cannot be signed or approved.
public struct CertificateRequestError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A CertificateSigningRequest with its PKCS#10 request parsed: what the
/// signer and the approver decide on.
public struct ParsedCertificateRequest: Sendable {
    public let request: X509.CertificateSigningRequest
    public let signerName: String
    public let usages: [String]
    public let commonName: String
    public let organizations: [String]
    public let dnsNames: [String]
    /// IP SANs as text (`10.0.0.1`, `fd00::1`).
    public let ipAddresses: [String]
    public let emailAddresses: [String]
    public let uris: [String]
    /// The requester as the API server recorded it.
    public let username: String
    public let groups: [String]

    /// Parses `spec.request` (base64 PEM) of `csr`.
    public init(_ csr: KubeAPI.CertificateSigningRequest) throws(CertificateRequestError) {
        guard let pem = csr.spec.requestPEM else { throw CertificateRequestError("unable to parse csr: spec.request is not base64") }
        let req: X509.CertificateSigningRequest
        do { req = try X509.CertificateSigningRequest(pemEncoded: pem) } catch {
            throw CertificateRequestError("unable to parse csr \"\(csr.metadata.name ?? "")\": \(error)")
        }
        request = req
        signerName = csr.spec.signerName
        usages = csr.spec.usages ?? []
        username = csr.spec.username ?? ""
        groups = csr.spec.groups ?? []
        func values(_ oid: ASN1ObjectIdentifier) -> [String] {
            req.subject.flatMap { rdn in rdn.compactMap { $0.type == oid ? String($0.value) : nil } }
        }
        commonName = values(.RDNAttributeType.commonName).first ?? ""
        organizations = values(.RDNAttributeType.organizationName)
        var dns: [String] = [], ips: [String] = [], emails: [String] = [], uris: [String] = []
        let sans = (try? req.attributes.extensionRequest?.extensions.subjectAlternativeNames) ?? nil
        for name in sans ?? SubjectAlternativeNames() {
            switch name {
            case .dnsName(let d): dns.append(d)
            case .ipAddress(let bytes): ips.append(Self.ipText(Array(bytes.bytes)))
            case .rfc822Name(let e): emails.append(e)
            case .uniformResourceIdentifier(let u): uris.append(u)
            default: break
            }
        }
        dnsNames = dns
        ipAddresses = ips
        emailAddresses = emails
        self.uris = uris
    }

    /// Whether the request asks for a CA certificate (basicConstraints CA:TRUE).
    public var requestsCA: Bool {
        ((try? request.attributes.extensionRequest?.extensions.basicConstraints) ?? nil).map {
            if case .isCertificateAuthority = $0 { return true }
            return false
        } ?? false
    }

    /// `s` in the form of ``ipText(_:)`` when it is an IP literal, else nil.
    public static func normalizedIP(_ s: String) -> String? {
        var v4 = in_addr()
        if inet_pton(AF_INET, s, &v4) == 1 { return ipText(withUnsafeBytes(of: &v4) { Array($0) }) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, s, &v6) == 1 { return ipText(withUnsafeBytes(of: &v6) { Array($0) }) }
        return nil
    }

    /// Dotted or colon form of 4- or 16-byte addresses.
    static func ipText(_ b: [UInt8]) -> String {
        if b.count == 4 { return b.map(String.init).joined(separator: ".") }
        guard b.count == 16 else { return b.map { String(format: "%02x", $0) }.joined() }
        var groups: [String] = []
        for i in stride(from: 0, to: 16, by: 2) { groups.append(String(UInt16(b[i]) << 8 | UInt16(b[i + 1]), radix: 16)) }
        return groups.joined(separator: ":")
    }
}

/// The rules of the built-in signers (upstream's `certificates` package:
/// `ValidateKubeletClientCSR`, `isKubeletServing`, `validAPIServerClientUsages`).
public enum CertificateRequestPolicy {
    /// The signers this control plane signs for.
    public static let signers: Set<String> = [
        KubeAPI.CertificateSigningRequest.Signer.kubeAPIServerClient,
        KubeAPI.CertificateSigningRequest.Signer.kubeAPIServerClientKubelet,
        KubeAPI.CertificateSigningRequest.Signer.kubeletServing,
    ]
    static let kubeletClientUsages: Set<String> = ["key encipherment", "digital signature", "client auth"]
    static let kubeletServingUsages: Set<String> = ["key encipherment", "digital signature", "server auth"]
    static let apiServerClientUsages: Set<String> = ["digital signature", "key encipherment", "client auth"]

    /// Usages equal to `required`, or to `required` without key encipherment
    /// (ECDSA keys), as upstream's non-strict check.
    static func usagesMatch(_ usages: [String], _ required: Set<String>) -> Bool {
        let set = Set(usages)
        return set.count == usages.count && (set == required || set == required.subtracting(["key encipherment"]))
    }

    /// A kubelet client certificate: `O=system:nodes` only, `CN=system:node:…`,
    /// no SANs, client usages.
    public static func validateKubeletClient(_ r: ParsedCertificateRequest) throws(CertificateRequestError) {
        guard r.organizations == ["system:nodes"] else { throw CertificateRequestError("subject organization is not system:nodes") }
        guard r.dnsNames.isEmpty else { throw CertificateRequestError("DNS subjectAltNames are not allowed") }
        guard r.emailAddresses.isEmpty else { throw CertificateRequestError("Email subjectAltNames are not allowed") }
        guard r.ipAddresses.isEmpty else { throw CertificateRequestError("IP subjectAltNames are not allowed") }
        guard r.uris.isEmpty else { throw CertificateRequestError("URI subjectAltNames are not allowed") }
        guard r.commonName.hasPrefix("system:node:") else {
            throw CertificateRequestError("subject common name does not begin with system:node:")
        }
        guard usagesMatch(r.usages, kubeletClientUsages) else {
            throw CertificateRequestError("usages did not match \(kubeletClientUsages.sorted())")
        }
    }

    /// A kubelet serving certificate: `O=system:nodes` only, `CN=system:node:…`,
    /// at least one DNS or IP SAN, no email or URI SANs, serving usages.
    public static func validateKubeletServing(_ r: ParsedCertificateRequest) throws(CertificateRequestError) {
        guard r.organizations == ["system:nodes"] else { throw CertificateRequestError("subject organization is not system:nodes") }
        guard r.emailAddresses.isEmpty else { throw CertificateRequestError("Email subjectAltNames are not allowed") }
        guard !r.dnsNames.isEmpty || !r.ipAddresses.isEmpty else {
            throw CertificateRequestError("at least one DNS or IP subjectAltName is required")
        }
        guard r.uris.isEmpty else { throw CertificateRequestError("URI subjectAltNames are not allowed") }
        guard usagesMatch(r.usages, kubeletServingUsages) else {
            throw CertificateRequestError("usages did not match \(kubeletServingUsages.sorted())")
        }
        guard r.commonName.hasPrefix("system:node:") else {
            throw CertificateRequestError("subject common name does not begin with system:node:")
        }
    }

    /// What the signer of `signerName` allows; throws the reason of a
    /// `Failed` condition otherwise.
    public static func validateForSigning(_ r: ParsedCertificateRequest) throws(CertificateRequestError) {
        if r.requestsCA { throw CertificateRequestError("signer does not allow CA certificates") }
        switch r.signerName {
        case KubeAPI.CertificateSigningRequest.Signer.kubeAPIServerClientKubelet:
            try validateKubeletClient(r)
        case KubeAPI.CertificateSigningRequest.Signer.kubeletServing:
            try validateKubeletServing(r)
        case KubeAPI.CertificateSigningRequest.Signer.kubeAPIServerClient:
            for u in r.usages where !apiServerClientUsages.contains(u) {
                throw CertificateRequestError("invalid usage for client certificate: \(u)")
            }
            if !r.usages.contains("client auth") { throw CertificateRequestError("missing required usage for client certificate: client auth") }
        default:
            throw CertificateRequestError("unsupported signer \(r.signerName)")
        }
    }

    /// The key usage and extended key usages of `usages`.
    public static func x509Usages(_ usages: [String]) -> (KeyUsage, [ExtendedKeyUsage.Usage]) {
        var ku = KeyUsage()
        var eku: [ExtendedKeyUsage.Usage] = []
        for u in usages {
            switch u {
            case "digital signature", "signing": ku.digitalSignature = true
            case "key encipherment": ku.keyEncipherment = true
            case "content commitment": ku.nonRepudiation = true
            case "key agreement": ku.keyAgreement = true
            case "data encipherment": ku.dataEncipherment = true
            case "client auth": eku.append(.clientAuth)
            case "server auth": eku.append(.serverAuth)
            case "code signing": eku.append(.codeSigning)
            case "email protection", "s/mime": eku.append(.emailProtection)
            case "timestamping": eku.append(.timeStamping)
            case "ocsp signing": eku.append(.ocspSigning)
            default: break
            }
        }
        return (ku, eku)
    }

    /// The lifetime of a certificate: `expirationSeconds` when set (at
    /// least 10 minutes), at most `maximum` (`--cluster-signing-duration`).
    public static func duration(expirationSeconds: Int32?, maximum: TimeInterval) -> TimeInterval {
        guard let e = expirationSeconds else { return maximum }
        return min(max(TimeInterval(e), 600), maximum)
    }
}
