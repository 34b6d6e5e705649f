import Foundation

/// A CEL value: JSON's kinds plus CEL's own (`uint`, `bytes`, `duration`,
/// `timestamp`, optionals and type values).
public indirect enum CELValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case string(String)
    case bytes([UInt8])
    case list([CELValue])
    case map([CELValue: CELValue])
    /// Nanoseconds.
    case duration(Int64)
    /// Seconds and nanoseconds since the Unix epoch, UTC.
    case timestamp(seconds: Int64, nanos: Int32)
    case optional(CELValue?)
    case type(String)
    /// An IP, CIDR, URL or quantity of Kubernetes' libraries.
    case object(CELObject)

    /// The names usable as type values and conversion functions.
    static let typeNames: Set<String> = ["int", "uint", "double", "string", "bytes", "bool", "list", "map", "null_type", "type", "dyn",
                                         "duration", "timestamp", "optional"]

    /// CEL's name of the value's type (`int`, `map`, `google.protobuf.Duration`, …).
    public var typeName: String {
        switch self {
        case .null: return "null_type"
        case .bool: return "bool"
        case .int: return "int"
        case .uint: return "uint"
        case .double: return "double"
        case .string: return "string"
        case .bytes: return "bytes"
        case .list: return "list"
        case .map: return "map"
        case .duration: return "google.protobuf.Duration"
        case .timestamp: return "google.protobuf.Timestamp"
        case .optional: return "optional_type"
        case .type: return "type"
        case .object(let o): return o.typeName
        }
    }

    /// A JSON value as CEL sees it, typed by its schema where the schema says
    /// more than JSON does (`format: byte`, `duration`, `date-time`; `number` is a double).
    public init(_ json: JSONValue, schema: StructuralSchema? = nil) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .int(let i): self = schema?.type == "number" ? .double(Double(i)) : .int(i)
        case .double(let d):
            if schema?.type == "integer", let i = json.intValue { self = .int(i) } else { self = .double(d) }
        case .string(let s):
            switch schema?.format {
            case "byte"?:
                self = .bytes(Array(Data(base64Encoded: s) ?? Data(s.utf8)))
            case "duration"?:
                self = CELFunctions.parseDuration(s).map(CELValue.duration) ?? .string(s)
            case "date-time"?, "datetime"?:
                self = CELFunctions.parseTimestamp(s).map { .timestamp(seconds: $0.0, nanos: $0.1) } ?? .string(s)
            default:
                self = .string(s)
            }
        case .array(let a):
            let items = schema?.items
            self = .list(a.map { CELValue($0, schema: items) })
        case .object(let o):
            var m: [CELValue: CELValue] = [:]
            for (k, v) in o {
                m[.string(k)] = CELValue(v, schema: schema?.properties[k] ?? schema?.additionalProperties)
            }
            self = .map(m)
        }
    }

    /// The value as JSON (for messages and results); CEL-only kinds as their string forms.
    public var json: JSONValue {
        switch self {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .uint(let u): return u <= UInt64(Int64.max) ? .int(Int64(u)) : .double(Double(u))
        case .double(let d): return .double(d)
        case .string(let s): return .string(s)
        case .bytes(let b): return .string(Data(b).base64EncodedString())
        case .list(let l): return .array(l.map(\.json))
        case .map(let m):
            var o: [String: JSONValue] = [:]
            for (k, v) in m { o[k.stringValue ?? k.description] = v.json }
            return .object(o)
        case .duration, .timestamp, .type, .object: return .string(description)
        case .optional(let v): return v?.json ?? .null
        }
    }

    var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
}

extension CELValue: CustomStringConvertible {
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return String(b)
        case .int(let i): return String(i)
        case .uint(let u): return "\(u)u"
        case .double(let d): return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) + ".0" : String(d)
        case .string(let s): return FieldError.quote(s)
        case .bytes(let b): return "b" + FieldError.quote(String(decoding: b, as: UTF8.self))
        case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
        case .map(let m): return "{" + m.map { "\($0.key): \($0.value)" }.sorted().joined(separator: ", ") + "}"
        case .duration(let n): return CELFunctions.formatDuration(n)
        case .timestamp(let s, let n): return CELFunctions.formatTimestamp(s, n)
        case .optional(let v): return v.map { "optional.of(\($0))" } ?? "optional.none()"
        case .type(let t): return t
        case .object(let o): return o.description
        }
    }
}
