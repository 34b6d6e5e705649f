import Foundation
import KubeAPI

/// Decodes Kubernetes protobuf request bodies (`application/vnd.kubernetes.protobuf`:
/// the `k8s\0` magic, a `runtime.Unknown` envelope, and the object in the
/// field numbering of Kubernetes' generated.proto) into JSON objects.
///
/// kubectl's typed commands (`create namespace|configmap|secret|serviceaccount|
/// deployment|service`, drain's evictions) send protobuf. Only the kinds and
/// fields in ``ProtobufSchemas`` are understood; other kinds are refused with
/// 415. Empty strings are dropped, as Go's JSON `omitempty` would.
enum ProtobufBody {
    struct DecodeError: Error { var message: String }

    static let magic: [UInt8] = [0x6B, 0x38, 0x73, 0x00]

    /// Decodes an envelope; returns the object with apiVersion and kind.
    static func decode(_ body: [UInt8]) throws(Status) -> JSONValue {
        guard body.starts(with: magic) else { throw APIErrors.badRequest("protobuf body does not start with the k8s magic number") }
        do {
            var apiVersion = "", kind = ""
            var raw: ArraySlice<UInt8> = []
            var r = Reader(bytes: body[4...])
            while let (field, wire) = try r.nextKey() {
                switch (field, wire) {
                case (1, 2):
                    var tm = Reader(bytes: try r.lengthDelimited())
                    while let (f, w) = try tm.nextKey() {
                        if w == 2, f == 1 { apiVersion = String(decoding: try tm.lengthDelimited(), as: UTF8.self) }
                        else if w == 2, f == 2 { kind = String(decoding: try tm.lengthDelimited(), as: UTF8.self) }
                        else { try tm.skip(w) }
                    }
                case (2, 2): raw = try r.lengthDelimited()
                default: try r.skip(wire)
                }
            }
            guard let schema = ProtobufSchemas.kinds["\(apiVersion)/\(kind)"] ?? ProtobufSchemas.kinds[kind] else {
                throw APIErrors.unsupportedMediaType("application/vnd.kubernetes.protobuf",
                                                     accepted: ["application/json", "application/yaml",
                                                                "application/vnd.kubernetes.protobuf (for \(ProtobufSchemas.kinds.keys.sorted().joined(separator: ", ")))"])
            }
            var obj = try message(raw, schema)
            obj["apiVersion"] = .string(apiVersion)
            obj["kind"] = .string(kind)
            return obj
        } catch let e as DecodeError {
            throw APIErrors.badRequest("invalid protobuf body: \(e.message)")
        } catch let s as Status {
            throw s
        } catch {
            throw APIErrors.badRequest("invalid protobuf body: \(error)")
        }
    }

    static func message(_ bytes: ArraySlice<UInt8>, _ schema: PBMessage) throws -> JSONValue {
        var out: [String: JSONValue] = [:]
        var r = Reader(bytes: bytes)
        while let (field, wire) = try r.nextKey() {
            guard let f = schema.fields[field] else {
                try r.skip(wire)
                continue
            }
            let value: JSONValue?
            switch f.type {
            case .map(let valueType):
                guard wire == 2 else { throw DecodeError(message: "map field \(f.name) has wire type \(wire)") }
                var entry = Reader(bytes: try r.lengthDelimited())
                var key = ""
                var v: JSONValue = .string("")
                while let (ef, ew) = try entry.nextKey() {
                    if ef == 1, ew == 2 { key = String(decoding: try entry.lengthDelimited(), as: UTF8.self) }
                    else if ef == 2 { v = try scalar(&entry, ew, valueType) ?? .string("") }
                    else { try entry.skip(ew) }
                }
                var m = out[f.name]?.objectValue ?? [:]
                m[key] = v
                out[f.name] = .object(m)
                continue
            default:
                value = try scalar(&r, wire, f.type, repeated: f.repeated)
            }
            guard let value else { continue }
            if f.name.isEmpty, case .object(let members) = value {
                // An embedded Go struct: its fields are inline in JSON.
                for (k, v) in members { out[k] = v }
                continue
            }
            if f.repeated {
                var a = out[f.name]?.arrayValue ?? []
                a.append(value)
                out[f.name] = .array(a)
            } else {
                out[f.name] = value
            }
        }
        return .object(out)
    }

