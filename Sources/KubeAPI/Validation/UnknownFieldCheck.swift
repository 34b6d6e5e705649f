/// Finds fields the typed model does not know, for `fieldValidation=Strict|Warn`.
public enum UnknownFieldCheck {
    /// Dotted paths of unknown fields outside `status`, or nil for kinds without a model.
    public static func unknownFields(kind: String, _ obj: JSONValue) -> [String]? {
        guard let info = ResourceCatalog.all.first(where: { $0.kind == kind && $0.conversion == nil }) else { return nil }
        return unknownFields(info, obj)
    }

    /// Dotted paths of unknown fields outside `status` of an object of `info`'s
    /// version, or nil for resources without a model.
    public static func unknownFields(_ info: ResourceInfo, _ obj: JSONValue) -> [String]? {
        guard let model = info.model else { return nil }
        return unknownFields(model.type, obj)
    }

    /// Dotted paths of fields of `obj` outside `status` that `type` does not model.
    public static func unknownFields<T: KubeObject>(_ type: T.Type, _ obj: JSONValue) -> [String] {
        guard let typed = try? KubeCodec.decodeObject(type, from: obj) else { return [] }
        return (typed.metadata.preservedUnknownFields?.paths ?? []).filter { !$0.hasPrefix("status") }
    }
}
