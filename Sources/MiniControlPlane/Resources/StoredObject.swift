import KubeAPI

/// The stored form of an object: compact JSON with `metadata` first and no
/// `resourceVersion` (the store revision is the resourceVersion), so that
/// lists and watches can splice the revision in without parsing.
enum StoredObject {
    private static let metadataPrefix = Array(#"{"metadata":{"#.utf8)

    /// Encodes an object for storage.
    static func encode(_ obj: JSONValue) -> [UInt8] {
        guard case .object(var o) = obj else { return JSONWriter.bytes(obj) }
        var meta = o.removeValue(forKey: "metadata") ?? .emptyObject
        meta["resourceVersion"] = nil
        var out: [UInt8] = Array(#"{"metadata":"#.utf8)
        JSONWriter.write(meta, into: &out)
        let rest = JSONWriter.bytes(.object(o))
        if rest.count > 2 {
            out.append(UInt8(ascii: ","))
            out.append(contentsOf: rest[1...])
        } else {
            out.append(UInt8(ascii: "}"))
        }
        return out
    }

    /// The stored bytes with `metadata.resourceVersion` set to `revision`.
    static func inject(_ bytes: [UInt8], revision: Int64) -> [UInt8] {
        let rv = Array(#""resourceVersion":""#.utf8) + Array(String(revision).utf8) + [UInt8(ascii: "\"")]
        guard bytes.count > metadataPrefix.count, bytes.starts(with: metadataPrefix) else {
            // Not in stored form; fall back to parsing.
            guard var v = try? JSONParser.parse(bytes) else { return bytes }
            v.set(path: ["metadata", "resourceVersion"], to: .string(String(revision)))
            return JSONWriter.bytes(v)
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + rv.count + 1)
        out.append(contentsOf: metadataPrefix)
        out.append(contentsOf: rv)
        if bytes[metadataPrefix.count] != UInt8(ascii: "}") { out.append(UInt8(ascii: ",")) }
        out.append(contentsOf: bytes[metadataPrefix.count...])
        return out
    }

    /// The stored bytes as `info`'s version serves them, with
    /// `metadata.resourceVersion` set to `revision`: spliced for the storage
    /// version, converted for a version kept in another's storage.
    static func inject(_ bytes: [UInt8], revision: Int64, as info: ResourceInfo) -> [UInt8] {
        guard !info.isStorageVersion, let v = try? decode(bytes, revision: revision) else { return inject(bytes, revision: revision) }
        return JSONWriter.bytes(info.fromStorage(v))
    }

    /// Parses stored bytes into an object carrying its resourceVersion.
    static func decode(_ bytes: [UInt8], revision: Int64) throws(JSONParseError) -> JSONValue {
        var v = try JSONParser.parse(bytes)
        v.set(path: ["metadata", "resourceVersion"], to: .string(String(revision)))
        return v
    }
}
