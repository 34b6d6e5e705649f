/// The shapes of every model type the API serves, traced once from the Swift
/// model (see ``SchemaTracer``), with the metadata that annotates them.
///
/// OpenAPI documents and strategic-merge-patch metadata are both built from
/// this one set, so they cannot disagree with each other or with the model.
public struct ModelSchemaSet: Sendable {
    /// Every struct reached from the roots, by Swift type name.
    public let shapes: [String: TypeShape]
    /// Self-describing types (quantities, times, raw JSON), by Swift type name.
    public let customTypes: [String: CustomSchema]
    /// The Swift type name of each root model, keyed by `apiVersion/kind` (`apps/v1/Deployment`).
    public let roots: [String: String]
    /// Metadata model types state themselves, by Swift type name.
    public let providedMetadata: [String: TypeMetadata]
    /// Roots that could not be traced, with the reason (empty when all is well).
    public let failures: [String: String]

    /// The schema a self-describing type states.
    public struct CustomSchema: Sendable {
        /// The definition name, or nil when the schema is inlined.
        public var definitionName: String?
        /// The OpenAPI v3 schema.
        public var v3: JSONValue
        /// The OpenAPI v2 schema.
        public var v2: JSONValue
    }

    /// Traces `models` (and everything they reach).
    public init(models: [any KubeObject.Type]) {
        let tracer = SchemaTracer()
        var roots: [String: String] = [:]
        var failures: [String: String] = [:]
        for model in models {
            let key = "\(model.apiVersion)/\(model.kind)"
            do {
                try tracer.trace(model)
                roots[key] = SchemaTracer.name(of: model)
            } catch {
                failures[key] = "\(error)"
            }
        }
        shapes = tracer.shapes
        customTypes = tracer.customTypes.mapValues {
            CustomSchema(definitionName: $0.openAPIDefinitionName, v3: $0.openAPISchema, v2: $0.openAPIV2Schema)
        }
        providedMetadata = tracer.providedMetadata
        self.roots = roots
        self.failures = failures
    }

    /// The metadata of a traced struct: upstream's (or a name of our own),
    /// with what a ``ModelMetadataProviding`` type states itself laid over it
    /// field by field.
    public func metadata(_ typeName: String) -> TypeMetadata {
        let upstream = UpstreamMetadata.forType(typeName)
        guard let own = providedMetadata[typeName] else {
            return upstream ?? TypeMetadata(definitionName: "dev.swiftkube.api.\(typeName)")
        }
        guard var merged = upstream else { return own }
        if !own.definitionName.isEmpty { merged.definitionName = own.definitionName }
        if !own.description.isEmpty { merged.description = own.description }
        if !own.required.isEmpty { merged.required = own.required }
        merged.fields.merge(own.fields) { _, mine in mine }
        return merged
    }

    /// True when some metadata describes the struct (upstream's table or its own).
    public func hasMetadata(_ typeName: String) -> Bool {
        providedMetadata[typeName] != nil || UpstreamMetadata.forType(typeName) != nil
    }

    /// The shape of the root model of a kind, e.g. `Pod`.
    public func shape(kind: String) -> TypeShape? {
        guard let root = roots.first(where: { $0.key.hasSuffix("/\(kind)") })?.value else { return nil }
        return shapes[root]
    }
}

/// The model schema set of every resource in ``ResourceCatalog`` plus the
/// objects its subresources and errors use.
public enum ModelSchemas {
    /// Traced on first use.
    public static let served = ModelSchemaSet(
        models: ResourceCatalog.all.compactMap { $0.model?.type } + [Scale.self, Eviction.self])
}
