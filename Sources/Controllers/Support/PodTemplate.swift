public import KubeAPI

/// Pod templates as JSON, so fields the model does not know survive from a
/// Deployment to its ReplicaSets to their pods; hashes and comparisons.
public enum PodTemplate {
    /// The label that ties a ReplicaSet and its pods to one template.
    public static let hashLabel = "pod-template-hash"

    /// The template of a workload object with its unknown fields.
    public static func json<T: KubeObject>(of object: T) -> JSONValue {
        KubeCodec.encodeObject(object)[path: ["spec", "template"]] ?? .emptyObject
    }

    /// The template without the `pod-template-hash` label (kube's EqualIgnoreHash).
    public static func withoutHash(_ template: JSONValue) -> JSONValue {
        var t = template
        if var labels = t[path: ["metadata", "labels"]]?.objectValue {
            labels[hashLabel] = nil
            t.set(path: ["metadata", "labels"], to: labels.isEmpty ? nil : .object(labels))
        }
        if var meta = t["metadata"]?.objectValue {
            // Absent and empty mean the same.
            for k in ["labels", "annotations"] where meta[k]?.objectValue?.isEmpty == true { meta[k] = nil }
            meta["creationTimestamp"] = nil
            t["metadata"] = meta.isEmpty ? nil : .object(meta)
        }
        return t
    }

    /// Whether two templates are the same apart from the hash label.
    public static func equalIgnoringHash(_ a: JSONValue, _ b: JSONValue) -> Bool {
        withoutHash(a) == withoutHash(b)
    }

    static let alphabet = Array("bcdfghjklmnpqrstvwxz2456789".utf8)

    /// FNV-1a 32-bit.
    static func fnv32a(_ bytes: [UInt8]) -> UInt32 {
        var h: UInt32 = 2166136261
        for b in bytes {
            h ^= UInt32(b)
            h = h &* 16777619
        }
        return h
    }

    /// A hash of the template (and collision count) written with the safe
    /// alphabet Kubernetes uses for generated names, e.g. `7c5ddbdf54`.
    public static func hash(_ template: JSONValue, collisionCount: Int?) -> String {
        var bytes = JSONWriter.bytes(withoutHash(template))
        if let c = collisionCount { bytes += Array(String(c).utf8) }
        let decimal = String(fnv32a(bytes))
        return String(decoding: decimal.utf8.map { alphabet[Int($0) % alphabet.count] }, as: UTF8.self)
    }

    /// A pod made from a template: labels, annotations and finalizers of the
    /// template's metadata, its spec, `generateName` and a controller reference.
    public static func pod(from template: JSONValue, namespace: String, generateName: String, owner: OwnerReference) throws(KubeCodecError) -> Pod {
        var meta: JSONValue = .emptyObject
        for k in ["labels", "annotations", "finalizers"] { if let v = template[path: ["metadata", k]] { meta[k] = v } }
        meta["generateName"] = .string(generateName)
        meta["namespace"] = .string(namespace)
        meta["ownerReferences"] = [KubeCodec.encode(owner)]
        let obj: JSONValue = ["apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": template["spec"] ?? .emptyObject]
        return try KubeCodec.decodeObject(Pod.self, from: obj)
    }
}
