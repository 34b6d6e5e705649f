import CYaml

/// Builds a ``JSONValue`` from libyaml's events without recursion and without
/// expanding aliases, charging every node (after alias expansion) against
/// go-yaml's aliasing rule and the ``DecodingLimits``. See ``YAMLDecoding``.
struct YAMLComposer {
    /// What an anchor stands for, and what one alias to it costs.
    struct Anchored {
        var value: JSONValue
        /// Nodes it decodes to (aliases inside it expanded).
        var nodes: Int
        /// Compact JSON bytes it decodes to.
        var bytes: Int
        /// Levels of nesting below and including it.
        var height: Int
        /// It was a scalar (only those may be mapping keys).
        var scalar: Bool
    }

    /// An open sequence or mapping.
    struct Frame {
        var items: [JSONValue] = []
        var members: [String: JSONValue] = [:]
        var isMapping: Bool
        /// The key whose value comes next (mappings).
        var key: String?
        var keyIsMerge = false
        var anchor: String?
        var startNodes: Int
        var startBytes: Int
        var depth: Int
        var deepest: Int
    }

    let limits: DecodingLimits
    private(set) var root: JSONValue?
    private(set) var duplicates: [String] = []
    private var stack: [Frame] = []
    private var anchors: [String: Anchored] = [:]
    /// go-yaml's counters: nodes decoded, and those reached through an alias.
    private var decodeCount = 0
    private var aliasCount = 0
    private var decodedBytes = 0
    private var events = 0
    private var documentStarted = false

    init(limits: DecodingLimits) { self.limits = limits }

    /// go-yaml's `allowedAliasRatio`: 99% of the nodes may come from aliases
    /// in documents under 400,000 nodes, scaling down to 10% at 4,000,000.
    static func allowedAliasRatio(_ decodeCount: Int) -> Double {
        let low = 400_000.0, high = 4_000_000.0
        let count = Double(decodeCount)
        if count <= low { return 0.99 }
        if count >= high { return 0.10 }
        return 0.99 - 0.89 * ((count - low) / (high - low))
    }

