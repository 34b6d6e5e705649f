/// The shape of one value in the object model, as the schema tracer saw it.
public indirect enum SchemaNode: Sendable, Hashable {
    /// A JSON scalar: `type` is `string`, `integer`, `number` or `boolean`;
    /// `format` as in OpenAPI (`int32`, `int64`, `double`), or nil.
    case scalar(type: String, format: String?)
    /// A list of values of one shape.
    case array(SchemaNode)
    /// A map from strings to values of one shape.
    case map(SchemaNode)
    /// A struct of the model, by its Swift type name (see ``TypeShape``).
    case object(String)
    /// A type with its own JSON form (``OpenAPISchemaProviding``), by its Swift type name.
    case custom(String)
}

/// One stored property of a model struct.
public struct FieldShape: Sendable, Hashable {
    /// The JSON key.
    public var name: String
    /// What the key holds.
    public var node: SchemaNode
    /// True when the model decodes the key with `decodeIfPresent` (a Swift optional).
    public var optional: Bool
}

/// The JSON fields of one model struct, in declaration order.
public struct TypeShape: Sendable, Hashable {
    /// The Swift type name, e.g. `PodSpec`.
    public var name: String
    /// The fields, in the order the model decodes them.
    public var fields: [FieldShape]

    /// The field named `name`, if the model has it.
    public func field(_ name: String) -> FieldShape? { fields.first { $0.name == name } }
}
