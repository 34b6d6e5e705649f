import CYaml

/// Why a YAML document could not be decoded.
public struct YAMLDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// go-yaml's wording where it has one (`yaml: line 3: …`,
    /// `yaml: document contains excessive aliasing`).
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

/// The one YAML decoder of the project: YAML text to ``JSONValue``, as
/// `sigs.k8s.io/yaml`'s `YAMLToJSON` does it for kube-apiserver and kubectl,
/// bounded so that hostile input cannot be turned against the decoder.
///
/// It reads libyaml's events and builds the value itself in one pass, never
/// expanding an alias: an alias reuses the anchored value (copy-on-write, so
/// shared, not copied) and is charged by the size of what it stands for.
/// A "billion laughs" document (`b: &b [*a, *a, …]`, nine levels) is refused
/// after reading it once, with go-yaml's `yaml: document contains excessive
/// aliasing`, by go-yaml's own rule: once more than 1,000 nodes are decoded,
/// nodes reached through aliases may be at most 99% of them (scaling down to 10%
/// between 400,000 and 4,000,000 nodes). Depth and the decoded JSON size are
/// bounded by ``DecodingLimits`` after expansion; libyaml, whose own limit
/// is raised from 1,000 to go-yaml's 10,000 (``JSONParser/maxDepth``), refuses
/// deeper nesting in the text itself with the same words.
///
/// Yams' `compose` is not used: it checks duplicate mapping keys by hashing
/// whole key nodes, which walks an aliased key's full expansion
/// (`? *bomb : 1` costs what the bomb expands to), and it recurses per level.
///
/// Like go-yaml it decodes the first document of a stream; mapping keys must
/// be scalars (JSON has no other keys); `<<` merges mappings as go-yaml v2
/// does; keys given twice keep the last value and are reported, as the JSON
/// parser reports them, for strict field validation.
///
/// ```swift
/// let pod = try YAMLDecoding.decode("kind: Pod\nmetadata: {name: web}\n")
/// pod?["kind"]  // "Pod"
/// ```
public enum YAMLDecoding {
    /// Decodes the first document of `text`; nil for an empty stream or an
    /// empty document.
    public static func decode(_ text: String, limits: DecodingLimits = .default) throws(YAMLDecodingError) -> JSONValue? {
        try decodeReportingDuplicates(Array(text.utf8), limits: limits).value
    }

    /// Decodes the first document of UTF-8 `bytes` and returns the dotted
    /// paths of keys given twice in one mapping.
    public static func decodeReportingDuplicates(_ bytes: [UInt8], limits: DecodingLimits = .default)
        throws(YAMLDecodingError) -> (value: JSONValue?, duplicates: [String])
    {
        if bytes.isEmpty { return (nil, []) }
        _ = nestingLimit
        var composer = YAMLComposer(limits: limits)
        let result: Result<JSONValue?, YAMLDecodingError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                return .failure(YAMLDecodingError("yaml: cannot initialise libyaml's parser (out of memory)"))
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else { return .failure(Self.parserError(parser)) }
                defer { yaml_event_delete(&event) }
                do throws(YAMLDecodingError) {
                    if try composer.consume(event) { return .success(composer.root) }
                } catch {
                    return .failure(error)
                }
            }
        }
        return (try result.get(), composer.duplicates)
    }

    /// libyaml's nesting limit (a process-wide setting, 1,000 unless set),
    /// set once to one level more than ``JSONParser/maxDepth`` so the
    /// composer's count after alias expansion speaks first.
    private static let nestingLimit: Void = yaml_set_max_nest_level(Int32(JSONParser.maxDepth + 1))

    /// libyaml's problem in go-yaml's words: `yaml: line N: problem`.
    static func parserError(_ parser: yaml_parser_t) -> YAMLDecodingError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        if problem.hasPrefix("Maximum nesting level") {
            return YAMLDecodingError("yaml: line \(parser.problem_mark.line + 1): exceeded max depth of \(JSONParser.maxDepth)")
        }
        let line = parser.problem_mark.line + 1
        return YAMLDecodingError(line > 0 && parser.error != YAML_READER_ERROR ? "yaml: line \(line): \(problem)" : "yaml: \(problem)")
    }
}
