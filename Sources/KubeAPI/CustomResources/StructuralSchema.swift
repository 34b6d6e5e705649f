/// A custom resource version's OpenAPI v3 schema, parsed once when the
/// definition is accepted: the tree of types the API server validates,
/// prunes and defaults custom objects by (upstream's `structuralschema.Structural`).
///
/// Structural means every field names its type, so the server knows for any
/// path whether it is an object, a list or a scalar, and so what to keep.
/// ``parse(_:path:)`` returns the definition's errors with upstream's wording
/// (`…properties[spec].type: Required value: must not be empty for specified object fields`).
/// The value validations of `allOf`/`anyOf`/`oneOf`/`not` are kept apart, in ``junctors``.
public final class StructuralSchema: Sendable {
    /// `object`, `array`, `string`, `integer`, `number`, `boolean`, or nil (only with int-or-string or preserve-unknown-fields).
    public let type: String?
    public let format: String?
    public let description: String?
    /// The named fields of an object.
    public let properties: [String: StructuralSchema]
    /// The schema of every field of a map (`additionalProperties`); `additionalProperties: true` keeps anything.
    public let additionalProperties: StructuralSchema?
    /// The schema of a list's items.
    public let items: StructuralSchema?
    public let required: [String]
    public let enumValues: [JSONValue]?
    public let pattern: LinearRegex?
    public let minimum: Double?
    public let maximum: Double?
    public let exclusiveMinimum: Bool
    public let exclusiveMaximum: Bool
    public let multipleOf: Double?
    public let minLength: Int64?
    public let maxLength: Int64?
    public let minItems: Int64?
    public let maxItems: Int64?
    public let minProperties: Int64?
    public let maxProperties: Int64?
    public let uniqueItems: Bool
    public let nullable: Bool
    /// The value a missing field gets (`default`).
    public let defaultValue: JSONValue?
    /// `x-kubernetes-int-or-string`: an integer or a string.
    public let intOrString: Bool
    /// `x-kubernetes-embedded-resource`: an object with its own `apiVersion`, `kind` and `metadata`.
    public let embeddedResource: Bool
    /// `x-kubernetes-preserve-unknown-fields`: fields the schema does not name are kept.
    public let preserveUnknownFields: Bool
    /// `x-kubernetes-list-type`: `atomic`, `set` or `map`.
    public let listType: String?
    /// `x-kubernetes-list-map-keys`: the fields that identify an item of a `map` list.
    public let listMapKeys: [String]
    /// `x-kubernetes-map-type`: `granular` or `atomic`.
    public let mapType: String?
    /// `x-kubernetes-validations`: CEL rules.
    public let validations: [ValidationRule]
    /// `allOf`, `anyOf`, `oneOf` and `not`: value validations only.
    public let junctors: Junctors
    /// The schema as the definition wrote it (for OpenAPI publishing).
    public let raw: JSONValue

    /// One `x-kubernetes-validations` entry.
    public struct ValidationRule: Sendable, Hashable {
        public var rule: String
        public var message: String?
        public var messageExpression: String?
        public var reason: String?
        public var fieldPath: String?
        public var optionalOldSelf: Bool
        /// The rule compiled, and its message expression (nil when absent or when they did not compile).
        public var program: CELExpr?
        public var messageProgram: CELExpr?
        /// Whether the rule reads `oldSelf` (a transition rule, run on updates only unless `optionalOldSelf`).
        public var usesOldSelf: Bool { program.map { CELParser.references($0, "oldSelf") } ?? false }
    }

    /// The logical junctors of one schema node.
    public struct Junctors: Sendable {
        public var allOf: [StructuralSchema] = []
        public var anyOf: [StructuralSchema] = []
        public var oneOf: [StructuralSchema] = []
        public var not: StructuralSchema?
        var isEmpty: Bool { allOf.isEmpty && anyOf.isEmpty && oneOf.isEmpty && not == nil }
    }

    /// The reasons a rule's failure may carry.
    public static let ruleReasons = ["FieldValueRequired", "FieldValueForbidden", "FieldValueInvalid", "FieldValueDuplicate"]

    /// The deepest a schema may nest; deeper definitions are refused rather than walked.
    public static let maxDepth = 64
    /// The types a schema may name.
    public static let types = ["array", "boolean", "integer", "number", "object", "string"]

