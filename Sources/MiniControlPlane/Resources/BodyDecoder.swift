import Foundation
import KubeAPI
import HTTPServing

/// Decodes request bodies (JSON, or YAML when the content type says so).
enum BodyDecoder {
    /// The parsed body and the paths of keys that occurred twice.
    static func decode(_ body: [UInt8], contentType: String?) throws(Status) -> (JSONValue, duplicates: [String]) {
        let type = HTTPRequest.mediaType(contentType ?? "application/json")
        if body.isEmpty { throw APIErrors.badRequest("the request body is empty") }
        if type == "application/vnd.kubernetes.protobuf" {
            return (try ProtobufBody.decode(body), [])
        }
        if type.hasSuffix("yaml") {
            let decoded: (value: JSONValue?, duplicates: [String])
            do {
                decoded = try YAMLDecoding.decodeReportingDuplicates(body)
            } catch {
                throw APIErrors.badRequest("error converting YAML to JSON: \(error.message)")
            }
            guard let value = decoded.value else { throw APIErrors.badRequest("YAML body is empty") }
            return (value, decoded.duplicates)
        }
        if !type.isEmpty, !type.hasSuffix("json"), type != "*/*" {
            throw APIErrors.unsupportedMediaType(type, accepted: ["application/json", "application/yaml"])
        }
        do {
            return try JSONParser.parseReportingDuplicates(body)
        } catch {
            throw APIErrors.badRequest("couldn't get version/kind; json parse error: \(error.description)")
        }
    }
}
