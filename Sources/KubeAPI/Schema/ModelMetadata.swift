/// What the model says about one field beyond its shape: its docs and the
/// list, map and patch semantics of Kubernetes' Go struct tags.
public struct FieldMetadata: Sendable, Hashable {
    /// The field's documentation (what `kubectl explain` prints).
    public var description: String = ""
    /// `x-kubernetes-patch-strategy`: `merge`, `retainKeys`, `merge,retainKeys` or `replace`.
    public var patchStrategy: String?
    /// `x-kubernetes-patch-merge-key`: the key list elements are merged by.
    public var patchMergeKey: String?
    /// `x-kubernetes-list-type`: `atomic`, `set` or `map`.
    public var listType: String?
    /// `x-kubernetes-list-map-keys` of a `map` list.
    public var listMapKeys: [String]?
    /// `x-kubernetes-map-type`: `atomic` or `granular`.
    public var mapType: String?
    /// The values a string field may take, where upstream declares them.
    public var enumValues: [String]?
    /// The OpenAPI format of a number field (`int32`), for model fields of
    /// Swift's word-sized `Int`, whose width the Swift type does not state.
    public var format: String?

    /// Creates field metadata.
    public init(description: String = "", patchStrategy: String? = nil, patchMergeKey: String? = nil,
                listType: String? = nil, listMapKeys: [String]? = nil, mapType: String? = nil, enumValues: [String]? = nil,
                format: String? = nil) {
        self.format = format
        self.description = description
        self.patchStrategy = patchStrategy
        self.patchMergeKey = patchMergeKey
        self.listType = listType
        self.listMapKeys = listMapKeys
        self.mapType = mapType
        self.enumValues = enumValues
    }

    /// True when strategic merge patch merges this list instead of replacing it.
    public var mergesList: Bool { patchStrategy?.split(separator: ",").contains("merge") ?? false }
}

/// What the model says about one struct: its OpenAPI definition name, docs,
/// required fields and per-field metadata.
public struct TypeMetadata: Sendable, Hashable {
    /// The OpenAPI definition name, e.g. `io.k8s.api.core.v1.PodSpec`.
    public var definitionName: String
    /// The type's documentation.
    public var description: String
    /// Fields upstream requires (only those the model has are published).
    public var required: [String]
    /// Metadata by JSON field name.
    public var fields: [String: FieldMetadata]

    /// Creates type metadata.
    public init(definitionName: String, description: String = "", required: [String] = [], fields: [String: FieldMetadata] = [:]) {
        self.definitionName = definitionName
        self.description = description
        self.required = required
        self.fields = fields
    }
}

/// A model struct that states metadata itself, laid over the table generated
/// from upstream's OpenAPI field by field (an empty `definitionName`,
/// `description` or `required` keeps upstream's). For fields the model has
/// and Kubernetes 1.32 does not, and for types of our own.
public protocol ModelMetadataProviding {
    /// The type's metadata.
    static var modelMetadata: TypeMetadata { get }
}

/// The metadata of upstream's definitions for the model's structs, read from
/// the table `scripts/openapi/generate-metadata.py` writes from Kubernetes'
/// own OpenAPI document. Which fields exist is the model's business; this
/// table only annotates them.
public enum UpstreamMetadata {
    /// The metadata of a Swift model type by name (`PodSpec`), or nil.
    public static func forType(_ name: String) -> TypeMetadata? { parsed[name] }

    static let parsed: [String: TypeMetadata] = {
        guard let root = try? JSONParser.parse(table), case .object(let types) = root else { return [:] }
        var out: [String: TypeMetadata] = [:]
        for (name, entry) in types {
            var fields: [String: FieldMetadata] = [:]
            for (field, f) in entry["f"]?.objectValue ?? [:] {
                fields[field] = FieldMetadata(
                    description: f["d"]?.stringValue ?? "", patchStrategy: f["ps"]?.stringValue,
                    patchMergeKey: f["mk"]?.stringValue, listType: f["lt"]?.stringValue,
                    listMapKeys: f["lk"]?.arrayValue?.compactMap(\.stringValue), mapType: f["mt"]?.stringValue,
                    enumValues: f["e"]?.arrayValue?.compactMap(\.stringValue), format: f["fm"]?.stringValue)
            }
            out[name] = TypeMetadata(definitionName: entry["n"]?.stringValue ?? name,
                                     description: entry["d"]?.stringValue ?? "",
                                     required: entry["r"]?.arrayValue?.compactMap(\.stringValue) ?? [], fields: fields)
        }
        return out
    }()
}