    init(type: String?, format: String?, description: String?, properties: [String: StructuralSchema], additionalProperties: StructuralSchema?,
         items: StructuralSchema?, required: [String], enumValues: [JSONValue]?, pattern: LinearRegex?, minimum: Double?, maximum: Double?,
         exclusiveMinimum: Bool, exclusiveMaximum: Bool, multipleOf: Double?, minLength: Int64?, maxLength: Int64?, minItems: Int64?,
         maxItems: Int64?, minProperties: Int64?, maxProperties: Int64?, uniqueItems: Bool, nullable: Bool, defaultValue: JSONValue?,
         intOrString: Bool, embeddedResource: Bool, preserveUnknownFields: Bool, listType: String?, listMapKeys: [String], mapType: String?,
         validations: [ValidationRule], junctors: Junctors, raw: JSONValue) {
        self.type = type; self.format = format; self.description = description; self.properties = properties
        self.additionalProperties = additionalProperties; self.items = items; self.required = required; self.enumValues = enumValues
        self.pattern = pattern; self.minimum = minimum; self.maximum = maximum; self.exclusiveMinimum = exclusiveMinimum
        self.exclusiveMaximum = exclusiveMaximum; self.multipleOf = multipleOf; self.minLength = minLength; self.maxLength = maxLength
        self.minItems = minItems; self.maxItems = maxItems; self.minProperties = minProperties; self.maxProperties = maxProperties
        self.uniqueItems = uniqueItems; self.nullable = nullable; self.defaultValue = defaultValue; self.intOrString = intOrString
        self.embeddedResource = embeddedResource; self.preserveUnknownFields = preserveUnknownFields; self.listType = listType
        self.listMapKeys = listMapKeys; self.mapType = mapType; self.validations = validations; self.junctors = junctors; self.raw = raw
    }

    /// A schema that keeps and accepts anything (`additionalProperties: true`).
    static func anything(_ raw: JSONValue) -> StructuralSchema {
        StructuralSchema(type: nil, format: nil, description: nil, properties: [:], additionalProperties: nil, items: nil, required: [],
                         enumValues: nil, pattern: nil, minimum: nil, maximum: nil, exclusiveMinimum: false, exclusiveMaximum: false,
                         multipleOf: nil, minLength: nil, maxLength: nil, minItems: nil, maxItems: nil, minProperties: nil, maxProperties: nil,
                         uniqueItems: false, nullable: true, defaultValue: nil, intOrString: false, embeddedResource: false,
                         preserveUnknownFields: true, listType: nil, listMapKeys: [], mapType: nil, validations: [], junctors: Junctors(), raw: raw)
    }

    /// Parses a definition's `openAPIV3Schema` at `path` (`spec.versions[0].schema.openAPIV3Schema`):
    /// the schema, or nil with the errors that make it unusable or not structural.
    public static func parse(_ raw: JSONValue, path: String) -> (schema: StructuralSchema?, errors: [FieldError]) {
        var parser = SchemaParser()
        let schema = parser.node(raw, path, context: .root, depth: 0)
        if let schema {
            parser.checkDefaults(schema, path, root: true)
        }
        return (parser.errors.isEmpty ? schema : nil, parser.errors)
    }
}

/// Where a schema node sits, which decides what it must say.
enum SchemaContext { case root, property, items, additional, junctor }

/// Reads schema nodes, collecting every error on the way.
struct SchemaParser {
    var errors: [FieldError] = []

    static let metadataAllowed: Set<String> = ["name", "generateName"]

