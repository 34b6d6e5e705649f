import FoundationEssentials
import LinuxSystem

/// Reads `config.json` from a bundle, turning decoding failures into errors
/// that name the field (`process.args[1]: expected a string`).
public enum BundleLoader {
    public static func load(bundle: String) throws -> Spec {
        try loadWithJSON(bundle: bundle).spec
    }

    /// The spec and the JSON it was read from, which stands for it in the
    /// state file (one encoding fewer per container).
    static func loadWithJSON(bundle: String) throws -> (spec: Spec, json: [UInt8]) {
        let path = bundle + "/config.json"
        var bytes: [UInt8]
        do {
            bytes = try FileIO.readBytes(path)
        } catch let error as SystemError {
            throw RuntimeError.invalidConfig(field: "config.json", reason: "cannot read \(path): \(error.reason)")
        }
        let spec = try decode(Spec.self, from: bytes, what: "config.json")
        // A byte order mark is no JSON inside another document.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        return (spec, bytes)
    }

    /// Decodes JSON, phrasing errors with the JSON path of the bad field.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw describe(error, what: what)
        }
    }

    static func describe(_ error: DecodingError, what: String) -> RuntimeError {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out.isEmpty ? what : out
        }
        switch error {
        case .typeMismatch(let type, let ctx):
            return .invalidConfig(field: path(ctx.codingPath), reason: "expected \(typeName(type))")
        case .valueNotFound(let type, let ctx):
            return .invalidConfig(field: path(ctx.codingPath), reason: "expected \(typeName(type)), found null")
        case .keyNotFound(let key, let ctx):
            return .invalidConfig(field: path(ctx.codingPath + [key]), reason: "required field is missing")
        case .dataCorrupted(let ctx):
            let underlying = ctx.underlyingError.map { ": \($0)" } ?? ""
            return .invalidConfig(field: path(ctx.codingPath), reason: "\(what) is not valid JSON (\(ctx.debugDescription)\(underlying))")
        @unknown default:
            return .invalidConfig(field: what, reason: "\(error)")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case is Int.Type, is Int32.Type, is Int64.Type, is UInt16.Type, is UInt32.Type, is UInt64.Type: return "an integer"
        case is [String].Type: return "an array of strings"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "an array" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return "an object"
        }
    }
}
