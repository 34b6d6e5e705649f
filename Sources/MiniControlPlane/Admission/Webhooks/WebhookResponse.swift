import Foundation
public import KubeAPI

/// What the API server makes of a webhook's answer (untrusted bytes, at most
/// ``WebhookCaller``'s 3 MiB, parsed with the JSON parser's depth budget):
/// the AdmissionReview envelope checked as upstream checks it, and a mutating
/// webhook's JSON patch applied to the object.
public enum WebhookResponse {
    /// Why an answer is refused, in upstream's words.
    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    /// The response of an `admission.k8s.io/v1` (or `v1beta1`) AdmissionReview carrying `uid`.
    public static func decode(_ body: [UInt8], uid: String) throws(Invalid) -> AdmissionResponse {
        let decoded: AdmissionReview
        do { decoded = try JSONValueDecoder.decode(AdmissionReview.self, from: try JSONParser.parse(body)) } catch {
            throw Invalid(description: "received invalid webhook response: \(error)")
        }
        guard decoded.apiVersion == AdmissionReview.apiVersion || decoded.apiVersion == "admission.k8s.io/v1beta1",
              decoded.kind == AdmissionReview.kind else {
            throw Invalid(description: "expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got \(decoded.apiVersion ?? ""), Kind=\(decoded.kind ?? "")")
        }
        guard let response = decoded.response else { throw Invalid(description: "webhook response was absent") }
        guard response.uid == uid else { throw Invalid(description: "expected response.uid=\"\(uid)\", got \"\(response.uid)\"") }
        return response
    }

    /// `object` with the response's patch applied (the object itself when there is none).
    public static func applyPatch(_ response: AdmissionResponse, to object: JSONValue) throws(Invalid) -> JSONValue {
        guard let patch = response.patch, !patch.isEmpty else { return object }
        guard response.patchType == "JSONPatch" else {
            throw Invalid(description: "webhook returned response.patch but not response.patchType")
        }
        guard let bytes = Data(base64Encoded: patch), let ops = try? JSONParser.parse(Array(bytes)) else {
            throw Invalid(description: "the response's patch is not base64-encoded JSON")
        }
        do { return try JSONPatch.apply(ops, to: object) } catch {
            throw Invalid(description: "JSON patch from webhook could not be applied: \(error.message)")
        }
    }
}
