import Foundation

/// A model type with its own JSON form (not an object of its stored
/// properties), which states its OpenAPI schema itself.
///
/// The schema tracer does not look inside such a type: it records the type by
/// name and takes ``schemaPlaceholder`` as the decoded value.
public protocol OpenAPISchemaProviding {
    /// The definition name upstream uses (`io.k8s.apimachinery.pkg.api.resource.Quantity`),
    /// or nil to inline ``openAPISchema`` wherever the type is used.
    static var openAPIDefinitionName: String? { get }
    /// The OpenAPI v3 schema of the type.
    static var openAPISchema: JSONValue { get }
    /// The OpenAPI v2 (Swagger) schema of the type, where it differs from v3.
    static var openAPIV2Schema: JSONValue { get }
    /// Any value of the type, for the tracer to hand back.
    static var schemaPlaceholder: Self { get }
}

extension OpenAPISchemaProviding {
    public static var openAPIV2Schema: JSONValue { openAPISchema }
}

/// Upstream's description of a definition, from the generated table.
func upstreamDescription(_ definition: String) -> JSONValue {
    .string(UpstreamMetadata.forType(definition)?.description ?? "")
}

extension Quantity: OpenAPISchemaProviding {
    public static var openAPIDefinitionName: String? { "io.k8s.apimachinery.pkg.api.resource.Quantity" }
    /// As kube-openapi writes it: a string or a number in v3, a string in v2.
    public static var openAPISchema: JSONValue {
        ["oneOf": [["type": "string"], ["type": "number"]], "description": upstreamDescription(openAPIDefinitionName ?? "")]
    }
    public static var openAPIV2Schema: JSONValue {
        ["type": "string", "description": upstreamDescription(openAPIDefinitionName ?? "")]
    }
    public static var schemaPlaceholder: Quantity { Quantity("0") }
}

extension IntOrString: OpenAPISchemaProviding {
    public static var openAPIDefinitionName: String? { "io.k8s.apimachinery.pkg.util.intstr.IntOrString" }
    /// As kube-openapi writes it: an integer or a string in v3.
    public static var openAPISchema: JSONValue {
        ["format": "int-or-string", "oneOf": [["type": "integer"], ["type": "string"]],
         "description": upstreamDescription(openAPIDefinitionName ?? "")]
    }
    public static var openAPIV2Schema: JSONValue {
        ["type": "string", "format": "int-or-string", "description": upstreamDescription(openAPIDefinitionName ?? "")]
    }
    public static var schemaPlaceholder: IntOrString { .int(0) }
}

extension Timestamp: OpenAPISchemaProviding {
    public static var openAPIDefinitionName: String? { "io.k8s.apimachinery.pkg.apis.meta.v1.Time" }
    public static var openAPISchema: JSONValue {
        ["type": "string", "format": "date-time", "description": upstreamDescription(openAPIDefinitionName ?? "")]
    }
    public static var schemaPlaceholder: Timestamp { Timestamp(.init(timeIntervalSince1970: 0)) }
}

extension JSONValue: OpenAPISchemaProviding {
    public static var openAPIDefinitionName: String? { nil }
    public static var openAPISchema: JSONValue { ["type": "object", "x-kubernetes-preserve-unknown-fields": true] }
    public static var schemaPlaceholder: JSONValue { .null }
}