    /// Handles one event; true once the first document is complete.
    mutating func consume(_ event: yaml_event_t) throws(YAMLDecodingError) -> Bool {
        events += 1
        if events & 0xFFF == 0, Task.isCancelled { throw YAMLDecodingError("yaml: decoding cancelled") }
        switch event.type {
        case YAML_STREAM_START_EVENT, YAML_DOCUMENT_START_EVENT:
            documentStarted = documentStarted || event.type == YAML_DOCUMENT_START_EVENT
            return false
        case YAML_DOCUMENT_END_EVENT, YAML_STREAM_END_EVENT:
            return true
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
            let tag = Self.string(s.tag)
            let plain = s.style == YAML_PLAIN_SCALAR_STYLE
            let anchor = Self.string(s.anchor)
            if let top = stack.last, top.isMapping, top.key == nil {
                try count(nodes: 1, aliased: 0, bytes: text.utf8.count + 4, height: 0)
                let value = try YAMLScalar.resolve(text, tag: tag, plain: plain)
                if let anchor { register(anchor, Anchored(value: value, nodes: 1, bytes: text.utf8.count + 3, height: 0, scalar: true)) }
                let merge = (tag == nil && plain && text == YAMLScalar.mergeKey) || tag.map(YAMLScalar.shortTag) == "!!merge"
                try setKey(value, merge: merge)
                return false
            }
            let bytes = text.utf8.count + 3
            try count(nodes: 1, aliased: 0, bytes: bytes, height: 0)
            let value = try YAMLScalar.resolve(text, tag: tag, plain: plain)
            if case .double(let d) = value, !d.isFinite {
                throw YAMLDecodingError("json: unsupported value: \(d.isNaN ? "NaN" : d > 0 ? "+Inf" : "-Inf") (line \(event.start_mark.line + 1))")
            }
            if let anchor { register(anchor, Anchored(value: value, nodes: 1, bytes: bytes, height: 0, scalar: true)) }
            try attach(value)
            return false
        case YAML_ALIAS_EVENT:
            let name = Self.string(event.data.alias.anchor) ?? ""
            if stack.contains(where: { $0.anchor == name }) {
                throw YAMLDecodingError("yaml: anchor '\(name)' value contains itself")
            }
            guard let target = anchors[name] else { throw YAMLDecodingError("yaml: unknown anchor '\(name)' referenced") }
            try count(nodes: 1 + target.nodes, aliased: target.nodes, bytes: target.bytes, height: target.height)
            if let top = stack.last, top.isMapping, top.key == nil {
                guard target.scalar else {
                    throw YAMLDecodingError("yaml: line \(event.start_mark.line + 1): invalid map key: the alias *\(name) is a \(target.value.typeName)")
                }
                try setKey(target.value, merge: false)
                return false
            }
            try attach(target.value)
            return false
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            if let top = stack.last, top.isMapping, top.key == nil {
                throw YAMLDecodingError("yaml: line \(event.start_mark.line + 1): invalid map key: a \(isMapping ? "mapping" : "sequence") cannot be a JSON object key")
            }
            let anchor = Self.string(isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
            let depth = stack.count + 1
            try count(nodes: 1, aliased: 0, bytes: 2, height: 1)
            stack.append(Frame(isMapping: isMapping, anchor: anchor, startNodes: decodeCount - 1, startBytes: decodedBytes - 2,
                               depth: depth, deepest: depth))
            return false
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { throw YAMLDecodingError("yaml: unbalanced collection end") }
            let value: JSONValue = frame.isMapping ? .object(frame.members) : .array(frame.items)
            if let top = stack.indices.last { stack[top].deepest = max(stack[top].deepest, frame.deepest) }
            if let anchor = frame.anchor {
                register(anchor, Anchored(value: value, nodes: decodeCount - frame.startNodes, bytes: decodedBytes - frame.startBytes,
                                          height: frame.deepest - frame.depth + 1, scalar: false))
            }
            try attach(value)
            return false
        default:
            return false
        }
    }

    private mutating func register(_ anchor: String, _ anchored: Anchored) {
        anchors[anchor] = anchored
    }

    /// Charges decoded nodes against go-yaml's aliasing rule and the limits.
    private mutating func count(nodes: Int, aliased: Int, bytes: Int, height: Int) throws(YAMLDecodingError) {
        decodeCount += nodes
        aliasCount += aliased
        if aliasCount > 100, decodeCount > 1000, Double(aliasCount) / Double(decodeCount) > Self.allowedAliasRatio(decodeCount) {
            throw YAMLDecodingError("yaml: document contains excessive aliasing")
        }
        decodedBytes += bytes
        if decodedBytes > limits.maxDecodedBytes {
            throw YAMLDecodingError("yaml: the decoded document is larger than \(limits.maxDecodedBytes) bytes of JSON")
        }
        let depth = stack.count + height
        if depth > limits.maxDepth { throw YAMLDecodingError("yaml: exceeded max depth of \(limits.maxDepth)") }
        if let top = stack.indices.last { stack[top].deepest = max(stack[top].deepest, depth) }
    }

    private mutating func setKey(_ value: JSONValue, merge: Bool) throws(YAMLDecodingError) {
        guard let top = stack.indices.last else { return }
        stack[top].keyIsMerge = merge
        stack[top].key = merge ? YAMLScalar.mergeKey : try YAMLScalar.key(value)
    }

    /// Puts a complete value into its parent, or makes it the document.
    private mutating func attach(_ value: JSONValue) throws(YAMLDecodingError) {
        guard let top = stack.indices.last else {
            root = value
            return
        }
        guard stack[top].isMapping else {
            stack[top].items.append(value)
            return
        }
        guard let key = stack[top].key else { return }
        stack[top].key = nil
        if stack[top].keyIsMerge {
            stack[top].keyIsMerge = false
            try merge(value, into: top)
            return
        }
        if stack[top].members.updateValue(value, forKey: key) != nil {
            duplicates.append((stack.compactMap(\.key) + [key]).joined(separator: "."))
        }
    }

    /// go-yaml v2's `<<`: a mapping's members, or a sequence of mappings'
    /// (earlier ones win), set on the mapping being built.
    private mutating func merge(_ value: JSONValue, into index: Int) throws(YAMLDecodingError) {
        let sources: [[String: JSONValue]]
        switch value {
        case .object(let m): sources = [m]
        case .array(let items):
            var maps: [[String: JSONValue]] = []
            for item in items.reversed() {
                guard case .object(let m) = item else { throw Self.mergeError }
                maps.append(m)
            }
            sources = maps
        default: throw Self.mergeError
        }
        for source in sources {
            for (k, v) in source { stack[index].members[k] = v }
        }
    }

    private static let mergeError = YAMLDecodingError("yaml: map merge requires map or sequence of maps as the value")

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
