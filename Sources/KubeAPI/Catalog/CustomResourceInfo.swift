/// What a catalog entry of a custom resource carries besides its names: it
/// comes from one served version of an established CustomResourceDefinition.
///
/// Compared and hashed by the definition's uid and resource version (as
/// ``ModelType`` is by type identity), so ``ResourceInfo`` stays cheaply `Hashable`.
public struct CustomResourceInfo: Sendable, Hashable {
    /// The definition's name (`PLURAL.GROUP`), uid and resource version.
    public var definition: String
    public var uid: String
    public var resourceVersion: String
    /// The kind of lists (`WidgetList`).
    public var listKind: String
    /// The version objects are stored in; this entry's objects are converted to and from it (conversion `None`: `apiVersion` only).
    public var storageVersion: String
    /// The version's OpenAPI v3 schema, as the definition gives it.
    public var schema: JSONValue?
    /// The schema parsed: what objects are validated, pruned and defaulted by (nil: none given).
    public var structural: StructuralSchema?
    public var scale: CustomResourceSubresourceScale?
    public var printerColumns: [CustomResourceColumnDefinition]
    /// The columns `kubectl get` shows, paths parsed: the definition's, or `Age` when it gives none (as upstream).
    public var columns: [CustomResourceColumn]
    /// Paths list and watch requests may select on, besides `metadata.name` and `metadata.namespace`.
    public var selectableFields: [String]
    /// The warning requests to this version get, if it is deprecated.
    public var deprecationWarning: String?
    /// The definition's conversion webhook (strategy `Webhook`); nil for `None`, where versions differ in `apiVersion` alone.
    public var conversionWebhook: WebhookConversion?

    /// An entry known only by what discovery says of it (a client's view): names and the version objects are kept in.
    public init(definition: String, listKind: String, storageVersion: String) {
        self.definition = definition
        uid = ""
        resourceVersion = ""
        self.listKind = listKind
        self.storageVersion = storageVersion
        printerColumns = []
        columns = []
        selectableFields = []
    }

    init(definition: String, uid: String, resourceVersion: String, listKind: String, storageVersion: String, schema: JSONValue?,
         structural: StructuralSchema?, scale: CustomResourceSubresourceScale?, printerColumns: [CustomResourceColumnDefinition],
         columns: [CustomResourceColumn], selectableFields: [String], deprecationWarning: String?) {
        self.definition = definition
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.listKind = listKind
        self.storageVersion = storageVersion
        self.schema = schema
        self.structural = structural
        self.scale = scale
        self.printerColumns = printerColumns
        self.columns = columns
        self.selectableFields = selectableFields
        self.deprecationWarning = deprecationWarning
    }

    public static func == (a: CustomResourceInfo, b: CustomResourceInfo) -> Bool { a.uid == b.uid && a.resourceVersion == b.resourceVersion && a.storageVersion == b.storageVersion }
    public func hash(into h: inout Hasher) {
        h.combine(uid)
        h.combine(resourceVersion)
    }
}

extension CustomResourceDefinition {
    /// The catalog entries of the served versions, in the definition's order, under the accepted names
    /// (the spec's, once `NamesAccepted`); empty when there is no storage version.
    public var resourceInfos: [ResourceInfo] {
        guard let storage = storageVersion else { return [] }
        let names = status?.acceptedNames ?? spec.names
        return spec.versions.filter(\.served).map { version in
            var subresources: [String] = []
            if version.subresources?.status != nil { subresources.append("status") }
            if version.subresources?.scale != nil { subresources.append("scale") }
            let custom = CustomResourceInfo(
                definition: metadata.name ?? "\(spec.names.plural).\(spec.group)", uid: metadata.uid ?? "", resourceVersion: metadata.resourceVersion ?? "",
                listKind: names.listKind ?? names.kind + "List", storageVersion: storage.name, schema: version.schema?.openAPIV3Schema,
                structural: version.schema?.openAPIV3Schema.flatMap { StructuralSchema.parse($0, path: "").schema },
                scale: version.subresources?.scale, printerColumns: version.additionalPrinterColumns ?? [],
                columns: CustomResourceColumn.columns(version.additionalPrinterColumns ?? []),
                selectableFields: (version.selectableFields ?? []).map(\.jsonPath),
                deprecationWarning: version.deprecated == true
                    ? version.deprecationWarning ?? "\(spec.group)/\(version.name) \(names.kind) is deprecated" : nil)
            var withConversion = custom
            if spec.conversion?.strategy == "Webhook" { withConversion.conversionWebhook = spec.conversion?.webhook }
            return ResourceInfo(group: spec.group, version: version.name, kind: names.kind, plural: names.plural,
                                singular: names.singular ?? names.kind.lowercased(), shortNames: names.shortNames ?? [],
                                namespaced: spec.scope == CustomResourceDefinitionSpec.namespacedScope, categories: names.categories ?? [],
                                subresources: subresources, custom: withConversion)
        }
    }
}

/// One printer column of a custom resource, its path parsed once.
public struct CustomResourceColumn: Sendable, Hashable {
    public var definition: CustomResourceColumnDefinition
    public var path: JSONPathExpression

    /// The columns for `defined` (those whose paths parse), or `Age` from the creation time when none are defined.
    public static func columns(_ defined: [CustomResourceColumnDefinition]) -> [CustomResourceColumn] {
        let defs = defined.isEmpty
            ? [CustomResourceColumnDefinition(name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp")] : defined
        return defs.compactMap { d in (try? JSONPathExpression(d.jsonPath)).map { CustomResourceColumn(definition: d, path: $0) } }
    }
}
