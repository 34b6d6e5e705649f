import Foundation
import KubeAPI
import Yams

/// Decodes request bodies (JSON, or YAML when the content type says so).
enum BodyDecoder {
    /// The parsed body and the paths of keys that occurred twice.
    static func decode(_ body: [UInt8], contentType: String?) throws(Status) -> (JSONValue, duplicates: [String]) {
        let type = (contentType ?? "application/json").split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        if body.isEmpty { throw APIErrors.badRequest("the request body is empty") }
        if type == "application/vnd.kubernetes.protobuf" {
            return (try ProtobufBody.decode(body), [])
        }
        if type.hasSuffix("yaml") {
            do {
                guard let text = String(validating: body, as: UTF8.self) else { throw APIErrors.badRequest("YAML body is not valid UTF-8") }
                guard let any = try Yams.load(yaml: text) else { throw APIErrors.badRequest("YAML body is empty") }
                return (try jsonValue(any), [])
            } catch let s as Status {
                throw s
            } catch {
                throw APIErrors.badRequest("error converting YAML to JSON: \(error)")
            }
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

    static func jsonValue(_ any: Any) throws(Status) -> JSONValue {
        switch any {
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(Int64(i))
        case let d as Double: return .double(d)
        case let s as String: return .string(s)
        case let a as [Any]:
            var out: [JSONValue] = []
            for x in a { out.append(try jsonValue(x)) }
            return .array(out)
        case let m as [AnyHashable: Any]:
            var out: [String: JSONValue] = [:]
            for (k, v) in m { out["\(k.base)"] = try jsonValue(v) }
            return .object(out)
        case is NSNull: return .null
        default: return .string("\(any)")
        }
    }
}
