import Foundation
import KubeAPI
import X509

/// The registry strategy of `certificates.k8s.io/v1` CertificateSigningRequests,
/// as upstream's: the requester is recorded on create, the spec never changes,
/// approval conditions change only through `approval` and the certificate
/// only through `status`.
extension ResourceStorage {
    /// Create: clears the status, records who asks (`spec.username`,
    /// `uid`, `groups`, `extra`) and checks that the request is a PEM PKCS#10
    /// request with a valid signature.
    static func prepareCertificateSigningRequest(_ obj: inout JSONValue, requester: UserInfo?) throws(Status) {
        obj["status"] = nil
        var spec = obj["spec"] ?? .emptyObject
        spec["username"] = requester.map { .string($0.name) }
        spec["groups"] = requester.map { .array($0.groups.map(JSONValue.string)) }
        spec["uid"] = nil
        spec["extra"] = nil
        obj["spec"] = spec
        guard let encoded = spec["request"]?.stringValue, !encoded.isEmpty else { return }
        if let problem = requestProblem(encoded) {
            let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
            throw invalidStatus(kind: "CertificateSigningRequest", group: "certificates.k8s.io", name: name,
                                errors: [.invalid("spec.request", "<request>", problem)])
        }
    }

    /// Why a base64 `spec.request` is not a usable PKCS#10 request; nil when it is.
    static func requestProblem(_ encoded: String) -> String? {
        guard let data = Data(base64Encoded: encoded), let pem = String(data: data, encoding: .utf8) else {
            return "PEM block type must be CERTIFICATE REQUEST"
        }
        guard pem.contains("-----BEGIN CERTIFICATE REQUEST-----") else { return "PEM block type must be CERTIFICATE REQUEST" }
        guard let csr = try? X509.CertificateSigningRequest(pemEncoded: pem) else {
            return "asn1: structure error: the request is not a PKCS#10 certificate request"
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else { return "x509: ECDSA verification failure" }
        return nil
    }

    /// Update through the main resource, `status` or `approval`.
    static func certificateSigningRequestUpdate(_ proposed: JSONValue, old: JSONValue, subresource: String?) -> JSONValue {
        var obj = proposed
        obj["spec"] = old["spec"]
        let approvalTypes: Set<String> = ["Approved", "Denied"]
        func conditions(_ o: JSONValue, approval: Bool) -> [JSONValue] {
            (o[path: ["status", "conditions"]]?.arrayValue ?? []).filter {
                approvalTypes.contains($0["type"]?.stringValue ?? "") == approval
            }
        }
        var status = old["status"] ?? .emptyObject
        switch subresource {
        case "approval":
            // Only the approval conditions; the certificate stays.
            let merged = conditions(proposed, approval: true) + conditions(old, approval: false)
            status["conditions"] = merged.isEmpty ? nil : .array(merged)
        case "status":
            // Everything but the approval conditions.
            let merged = conditions(old, approval: true) + conditions(proposed, approval: false)
            status = proposed["status"] ?? .emptyObject
            status["conditions"] = merged.isEmpty ? nil : .array(merged)
        default:
            break
        }
        obj["status"] = status.objectValue?.isEmpty == false ? status : nil
        if subresource != nil { obj["metadata"] = old["metadata"] }
        return obj
    }
}