    mutating func node(_ raw: JSONValue, _ path: String, context: SchemaContext, depth: Int) -> StructuralSchema? {
        guard depth <= StructuralSchema.maxDepth else {
            errors.append(.forbidden(path, "must not nest more than \(StructuralSchema.maxDepth) levels"))
            return nil
        }
        guard let o = raw.objectValue else {
            errors.append(.invalid(path, JSONWriter.string(raw), "must be an object"))
            return nil
        }
        let type = o["type"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let t = type, !StructuralSchema.types.contains(t) {
            errors.append(.notSupported(path + ".type", t, StructuralSchema.types))
        }
        let intOrString = o["x-kubernetes-int-or-string"]?.boolValue ?? false
        let preserve = o["x-kubernetes-preserve-unknown-fields"]?.boolValue ?? false
        let embedded = o["x-kubernetes-embedded-resource"]?.boolValue ?? false
        let nullable = o["nullable"]?.boolValue ?? false

        var properties: [String: StructuralSchema] = [:]
        for (name, sub) in (o["properties"]?.objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let s = node(sub, path + ".properties[\(name)]", context: context == .junctor ? .junctor : .property, depth: depth + 1) {
                properties[name] = s
            }
        }
        var additional: StructuralSchema?
        switch o["additionalProperties"] {
        case .bool(true)?: additional = .anything(.bool(true))
        case .bool(false)?: errors.append(.forbidden(path + ".additionalProperties", "must not be false; omit it instead"))
        case let sub? where !sub.isNull:
            additional = node(sub, path + ".additionalProperties", context: context == .junctor ? .junctor : .additional, depth: depth + 1)
        default: break
        }
        var items: StructuralSchema?
        if let sub = o["items"], !sub.isNull {
            if sub.arrayValue != nil {
                errors.append(.forbidden(path + ".items", "items must be a schema object and not an array"))
            } else {
                items = node(sub, path + ".items", context: context == .junctor ? .junctor : .items, depth: depth + 1)
            }
        }
        var junctors = StructuralSchema.Junctors()
        for key in ["allOf", "anyOf", "oneOf"] {
            for (i, sub) in (o[key]?.arrayValue ?? []).enumerated() {
                guard let s = node(sub, path + ".\(key)[\(i)]", context: .junctor, depth: depth + 1) else { continue }
                switch key {
                case "allOf": junctors.allOf.append(s)
                case "anyOf": junctors.anyOf.append(s)
                default: junctors.oneOf.append(s)
                }
            }
        }
        if let sub = o["not"], !sub.isNull { junctors.not = node(sub, path + ".not", context: .junctor, depth: depth + 1) }

        var pattern: LinearRegex?
        if let p = o["pattern"]?.stringValue {
            do {
                pattern = try LinearRegex(p)
            } catch {
                errors.append(.invalid(path + ".pattern", p, "must be a valid regular expression, but isn't: \(error.description)"))
            }
        }
        let listType = o["x-kubernetes-list-type"]?.stringValue
        let listMapKeys = (o["x-kubernetes-list-map-keys"]?.arrayValue ?? []).compactMap(\.stringValue)
        var rules: [StructuralSchema.ValidationRule] = []
        for (i, r) in (o["x-kubernetes-validations"]?.arrayValue ?? []).enumerated() {
            let rule = r["rule"]?.stringValue ?? ""
            let rulePath = path + ".x-kubernetes-validations[\(i)]"
            var compiled = StructuralSchema.ValidationRule(
                rule: rule, message: r["message"]?.stringValue, messageExpression: r["messageExpression"]?.stringValue,
                reason: r["reason"]?.stringValue, fieldPath: r["fieldPath"]?.stringValue, optionalOldSelf: r["optionalOldSelf"]?.boolValue ?? false)
            if rule.isEmpty {
                errors.append(.required(rulePath + ".rule", "rule is not specified"))
            } else {
                do {
                    compiled.program = try CELParser.parse(rule, variables: ["self", "oldSelf"])
                } catch {
                    errors.append(.invalid(rulePath + ".rule", rule, "compilation failed: \(error.description)"))
                }
            }
            if let m = compiled.messageExpression {
                do {
                    compiled.messageProgram = try CELParser.parse(m, variables: ["self", "oldSelf"])
                } catch {
                    errors.append(.invalid(rulePath + ".messageExpression", m, "messageExpression compilation failed: \(error.description)"))
                }
            }
            if let reason = compiled.reason, !StructuralSchema.ruleReasons.contains(reason) {
                errors.append(.notSupported(rulePath + ".reason", reason, StructuralSchema.ruleReasons))
            }
            if let m = compiled.message, m.contains("\n") {
                errors.append(.invalid(rulePath + ".message", m, "message must not contain line breaks"))
            }
            rules.append(compiled)
        }

        let schema = StructuralSchema(
            type: type, format: o["format"]?.stringValue, description: o["description"]?.stringValue, properties: properties,
            additionalProperties: additional, items: items, required: (o["required"]?.arrayValue ?? []).compactMap(\.stringValue),
            enumValues: o["enum"]?.arrayValue, pattern: pattern, minimum: o["minimum"]?.numberValue, maximum: o["maximum"]?.numberValue,
            exclusiveMinimum: o["exclusiveMinimum"]?.boolValue ?? false, exclusiveMaximum: o["exclusiveMaximum"]?.boolValue ?? false,
            multipleOf: o["multipleOf"]?.numberValue, minLength: o["minLength"]?.intValue, maxLength: o["maxLength"]?.intValue,
            minItems: o["minItems"]?.intValue, maxItems: o["maxItems"]?.intValue, minProperties: o["minProperties"]?.intValue,
            maxProperties: o["maxProperties"]?.intValue, uniqueItems: o["uniqueItems"]?.boolValue ?? false, nullable: nullable,
            defaultValue: o["default"], intOrString: intOrString, embeddedResource: embedded, preserveUnknownFields: preserve,
            listType: listType, listMapKeys: listMapKeys, mapType: o["x-kubernetes-map-type"]?.stringValue, validations: rules,
            junctors: junctors, raw: raw)
        checkStructural(schema, o, path, context)
        return schema
    }

    /// Upstream's structural rules (`schema/validation.go`) for one node.
    mutating func checkStructural(_ s: StructuralSchema, _ o: [String: JSONValue], _ path: String, _ context: SchemaContext) {
        if context == .junctor {
            // Junctors carry value validations; what shapes the object belongs outside them.
            for key in ["additionalProperties", "default", "nullable", "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
                        "x-kubernetes-list-type", "x-kubernetes-map-type"] where o[key] != nil {
                let reason = ["default", "additionalProperties", "x-kubernetes-list-type", "x-kubernetes-map-type"].contains(key) ? "must be undefined to be structural"
                    : "must be false to be structural"
                errors.append(.forbidden(path + ".\(key)", reason))
            }
            if s.type != nil, !s.intOrStringBranch { errors.append(.forbidden(path + ".type", "must be empty to be structural")) }
            if s.properties["metadata"] != nil { errors.append(.forbidden(path + ".properties[metadata]", "must not be specified in a nested context")) }
            return
        }
        if s.type == "array", s.items == nil { errors.append(.required(path + ".items", "must be specified")) }
        if !s.properties.isEmpty, s.additionalProperties != nil {
            errors.append(.forbidden(path + ".additionalProperties", "additionalProperties and properties are mutual exclusive"))
        }
        if s.intOrString {
            if s.preserveUnknownFields {
                errors.append(.invalid(path + ".x-kubernetes-preserve-unknown-fields", "true", "must be false if x-kubernetes-int-or-string is true"))
            }
            if s.embeddedResource {
                errors.append(.invalid(path + ".x-kubernetes-embedded-resource", "true", "must be false if x-kubernetes-int-or-string is true"))
            }
            if s.type != nil { errors.append(.forbidden(path + ".type", "must be empty if x-kubernetes-int-or-string is true")) }
        }
        if s.embeddedResource {
            if s.type == nil {
                errors.append(.required(path + ".type", "must be object if x-kubernetes-embedded-resource is true"))
            } else if s.type != "object" {
                errors.append(.invalid(path + ".type", s.type ?? "", "must be object if x-kubernetes-embedded-resource is true"))
            }
            if s.additionalProperties != nil {
                errors.append(.forbidden(path + ".additionalProperties", "must not be used if x-kubernetes-embedded-resource is set"))
            }
            if s.properties.isEmpty, !s.preserveUnknownFields {
                errors.append(.required(path + ".properties",
                                        "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields"))
            }
        } else if s.type == nil, !s.intOrString, !s.preserveUnknownFields {
            switch context {
            case .root: errors.append(.required(path + ".type", "must not be empty at the root"))
            case .items: errors.append(.required(path + ".type", "must not be empty for specified array items"))
            case .property, .additional: errors.append(.required(path + ".type", "must not be empty for specified object fields"))
            case .junctor: break
            }
        }
        if context == .root {
            if let t = s.type, t != "object" { errors.append(.invalid(path + ".type", t, "must be object at the root")) }
            if s.additionalProperties != nil { errors.append(.forbidden(path + ".additionalProperties", "must not be used at the root")) }
            for key in ["kind", "apiVersion"] {
                if let p = s.properties[key], let t = p.type, t != "string" {
                    errors.append(.invalid(path + ".properties[\(key)].type", t, "must be string"))
                }
            }
            if let meta = s.properties["metadata"] {
                if let t = meta.type, t != "object" { errors.append(.invalid(path + ".properties[metadata].type", t, "must be object")) }
                let extra = Set(meta.properties.keys).subtracting(Self.metadataAllowed)
                let nameTypes = meta.properties.values.allSatisfy { $0.type == "string" && $0.properties.isEmpty && $0.defaultValue == nil }
                if !extra.isEmpty || !nameTypes || meta.additionalProperties != nil || !meta.junctors.isEmpty {
                    errors.append(.forbidden(path + ".properties[metadata]",
                                             "must not specify anything other than name and generateName, but metadata is implicitly specified"))
                }
            }
        }
        checkListType(s, path)
        if s.defaultValue != nil, context == .root {
            errors.append(.forbidden(path + ".default", "must not be set at the root"))
        }
    }

    mutating func checkListType(_ s: StructuralSchema, _ path: String) {
        if let lt = s.listType {
            guard ["atomic", "set", "map"].contains(lt) else {
                errors.append(.notSupported(path + ".x-kubernetes-list-type", lt, ["atomic", "set", "map"]))
                return
            }
            if s.type != "array" { errors.append(.invalid(path + ".type", s.type ?? "", "must be array if x-kubernetes-list-type is specified")) }
            if lt == "set", let it = s.items?.type, it == "object" || it == "array" {
                errors.append(.invalid(path + ".items.type", it, "must be a scalar type if parent array type is 'set'"))
            }
            if lt == "map" {
                if s.listMapKeys.isEmpty {
                    errors.append(.required(path + ".x-kubernetes-list-map-keys", "must not be empty if x-kubernetes-list-type is map"))
                }
                if let items = s.items, items.type != "object" {
                    errors.append(.invalid(path + ".items.type", items.type ?? "", "must be object if parent array's x-kubernetes-list-type is map"))
                }
                for key in s.listMapKeys {
                    guard let keySchema = s.items?.properties[key] else {
                        errors.append(.required(path + ".items.properties[\(key)]", "entries for all x-kubernetes-list-map-keys must be specified"))
                        continue
                    }
                    if let t = keySchema.type, t == "object" || t == "array" {
                        errors.append(.invalid(path + ".items.properties[\(key)].type", t,
                                               "must be a scalar type if parent array's x-kubernetes-list-type is map"))
                    }
                    if !(s.items?.required.contains(key) ?? false), keySchema.defaultValue == nil {
                        errors.append(.required(path + ".items",
                                                "all map keys must be required or have a default value: \"\(key)\" is neither"))
                    }
                }
            }
        } else if !s.listMapKeys.isEmpty {
            errors.append(.required(path + ".x-kubernetes-list-type", "must be map if x-kubernetes-list-map-keys is non-empty"))
        }
        if let mt = s.mapType, !["granular", "atomic"].contains(mt) {
            errors.append(.notSupported(path + ".x-kubernetes-map-type", mt, ["granular", "atomic"]))
        }
    }

    /// Every `default` must survive pruning and validate against its own schema.
    mutating func checkDefaults(_ s: StructuralSchema, _ path: String, root: Bool) {
        if let d = s.defaultValue, !root {
            var pruned = d
            _ = s.prune(&pruned, path: "", isResourceRoot: false)
            if pruned != d {
                errors.append(.invalid(path + ".default", JSONWriter.string(d), "must not have unknown fields"))
            }
            for e in s.validate(d, path: path + ".default") { errors.append(e) }
        }
        for (name, p) in s.properties.sorted(by: { $0.key < $1.key }) { checkDefaults(p, path + ".properties[\(name)]", root: false) }
        if let a = s.additionalProperties { checkDefaults(a, path + ".additionalProperties", root: false) }
        if let i = s.items { checkDefaults(i, path + ".items", root: false) }
    }
}

extension StructuralSchema {
    /// A junctor branch of the int-or-string idiom: `anyOf: [{type: integer}, {type: string}]`.
    var intOrStringBranch: Bool { (type == "integer" || type == "string") && properties.isEmpty && items == nil }
}
