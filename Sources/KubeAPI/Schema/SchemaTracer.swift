/// Learns the JSON shape of model types by running their own `init(from:)`
/// against a recording decoder.
///
/// Each key a type asks for becomes a field: `decodeIfPresent` marks it
/// optional, the requested Swift type gives its shape (lists, maps and
/// optionals are told apart by the conditional conformances below), and types
/// with their own JSON form describe themselves through
/// ``OpenAPISchemaProviding``. So the shapes come from the model itself and no
/// field list is kept twice.
final class SchemaTracer {
    /// Every struct traced so far, by Swift type name.
    private(set) var shapes: [String: TypeShape] = [:]
    /// Every self-describing type met so far, by Swift type name.
    private(set) var customTypes: [String: any OpenAPISchemaProviding.Type] = [:]
    /// Metadata that model types state themselves (``ModelMetadataProviding``).
    private(set) var providedMetadata: [String: TypeMetadata] = [:]
    /// A decoded value of each traced struct, handed back when it is met again.
    private var samples: [String: Any] = [:]

    /// Traces `type` and everything it reaches; returns its shape node.
    @discardableResult
    func trace<T: Decodable>(_ type: T.Type) throws -> SchemaNode {
        try value(T.self).node
    }

    /// The shape of `T` and some value of it.
    func value<T: Decodable>(_ type: T.Type) throws -> (node: SchemaNode, value: T) {
        if let p = T.self as? any OpenAPISchemaProviding.Type {
            let name = Self.name(of: T.self)
            customTypes[name] = p
            guard let v = p.schemaPlaceholder as? T else { throw SchemaTraceError(type: name) }
            return (.custom(name), v)
        }
        if let c = T.self as? any SchemaTracedContainer.Type {
            let (node, v) = try c.traceContainer(self)
            guard let v = v as? T else { throw SchemaTraceError(type: Self.name(of: T.self)) }
            return (node, v)
        }
        if let s = Self.scalar(T.self) {
            guard let v = s.value as? T else { throw SchemaTraceError(type: Self.name(of: T.self)) }
            return (s.node, v)
        }
        let name = Self.name(of: T.self)
        if let v = samples[name] as? T { return (.object(name), v) }
        let decoder = SchemaTracingDecoder(tracer: self)
        let v = try T(from: decoder)
        shapes[name] = TypeShape(name: name, fields: decoder.recorder.fields)
        if let m = T.self as? any ModelMetadataProviding.Type { providedMetadata[name] = m.modelMetadata }
        samples[name] = v
        return (.object(name), v)
    }

    /// The name a type is known by in shapes and metadata (`PodSpec`).
    static func name(of type: Any.Type) -> String { String(describing: type) }

    /// JSON scalars and a zero value for each.
    static func scalar(_ type: Any.Type) -> (node: SchemaNode, value: Any)? {
        switch type {
        case is String.Type: return (.scalar(type: "string", format: nil), "")
        case is Bool.Type: return (.scalar(type: "boolean", format: nil), false)
        case is Int.Type: return (.scalar(type: "integer", format: nil), 0 as Int)  // width from metadata
        case is Int64.Type: return (.scalar(type: "integer", format: "int64"), 0 as Int64)
        case is Int32.Type: return (.scalar(type: "integer", format: "int32"), 0 as Int32)
        case is Int16.Type: return (.scalar(type: "integer", format: "int32"), 0 as Int16)
        case is Int8.Type: return (.scalar(type: "integer", format: "int32"), 0 as Int8)
        case is UInt.Type: return (.scalar(type: "integer", format: nil), 0 as UInt)
        case is UInt64.Type: return (.scalar(type: "integer", format: "int64"), 0 as UInt64)
        case is UInt32.Type: return (.scalar(type: "integer", format: "int64"), 0 as UInt32)
        case is UInt16.Type: return (.scalar(type: "integer", format: "int32"), 0 as UInt16)
        case is UInt8.Type: return (.scalar(type: "integer", format: "int32"), 0 as UInt8)
        case is Double.Type: return (.scalar(type: "number", format: "double"), 0.0 as Double)
        case is Float.Type: return (.scalar(type: "number", format: "float"), 0 as Float)
        default: return nil
        }
    }
}

/// A model type the tracer could not produce a value of.
struct SchemaTraceError: Error, CustomStringConvertible {
    var type: String
    var description: String { "the schema tracer cannot build a value of \(type)" }
}

/// Lists, maps and optionals: the tracer describes their element instead of
/// running their decoder.
protocol SchemaTracedContainer {
    static func traceContainer(_ tracer: SchemaTracer) throws -> (SchemaNode, Any)
}

extension Array: SchemaTracedContainer where Element: Decodable {
    static func traceContainer(_ tracer: SchemaTracer) throws -> (SchemaNode, Any) {
        (.array(try tracer.trace(Element.self)), [Element]())
    }
}

extension Dictionary: SchemaTracedContainer where Key == String, Value: Decodable {
    static func traceContainer(_ tracer: SchemaTracer) throws -> (SchemaNode, Any) {
        (.map(try tracer.trace(Value.self)), [String: Value]())
    }
}

extension Optional: SchemaTracedContainer where Wrapped: Decodable {
    static func traceContainer(_ tracer: SchemaTracer) throws -> (SchemaNode, Any) {
        (try tracer.trace(Wrapped.self), Wrapped?.none as Any)
    }
}
