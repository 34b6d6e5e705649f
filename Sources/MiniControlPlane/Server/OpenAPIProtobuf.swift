import KubeAPI

/// Encodes a Swagger 2.0 document (as JSON) into gnostic's `openapi.v2.Document`
/// protobuf, the form kubectl and client-go request from `/openapi/v2`
/// (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`).
///
/// Only what clients read is written: `swagger`, `info` and `definitions`
/// (schemas with their `x-kubernetes-*` extensions). Field numbers are those of
/// gnostic's `openapiv2/OpenAPIv2.proto`; extension and enum values travel as
/// YAML text in `Any.yaml`, and JSON is YAML.
enum OpenAPIProtobuf {
    /// The protobuf bytes of a Swagger document.
    static func document(_ doc: JSONValue) -> [UInt8] {
        var w = ProtoWriter()
        w.string(1, doc["swagger"]?.stringValue ?? "2.0")
        var info = ProtoWriter()
        info.string(1, doc["info"]?["title"]?.stringValue ?? "Kubernetes")
        info.string(2, doc["info"]?["version"]?.stringValue ?? "")
        w.message(2, info)
        var defs = ProtoWriter()
        for (name, schema) in (doc["definitions"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            defs.message(1, namedSchema(name, schema))
        }
        w.message(9, defs)
        return w.bytes
    }

    static func namedSchema(_ name: String, _ schema: JSONValue) -> ProtoWriter {
        var n = ProtoWriter()
        n.string(1, name)
        n.message(2, self.schema(schema))
        return n
    }

    /// gnostic `Schema`.
    static func schema(_ s: JSONValue) -> ProtoWriter {
        var w = ProtoWriter()
        guard let o = s.objectValue else { return w }
        if let v = o["$ref"]?.stringValue { w.string(1, v) }
        if let v = o["format"]?.stringValue { w.string(2, v) }
        if let v = o["title"]?.stringValue { w.string(3, v) }
        if let v = o["description"]?.stringValue { w.string(4, v) }
        for r in o["required"]?.arrayValue ?? [] { w.string(19, r.stringValue ?? "") }
        for e in o["enum"]?.arrayValue ?? [] { w.message(20, any(e)) }
        if let ap = o["additionalProperties"] {
            var item = ProtoWriter()
            if let b = ap.boolValue { item.bool(2, b) } else { item.message(1, schema(ap)) }
            w.message(21, item)
        }
        if let t = o["type"]?.stringValue {
            var item = ProtoWriter()
            item.string(1, t)
            w.message(22, item)
        }
        if let items = o["items"] {
            var item = ProtoWriter()
            item.message(1, schema(items))
            w.message(23, item)
        }
        for a in o["allOf"]?.arrayValue ?? [] { w.message(24, schema(a)) }
        if let props = o["properties"]?.objectValue {
            var p = ProtoWriter()
            for (name, value) in props.sorted(by: { $0.key < $1.key }) { p.message(1, namedSchema(name, value)) }
            w.message(25, p)
        }
        for (name, value) in o.sorted(by: { $0.key < $1.key }) where name.hasPrefix("x-") {
            var n = ProtoWriter()
            n.string(1, name)
            n.message(2, any(value))
            w.message(31, n)
        }
        return w
    }

    /// gnostic `Any` holding YAML (here JSON) text.
    static func any(_ v: JSONValue) -> ProtoWriter {
        var w = ProtoWriter()
        w.string(2, JSONWriter.string(v) + "\n")
        return w
    }
}

/// Appends protobuf wire-format fields.
struct ProtoWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func tag(_ field: Int, _ wire: UInt64) { varint(UInt64(field) << 3 | wire) }

    mutating func string(_ field: Int, _ s: String) { data(field, Array(s.utf8)) }

    mutating func data(_ field: Int, _ d: [UInt8]) {
        tag(field, 2)
        varint(UInt64(d.count))
        bytes += d
    }

    mutating func message(_ field: Int, _ m: ProtoWriter) { data(field, m.bytes) }

    mutating func bool(_ field: Int, _ b: Bool) {
        tag(field, 0)
        varint(b ? 1 : 0)
    }
}