    /// One scalar; an empty string is omitted as Go's omitempty does, except
    /// as an element of a list (RBAC's `apiGroups: [""]` names the core group).
    static func scalar(_ r: inout Reader, _ wire: Int, _ type: PBType, repeated: Bool = false) throws -> JSONValue? {
        switch type {
        case .string:
            let s = String(decoding: try r.lengthDelimited(), as: UTF8.self)
            return s.isEmpty && !repeated ? nil : .string(s)
        case .bytes:
            return .string(Data(try r.lengthDelimited()).base64EncodedString())
        case .int, .ptrInt:
            guard wire == 0 else { throw DecodeError(message: "integer with wire type \(wire)") }
            let v = Int64(bitPattern: try r.varint())
            if case .int = type, v == 0 { return nil }
            return .int(v)
        case .bool, .ptrBool:
            guard wire == 0 else { throw DecodeError(message: "bool with wire type \(wire)") }
            let v = try r.varint() != 0
            if case .bool = type, !v { return nil }
            return .bool(v)
        case .message(let m):
            return try message(try r.lengthDelimited(), m.schema)
        case .quantity:
            var q = Reader(bytes: try r.lengthDelimited())
            var text = ""
            while let (f, w) = try q.nextKey() {
                if f == 1, w == 2 { text = String(decoding: try q.lengthDelimited(), as: UTF8.self) } else { try q.skip(w) }
            }
            return .string(text)
        case .intOrString:
            var q = Reader(bytes: try r.lengthDelimited())
            var isString = false, i: Int64 = 0, s = ""
            while let (f, w) = try q.nextKey() {
                switch (f, w) {
                case (1, 0): isString = try q.varint() == 1
                case (2, 0): i = Int64(Int32(truncatingIfNeeded: try q.varint()))
                case (3, 2): s = String(decoding: try q.lengthDelimited(), as: UTF8.self)
                default: try q.skip(w)
                }
            }
            return isString ? .string(s) : .int(i)
        case .time:
            var q = Reader(bytes: try r.lengthDelimited())
            var seconds: Int64 = 0
            while let (f, w) = try q.nextKey() {
                if f == 1, w == 0 { seconds = Int64(bitPattern: try q.varint()) } else { try q.skip(w) }
            }
            return seconds == 0 ? nil : .string(Timestamp(Date(timeIntervalSince1970: Double(seconds))).description)
        case .map:
            throw DecodeError(message: "nested map")
        }
    }

    /// A protobuf wire-format reader over a byte slice.
    struct Reader {
        var bytes: ArraySlice<UInt8>

        mutating func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard let b = bytes.popFirst() else { throw DecodeError(message: "truncated varint") }
                if shift >= 64 { throw DecodeError(message: "varint too long") }
                result |= UInt64(b & 0x7F) << shift
                if b & 0x80 == 0 { return result }
                shift += 7
            }
        }

        mutating func nextKey() throws -> (Int, Int)? {
            if bytes.isEmpty { return nil }
            let key = try varint()
            let field = Int(key >> 3)
            guard field > 0 else { throw DecodeError(message: "field number 0") }
            return (field, Int(key & 7))
        }

        mutating func lengthDelimited() throws -> ArraySlice<UInt8> {
            let n = try varint()
            guard n <= UInt64(bytes.count) else { throw DecodeError(message: "length \(n) beyond end of message") }
            let out = bytes.prefix(Int(n))
            bytes = bytes.dropFirst(Int(n))
            return out
        }

        mutating func skip(_ wire: Int) throws {
            switch wire {
            case 0: _ = try varint()
            case 1:
                guard bytes.count >= 8 else { throw DecodeError(message: "truncated fixed64") }
                bytes = bytes.dropFirst(8)
            case 2: _ = try lengthDelimited()
            case 5:
                guard bytes.count >= 4 else { throw DecodeError(message: "truncated fixed32") }
                bytes = bytes.dropFirst(4)
            default: throw DecodeError(message: "unsupported wire type \(wire)")
            }
        }
    }
}
