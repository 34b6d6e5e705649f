import Testing
@testable import KubeAPI

/// The YAML decoder: sigs.k8s.io/yaml's results for ordinary manifests, and
/// go-yaml's refusals for documents built to exhaust the decoder.
@Suite struct YAMLDecodingTests {
    /// A "billion laughs" document: `levels` anchors, each a sequence of
    /// `fanout` aliases to the previous one.
    static func laughs(levels: Int, fanout: Int) -> String {
        var text = "a0: &a0 [" + Array(repeating: "x", count: fanout).joined(separator: ",") + "]\n"
        for level in 1...levels {
            text += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: fanout).joined(separator: ",") + "]\n"
        }
        return text
    }

    static func error(_ text: String, limits: DecodingLimits = .default) -> String? {
        do {
            _ = try YAMLDecoding.decode(text, limits: limits)
            return nil
        } catch {
            return error.message
        }
    }

    @Test func decodesAManifestAsSigsYAMLDoes() throws {
        let text = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              labels: {app: web, "tier": 'front'}
              annotations:
                note: |
                  two
                  lines
            spec:
              replicas: 3
              paused: false
              template:
                spec:
                  containers:
                  - name: nginx
                    image: nginx:1.27
                    args: ["--port", "8080"]
                    ports: [{containerPort: 80}]
                    resources: {limits: {cpu: 500m, memory: 128Mi}}
                    env:
                    - {name: RATIO, value: "0.5"}
                    - {name: EMPTY}
            """
        let v = try #require(try YAMLDecoding.decode(text))
        #expect(v["kind"] == "Deployment")
        #expect(v[path: ["metadata", "labels"]] == ["app": "web", "tier": "front"])
        #expect(v[path: ["metadata", "annotations", "note"]] == "two\nlines\n")
        #expect(v[path: ["spec", "replicas"]] == .int(3))
        #expect(v[path: ["spec", "paused"]] == .bool(false))
        let container = try #require(v[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first)
        #expect(container["args"] == ["--port", "8080"])
        #expect(container["ports"] == [["containerPort": 80]])
        #expect(container[path: ["resources", "limits", "cpu"]] == "500m")
        #expect(container["env"] == [["name": "RATIO", "value": "0.5"], ["name": "EMPTY"]])
    }

    @Test(arguments: [
        ("yes", JSONValue.bool(true)), ("On", .bool(true)), ("y", .bool(true)), ("NO", .bool(false)), ("off", .bool(false)),
        ("~", .null), ("null", .null), ("", .null), ("12", .int(12)), ("-3", .int(-3)), ("0x1F", .int(31)), ("0o17", .int(15)),
        ("017", .int(15)), ("0b101", .int(5)), ("1_000", .int(1000)), ("1.5", .double(1.5)), ("1e3", .double(1000)),
        (".5", .double(0.5)), ("08", .double(8)), ("'12'", .string("12")), ("\"true\"", .string("true")),
        ("2024-01-02", .string("2024-01-02")), ("1:20", .string("1:20")), ("500m", .string("500m")),
        ("!!str 12", .string("12")), ("!!float 3", .double(3)), ("!!binary aGk=", .string("hi")), ("!custom x", .string("x")),
    ])
    func resolvesScalarsAsYAML11(_ text: String, _ expected: JSONValue) throws {
        let v = try #require(try YAMLDecoding.decode("v: " + text))
        #expect(v["v"] == expected)
    }

    @Test func turnsScalarKeysIntoJSONKeys() throws {
        let v = try #require(try YAMLDecoding.decode("1: a\ntrue: b\ny: c\n"))
        #expect(v == ["1": "a", "true": "c"])
    }

    /// Found by the fuzzer: an integral key beyond Int64 trapped on its way to
    /// a JSON key; it is a float key, written as sigs.k8s.io/yaml writes one.
    @Test func writesAKeyBeyondInt64AsAFloat() throws {
        let v = try #require(try YAMLDecoding.decode("88888888888888888888: a\n"))
        #expect(v.objectValue?.keys.first == "8.888889e+19")
    }

    @Test func mergesMappingsAsGoYAMLv2() throws {
        let v = try #require(try YAMLDecoding.decode("base: &b {a: 1, b: 2}\nother: &o {b: 3, c: 4}\nx:\n  <<: [*b, *o]\n  c: 5\n"))
        #expect(v["x"] == ["a": 1, "b": 2, "c": 5])
    }

    @Test func reportsDuplicateKeys() throws {
        let r = try YAMLDecoding.decodeReportingDuplicates(Array("spec:\n  a: 1\n  a: 2\n".utf8))
        #expect(r.value?[path: ["spec", "a"]] == .int(2))
        #expect(r.duplicates == ["spec.a"])
    }

    @Test func decodesTheFirstDocumentOnly() throws {
        #expect(try YAMLDecoding.decode("a: 1\n---\nb: 2\n") == ["a": 1])
        #expect(try YAMLDecoding.decode("") == nil)
    }

    @Test func refusesWhatGoYAMLRefuses() {
        #expect(Self.error("a: 1\nb: *nope\n") == "yaml: unknown anchor 'nope' referenced")
        #expect(Self.error("a: &x {b: *x}\n") == "yaml: anchor 'x' value contains itself")
        #expect(Self.error("a: 1\nb:\n  <<: 5\n") == "yaml: map merge requires map or sequence of maps as the value")
        #expect(Self.error("a: !!int foo\n") == "yaml: cannot decode !!str `foo` as a !!int")
        #expect(Self.error("a: !!binary '***'\n") == "yaml: !!binary value contains invalid base64 data")
        #expect(Self.error("? [a, b]\n: 1\n")?.hasPrefix("yaml: line 1: invalid map key") == true)
        #expect(Self.error("a: [1, 2\n")?.hasPrefix("yaml: line") == true)
        #expect(Self.error("a: .inf\n")?.hasPrefix("json: unsupported value: +Inf") == true)
    }

    /// go-yaml's rule: two levels of ten aliases (97% of the nodes through
    /// aliases) pass, three (99.6%) are excessive, and nine levels of nine
    /// (387 million scalars expanded) fail after reading the text once.
    @Test func refusesExcessiveAliasing() throws {
        #expect(Self.error(Self.laughs(levels: 2, fanout: 10)) == nil)
        #expect(Self.error(Self.laughs(levels: 3, fanout: 10)) == "yaml: document contains excessive aliasing")
        let start = ContinuousClock.now
        #expect(Self.error(Self.laughs(levels: 9, fanout: 9)) == "yaml: document contains excessive aliasing")
        print("nine levels of nine aliases refused in \(ContinuousClock.now - start)")
        // An aliased key costs what it expands to, like any alias.
        #expect(Self.error(Self.laughs(levels: 9, fanout: 9) + "? *a9\n: 1\n") == "yaml: document contains excessive aliasing")
    }

    @Test func boundsDepthAndSizeAfterExpansion() {
        let limits = DecodingLimits(maxDepth: 5, maxDecodedBytes: 1000)
        #expect(Self.error("a: [[[[[1]]]]]\n", limits: limits) == "yaml: exceeded max depth of 5")
        #expect(Self.error("a: &a [[[1]]]\nb: [[*a]]\n", limits: limits) == "yaml: exceeded max depth of 5")
        #expect(Self.error("a: &a [[[1]]]\nb: [*a]\n", limits: limits) == nil)
        let long = String(repeating: "x", count: 300)
        #expect(Self.error("a: &a \(long)\nb: [*a, *a, *a, *a]\n", limits: limits)?.hasPrefix("yaml: the decoded document is larger than 1000") == true)
        let deepError = Self.error(String(repeating: "[", count: JSONParser.maxDepth + 2)) ?? ""
        #expect(deepError.contains("exceeded max depth"), "\(deepError)")
    }
}
