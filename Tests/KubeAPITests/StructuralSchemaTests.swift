import Testing
@testable import KubeAPI

/// Structural schemas of custom resources: the definition's rules, and
/// validation, pruning and defaulting of objects with upstream's messages.
@Suite struct StructuralSchemaTests {
    static let widgetSchema: JSONValue = [
        "type": "object",
        "required": ["spec"],
        "properties": [
            "apiVersion": ["type": "string"], "kind": ["type": "string"], "metadata": ["type": "object"],
            "spec": [
                "type": "object",
                "required": ["image"],
                "properties": [
                    "image": ["type": "string", "minLength": 1, "maxLength": 20, "pattern": "^[a-z]+(:[0-9.]+)?$"],
                    "replicas": ["type": "integer", "minimum": 1, "maximum": 10, "default": 1],
                    "color": ["type": "string", "enum": ["red", "green"], "default": "red"],
                    "port": ["x-kubernetes-int-or-string": true],
                    "email": ["type": "string", "format": "email"],
                    "created": ["type": "string", "format": "date-time"],
                    "ratio": ["type": "number", "exclusiveMaximum": true, "maximum": 1],
                    "tags": ["type": "array", "maxItems": 3, "items": ["type": "string"], "x-kubernetes-list-type": "set"],
                    "ports": ["type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
                              "items": ["type": "object", "required": ["name"], "properties": [
                                  "name": ["type": "string"], "port": ["type": "integer", "default": 80]]]],
                    "labels": ["type": "object", "additionalProperties": ["type": "string"]],
                    "extra": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                    "template": ["type": "object", "x-kubernetes-embedded-resource": true, "properties": ["spec": ["type": "object"]]],
                    "note": ["type": "string", "nullable": true],
                ],
            ],
            "status": ["type": "object", "properties": ["ready": ["type": "boolean"]]],
        ],
    ]

    static func schema() throws -> StructuralSchema {
        let (s, errs) = StructuralSchema.parse(widgetSchema, path: "spec.versions[0].schema.openAPIV3Schema")
        #expect(errs.isEmpty, "\(errs)")
        return try #require(s)
    }

    func errors(_ obj: JSONValue) throws -> [String] { try Self.schema().validate(obj, path: "").map(\.description) }

