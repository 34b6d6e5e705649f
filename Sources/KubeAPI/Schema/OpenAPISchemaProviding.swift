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

extension Quantity: OpenAPISchemaProviding {
    public static var openAPIDefinitionName: String? { "io.k8s.apimachinery.pkg.api.resource.Quantity" }
    public static var openAPISchema: JSONValue {
        ["type": "string", "format": "quantity", "description": .string(quantityDescription)]
    }
    public static var schemaPlaceholder: Quantity { Quantity("0") }

    static let quantityDescription = """
        Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in \
        JSON and YAML, in addition to String() and AsInt64() accessors.

        The serialization format is:

        ``` <quantity>        ::= <signedNumber><suffix>

        \t(Note that <suffix> may be empty, from the "" case in <decimalSI>.)

        <digit>           ::= 0 | 1 | ... | 9 <digits>          ::= <digit> | <digit><digits> <number>          \
        ::= <digits> | <digits>.<digits> | <digits>. | .<digits> <sign>            ::= "+" | "-" <signedNumber>    \
        ::= <number> | <sign><number> <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI> \
        <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei

        \t(International System of units; See: http://physics.nist.gov/cuu/Units/binary.html)

        <decimalSI>       ::= m | "" | k | M | G | T | P | E

        \t(Note that 1024 = 1Ki but 1000 = 1k; I didn't choose the capitalization.)

        <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber> ```

        No matter which of the three exponent forms is used, no quantity may represent a number greater than \
        2^63-1 in magnitude, nor may it have more than 3 decimal places. Numbers larger or more precise will be \
        capped or rounded up. (E.g.: 0.1m will rounded up to 1m.) This may be extended in the future if we \
        require larger or smaller quantities.
        """
}

extension IntOrString: OpenAPISchemaProviding {
    public static var openAPIDefinitionName: String? { "io.k8s.apimachinery.pkg.util.intstr.IntOrString" }
    public static var openAPISchema: JSONValue {
        ["type": "string", "format": "int-or-string", "x-kubernetes-int-or-string": true,
         "description": "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number."]
    }
    public static var openAPIV2Schema: JSONValue {
        ["type": "string", "format": "int-or-string",
         "description": "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number."]
    }
    public static var schemaPlaceholder: IntOrString { .int(0) }
}

extension Timestamp: OpenAPISchemaProviding {
    public static var openAPIDefinitionName: String? { "io.k8s.apimachinery.pkg.apis.meta.v1.Time" }
    public static var openAPISchema: JSONValue {
        ["type": "string", "format": "date-time",
         "description": "Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers."]
    }
    public static var schemaPlaceholder: Timestamp { Timestamp(.init(timeIntervalSince1970: 0)) }
}

extension JSONValue: OpenAPISchemaProviding {
    public static var openAPIDefinitionName: String? { nil }
    public static var openAPISchema: JSONValue { ["type": "object", "x-kubernetes-preserve-unknown-fields": true] }
    public static var schemaPlaceholder: JSONValue { .null }
}
