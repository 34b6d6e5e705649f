public import Foundation

/// Why a value could not be converted between JSON and a typed model.
public struct KubeCodecError: Error, Sendable, CustomStringConvertible {
    /// A message in the style of Go's JSON decoder errors.
    public var message: String
    public var description: String { message }
}

/// Converts between typed model values, `JSONValue` trees and bytes.
///
/// Top-level objects (anything conforming to ``KubeObject``) keep the fields the
/// model does not know: ``decodeObject(_:from:)`` records them in
/// `metadata.preservedUnknownFields` and ``encodeObject(_:)`` puts them back, so
/// a client that reads, changes and writes an object loses nothing.
public enum KubeCodec {
    /// Decodes a typed value from a JSON tree.
    public static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws(KubeCodecError) -> T {
        do {
            return try JSONValueDecoder.decode(type, from: value)
        } catch let e as DecodingError {
            throw KubeCodecError(message: describe(e))
        } catch {
            throw KubeCodecError(message: "\(error)")
        }
    }

    /// Decodes a typed value from JSON bytes.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws(KubeCodecError) -> T {
        let value: JSONValue
        do { value = try JSONParser.parse(data) } catch { throw KubeCodecError(message: error.description) }
        return try decode(type, from: value)
    }

    /// Encodes a typed value to a JSON tree.
    public static func encode<T: Encodable>(_ value: T) -> JSONValue {
        (try? JSONValueEncoder.encode(value)) ?? .null
    }

    /// Decodes a top-level object, remembering fields the model does not know.
    public static func decodeObject<T: KubeObject>(_ type: T.Type, from value: JSONValue) throws(KubeCodecError) -> T {
        var obj = try decode(type, from: value)
        let typed = encode(obj)
        obj.metadata.preservedUnknownFields = UnknownFields.difference(raw: value, typed: typed)
        return obj
    }

    /// Decodes a top-level object from bytes, remembering unknown fields.
    public static func decodeObject<T: KubeObject>(_ type: T.Type, from data: Data) throws(KubeCodecError) -> T {
        let value: JSONValue
        do { value = try JSONParser.parse(data) } catch { throw KubeCodecError(message: error.description) }
        return try decodeObject(type, from: value)
    }

    /// Encodes a top-level object with its unknown fields restored and its
    /// `apiVersion` and `kind` filled in.
    public static func encodeObject<T: KubeObject>(_ obj: T) -> JSONValue {
        var v = encode(obj)
        if let residue = obj.metadata.preservedUnknownFields { residue.apply(to: &v) }
        if v["apiVersion"] == nil { v["apiVersion"] = .string(T.apiVersion) }
        if v["kind"] == nil { v["kind"] = .string(T.kind) }
        return v
    }

    /// Turns a Swift decoding error into Go-like wording with the field path.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ ctx: DecodingError.Context) -> String {
            ctx.codingPath.map { k in k.intValue.map { "[\($0)]" } ?? ".\(k.stringValue)" }.joined()
                .replacingOccurrences(of: ".[", with: "[")
                .trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .typeMismatch(let t, let ctx):
            return "json: cannot unmarshal into field \(path(ctx)) of type \(t): \(ctx.debugDescription)"
        case .valueNotFound(let t, let ctx):
            return "json: missing value of type \(t) for field \(path(ctx))"
        case .keyNotFound(let k, let ctx):
            let p = path(ctx)
            return "json: missing required field \(p.isEmpty ? "" : p + ".")\(k.stringValue)"
        case .dataCorrupted(let ctx):
            let p = path(ctx)
            return "json: invalid value\(p.isEmpty ? "" : " for field " + p): \(ctx.debugDescription)"
        @unknown default:
            return "json: \(error)"
        }
    }
}

/// Fields present in a decoded JSON document that the typed model dropped.
public indirect enum UnknownFields: Sendable, Hashable {
    /// A whole member unknown to the model.
    case value(JSONValue)
    /// Unknown members somewhere below these object keys.
    case object([String: UnknownFields])
    /// Unknown members inside these array elements (by index).
    case array([Int: UnknownFields])

    /// What `raw` has that `typed` (the re-encoded model) lacks, or nil.
    public static func difference(raw: JSONValue, typed: JSONValue) -> UnknownFields? {
        switch (raw, typed) {
        case (.object(let r), .object(let t)):
            var out: [String: UnknownFields] = [:]
            for (k, rv) in r {
                if let tv = t[k] {
                    if let d = difference(raw: rv, typed: tv) { out[k] = d }
                } else if !rv.isNull {
                    out[k] = .value(rv)
                }
            }
            return out.isEmpty ? nil : .object(out)
        case (.array(let r), .array(let t)):
            var out: [Int: UnknownFields] = [:]
            for i in 0..<min(r.count, t.count) {
                if let d = difference(raw: r[i], typed: t[i]) { out[i] = d }
            }
            return out.isEmpty ? nil : .array(out)
        default:
            return nil
        }
    }

    /// Puts the unknown members back where the encoded value still has a parent.
    public func apply(to target: inout JSONValue) {
        switch self {
        case .value:
            return
        case .object(let members):
            guard case .object(var o) = target else { return }
            for (k, u) in members {
                if case .value(let v) = u {
                    if o[k] == nil { o[k] = v }
                } else if var child = o[k] {
                    u.apply(to: &child)
                    o[k] = child
                }
            }
            target = .object(o)
        case .array(let items):
            guard case .array(var a) = target else { return }
            for (i, u) in items where i < a.count { u.apply(to: &a[i]) }
            target = .array(a)
        }
    }

    /// Dotted paths of the unknown fields, e.g. `spec.containers[0].foo`.
    public var paths: [String] {
        func walk(_ u: UnknownFields, _ prefix: String, _ out: inout [String]) {
            switch u {
            case .value: out.append(prefix)
            case .object(let m):
                for k in m.keys.sorted() {
                    if let c = m[k] { walk(c, prefix.isEmpty ? k : prefix + "." + k, &out) }
                }
            case .array(let m):
                for i in m.keys.sorted() {
                    if let c = m[i] { walk(c, prefix + "[\(i)]", &out) }
                }
            }
        }
        var out: [String] = []
        walk(self, "", &out)
        return out
    }
}