    @Test func aValidObjectHasNoErrors() throws {
        #expect(try errors(["spec": ["image": "nginx:1.27", "replicas": 3, "port": "http", "email": "a@b.c",
                                      "created": "2026-12-07T10:00:00Z", "ratio": 0.5, "tags": ["a", "b"],
                                      "labels": ["x": "y"], "note": .null]]) == [])
    }

    @Test func valueErrorsAreWordedAsUpstreams() throws {
        let errs = try errors(["spec": ["image": "Nginx", "replicas": "three", "color": "pink", "port": 1.5, "email": "nope",
                                        "ratio": 1, "tags": ["a", "b", "a", "c"], "labels": ["x": 1], "note": .null]])
        #expect(errs == [
            #"spec.color: Unsupported value: "pink": supported values: "red", "green""#,
            #"spec.email: Invalid value: "nope": spec.email in body must be of type email: "nope""#,
            #"spec.image: Invalid value: "Nginx": spec.image in body should match '^[a-z]+(:[0-9.]+)?$'"#,
            #"spec.labels.x: Invalid value: "integer": spec.labels.x in body must be of type string: "integer""#,
            #"spec.port: Invalid value: "number": spec.port in body must be of type integer,string: "number""#,
            #"spec.ratio: Invalid value: 1: spec.ratio in body should be less than 1"#,
            #"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
            "spec.tags: Too many: 4: must have at most 3 items",
            #"spec.tags[2]: Duplicate value: "a""#,
        ])
        #expect(try errors(["spec": ["image": "", "replicas": 0]]) == [
            #"spec.image: Invalid value: "": spec.image in body should be at least 1 chars long"#,
            #"spec.image: Invalid value: "": spec.image in body should match '^[a-z]+(:[0-9.]+)?$'"#,
            "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
        ])
        #expect(try errors([:]) == ["spec: Required value"])
        #expect(try errors(["spec": ["image": .string(String(repeating: "a", count: 21))]]) == ["spec.image: Too long: may not be more than 20 bytes"])
        #expect(try errors(["spec": ["image": "a", "replicas": .null]]) ==
            [#"spec.replicas: Invalid value: "null": spec.replicas in body must be of type integer: "null""#])
        #expect(try errors(["spec": ["image": "a", "ports": [["name": "a"], ["name": "a", "port": 1]]]]) ==
            [#"spec.ports[1]: Duplicate value: map[string]interface {}{"name":"a"}"#])
        #expect(try errors(["spec": ["image": "a", "template": ["spec": [:]]]]) ==
            ["spec.template.apiVersion: Required value: must not be empty", "spec.template.kind: Required value: must not be empty"])
    }

    /// Ratcheting (KEP-4008): on an update, values equal to their old ones
    /// (fields by name, `map` list items by key, `set` items by value) are not
    /// validated again; changed ones are, and rules with `oldSelf` always run.
    @Test func updatesRatchetUnchangedInvalidValues() throws {
        let schema = try Self.schema()
        let old: JSONValue = ["spec": ["image": "Nginx", "replicas": 30, "tags": ["a", "a"],
                                       "ports": [["name": "http", "port": 1.5], ["name": "dns", "port": 53]]]]
        var new: JSONValue = ["spec": ["image": "Nginx", "replicas": 30, "tags": ["a", "a"], "color": "green",
                                       "ports": [["name": "http", "port": 1.5], ["name": "dns", "port": 53]]]]
        // The set's duplicate is not ratcheted (upstream always checks list types).
        #expect(schema.validate(new, old: old, path: "").map(\.description) == [#"spec.tags[1]: Duplicate value: "a""#])
        #expect(schema.validate(new, path: "").count == 4, "on create, everything is checked")
        // A changed value is checked: the invalid image changed to another invalid one, a port item changed.
        new = ["spec": ["image": "Apache", "replicas": 30, "tags": ["a", "a"], "color": "green",
                        "ports": [["name": "dns", "port": 53], ["name": "http", "port": 2.5]]]]
        #expect(schema.validate(new, old: old, path: "").map(\.description) == [
            #"spec.image: Invalid value: "Apache": spec.image in body should match '^[a-z]+(:[0-9.]+)?$'"#,
            #"spec.ports[1].port: Invalid value: "number": spec.ports[1].port in body must be of type integer: "number""#,
            #"spec.tags[1]: Duplicate value: "a""#,
        ])

        let ruled = try #require(StructuralSchema.parse([
            "type": "object",
            "x-kubernetes-validations": [["rule": "self.min <= self.max", "message": "min must not exceed max"],
                                         ["rule": "self.max >= oldSelf.max", "message": "max may not shrink"]],
            "properties": ["min": ["type": "integer"], "max": ["type": "integer"], "note": ["type": "string"]],
        ], path: "").0)
        let stale: JSONValue = ["min": 5, "max": 3]
        #expect(ruled.validateRules(stale, old: stale).isEmpty)
        #expect(ruled.validateRules(["min": 5, "max": 3, "note": "x"], old: stale).map(\.detail) == ["min must not exceed max"])
        #expect(ruled.validateRules(["min": 5, "max": 2], old: ["min": 5, "max": 3]).map(\.detail) == ["min must not exceed max", "max may not shrink"])
    }

    @Test func pruningDropsUnknownFieldsAndReportsThem() throws {
        var obj: JSONValue = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w", "bogus": 1],
                              "spec": ["image": "a", "size": 3, "extra": ["anything": ["goes": true]], "labels": ["k": "v"],
                                       "ports": [["name": "a", "hostIP": "x"]],
                                       "template": ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": [:], "junk": 1]],
                              "top": 1]
        let unknown = try Self.schema().prune(&obj, isResourceRoot: true)
        #expect(unknown == ["metadata.bogus", "spec.ports[0].hostIP", "spec.size", "spec.template.junk", "top"])
        #expect(obj["top"] == nil && obj[path: ["metadata", "bogus"]] == nil && obj[path: ["metadata", "name"]] == "w")
        #expect(obj[path: ["spec", "extra", "anything", "goes"]] == true)
        #expect(obj[path: ["spec", "template", "metadata", "name"]] == "p" && obj[path: ["spec", "template", "kind"]] == "Pod")
    }

    @Test func defaultsFillMissingFieldsAndNonNullableNulls() throws {
        var obj: JSONValue = ["spec": ["image": "a", "color": .null, "ports": [["name": "a"]], "note": .null, "email": .null]]
        try Self.schema().applyDefaults(&obj)
        #expect(obj[path: ["spec", "replicas"]] == 1)
        #expect(obj[path: ["spec", "color"]] == "red")
        #expect(obj[path: ["spec", "ports"]] == [["name": "a", "port": 80]])
        #expect(obj[path: ["spec", "note"]] == .null)  // nullable: kept
        #expect(obj[path: ["spec"]]?["email"] == nil)  // not nullable, no default: dropped
    }

    @Test func definitionsMustBeStructural() {
        let path = "spec.versions[0].schema.openAPIV3Schema"
        func errs(_ s: JSONValue) -> [String] { StructuralSchema.parse(s, path: path).errors.map(\.description) }
        #expect(errs(["type": "object", "properties": ["spec": ["properties": ["a": ["type": "string"]]]]]) ==
            ["\(path).properties[spec].type: Required value: must not be empty for specified object fields"])
        #expect(errs(["type": "array", "items": ["type": "string"]]) == ["\(path).type: Invalid value: \"array\": must be object at the root"])
        #expect(errs(["type": "object", "properties": ["l": ["type": "array"]]]) == ["\(path).properties[l].items: Required value: must be specified"])
        #expect(errs(["type": "object", "properties": ["s": ["type": "string", "pattern": "(["]]]) ==
            ["\(path).properties[s].pattern: Invalid value: \"([\": must be a valid regular expression, but isn't: error parsing regexp: missing closing ]: `[([`"])
        #expect(errs(["type": "object", "properties": ["n": ["type": "integer", "minimum": 1, "default": 0]]]) ==
            ["\(path).properties[n].default: Invalid value: 0: \(path).properties[n].default in body should be greater than or equal to 1"])
        #expect(errs(["type": "object", "properties": ["metadata": ["type": "object", "properties": ["labels": ["type": "object"]]]]]) ==
            ["\(path).properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified"])
        #expect(errs(["type": "object", "properties": ["m": ["type": "array", "x-kubernetes-list-type": "map", "items": ["type": "object"]]]]) ==
            ["\(path).properties[m].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map"])
        #expect(errs(["type": "object", "properties": ["p": ["x-kubernetes-int-or-string": true,
                                                               "anyOf": [["type": "integer"], ["type": "string"]]]]]) == [])
        #expect(errs(["type": "object", "x-kubernetes-preserve-unknown-fields": true]) == [])
    }

    @Test func anyOfNeedsOneBranch() throws {
        let (s, _) = StructuralSchema.parse(["type": "object", "properties": ["p": ["x-kubernetes-int-or-string": true,
            "anyOf": [["type": "integer", "minimum": 1], ["type": "string", "pattern": "^[a-z]+$"]]]]], path: "")
        let schema = try #require(s)
        #expect(schema.validate(["p": 3], path: "").isEmpty && schema.validate(["p": "http"], path: "").isEmpty)
        #expect(schema.validate(["p": "HTTP"], path: "").map(\.description).first == #"p: Invalid value: "HTTP": p in body must validate at least one schema (anyOf)"#)
    }

    /// Nesting deeper than the budget is refused without walking it all.
    @Test func deepSchemasAreRefused() {
        var s: JSONValue = ["type": "string"]
        for _ in 0..<100 { s = ["type": "object", "properties": ["a": s]] }
        let errs = StructuralSchema.parse(s, path: "s").errors
        #expect(errs.count == 1 && errs[0].description.hasSuffix("Forbidden: must not nest more than 64 levels"), "\(errs)")
    }

    /// Numbers past Int64's range are worded, never converted (a trap would take the API server down).
    @Test func hugeNumbersAreWordedNotTrapped() throws {
        let (s, _) = StructuralSchema.parse(["type": "object", "properties": ["n": ["type": "number", "maximum": 1]]], path: "")
        let schema = try #require(s)
        #expect(schema.validate(["n": 5e19], path: "").map(\.description) == ["n: Invalid value: 5e+19: n in body should be less than or equal to 1"])
    }
}
