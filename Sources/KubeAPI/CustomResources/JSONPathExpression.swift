/// A Kubernetes JSONPath as custom resource definitions use them (printer
/// columns, selectable fields, scale paths): `.spec.replicas`,
/// `.status.conditions[?(@.type=="Ready")].status`, `.spec.ports[0].port`,
/// `.metadata.labels['app\.kubernetes\.io/name']`, `.items[*].name`. Without
/// the `{…}` template braces, which these fields do not use.
public struct JSONPathExpression: Sendable, Hashable {
    public let text: String
    let steps: [Step]

    enum Step: Sendable, Hashable {
        case field(String)
        case wildcard
        case index(Int)
        case slice(Int?, Int?)
        case filter(path: [Step], op: String?, literal: JSONValue?)
    }

    /// A path that does not parse, worded as the reason.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// The longest path accepted (the fields it comes from are short).
    public static let maxLength = 4096

    public init(_ text: String) throws(SyntaxError) {
        guard text.utf8.count <= Self.maxLength else { throw SyntaxError(description: "path is longer than \(Self.maxLength) bytes") }
        self.text = text
        var p = Parser(chars: Array(text))
        steps = try p.steps(until: nil)
    }

    /// True when the path is only field names (`.spec.replicas`): what scale paths and selectable fields may be.
    public var isSimpleFieldPath: Bool {
        !steps.isEmpty && steps.allSatisfy { if case .field = $0 { return true } else { return false } }
    }

    /// The field names of a simple path.
    public var fieldNames: [String] {
        steps.compactMap { if case .field(let f) = $0 { return f } else { return nil } }
    }

    /// Every value the path reaches in `root`, in document order.
    public func evaluate(_ root: JSONValue) -> [JSONValue] { Self.apply(steps[...], to: [root]) }

    static func apply(_ steps: ArraySlice<Step>, to values: [JSONValue]) -> [JSONValue] {
        var current = values
        for step in steps {
            var next: [JSONValue] = []
            for v in current {
                switch step {
                case .field(let f):
                    if let x = v.objectValue?[f] { next.append(x) }
                case .wildcard:
                    if let a = v.arrayValue { next += a } else if let o = v.objectValue { next += o.keys.sorted().compactMap { o[$0] } }
                case .index(let i):
                    guard let a = v.arrayValue else { continue }
                    let j = i < 0 ? a.count + i : i
                    if a.indices.contains(j) { next.append(a[j]) }
                case .slice(let lo, let hi):
                    guard let a = v.arrayValue else { continue }
                    func clamp(_ x: Int?, _ d: Int) -> Int { min(max(x.map { $0 < 0 ? a.count + $0 : $0 } ?? d, 0), a.count) }
                    let l = clamp(lo, 0), h = clamp(hi, a.count)
                    if l < h { next += a[l..<h] }
                case .filter(let path, let op, let literal):
                    guard let a = v.arrayValue else { continue }
                    next += a.filter { item in
                        let found = apply(path[...], to: [item])
                        guard let op, let literal else { return !found.isEmpty }
                        return found.contains { compare($0, op, literal) }
                    }
                }
            }
            current = next
        }
        return current
    }

    static func compare(_ a: JSONValue, _ op: String, _ b: JSONValue) -> Bool {
        if let x = a.numberValue, let y = b.numberValue {
            switch op {
            case "==": return x == y
            case "!=": return x != y
            case "<": return x < y
            case ">": return x > y
            case "<=": return x <= y
            default: return x >= y
            }
        }
        switch op {
        case "==": return a == b
        case "!=": return a != b
        default:
            guard let x = a.stringValue, let y = b.stringValue else { return false }
            switch op {
            case "<": return x < y
            case ">": return x > y
            case "<=": return x <= y
            default: return x >= y
            }
        }
    }

    struct Parser {
        let chars: [Character]
        var i = 0

        func error(_ s: String) -> SyntaxError { SyntaxError(description: s) }

        /// Steps up to `end` (a filter's comparison operator or `)`), or the end of the text.
        mutating func steps(until end: Set<Character>?) throws(SyntaxError) -> [Step] {
            var out: [Step] = []
            while i < chars.count {
                if let end, end.contains(chars[i]) || chars[i] == " " { break }
                switch chars[i] {
                case ".":
                    i += 1
                    guard i < chars.count else { throw error("path must not end with '.'") }
                    if chars[i] == "." { throw error("recursive descent (..) is not supported here") }
                    if chars[i] == "*" {
                        i += 1
                        out.append(.wildcard)
                        continue
                    }
                    if chars[i] == "[" { continue }
                    var name = ""
                    while i < chars.count, !".[ )=!<>".contains(chars[i]) {
                        if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                        name.append(chars[i])
                        i += 1
                    }
                    guard !name.isEmpty else { throw error("empty field name at offset \(i)") }
                    out.append(.field(name))
                case "[":
                    i += 1
                    out.append(try bracket())
                default:
                    throw error("unexpected \(String(chars[i]).debugDescription) at offset \(i): a path starts with '.' or '['")
                }
            }
            return out
        }

        mutating func bracket() throws(SyntaxError) -> Step {
            guard i < chars.count else { throw error("unterminated [") }
            if chars[i] == "'" || chars[i] == "\"" {
                let s = try quoted()
                try expect("]")
                return .field(s)
            }
            if chars[i] == "*" {
                i += 1
                try expect("]")
                return .wildcard
            }
            if chars[i] == "?" {
                i += 1
                try expect("(")
                try expect("@")
                let path = try steps(until: ["=", "!", "<", ">", ")"])
                skipSpaces()
                var op: String?
                var literal: JSONValue?
                if i < chars.count, chars[i] != ")" {
                    var o = String(chars[i])
                    i += 1
                    if i < chars.count, chars[i] == "=" { o.append("="); i += 1 }
                    guard ["==", "!=", "<", ">", "<=", ">="].contains(o) else { throw error("unsupported filter operator \(o)") }
                    op = o
                    skipSpaces()
                    literal = try filterLiteral()
                    skipSpaces()
                }
                try expect(")")
                try expect("]")
                return .filter(path: path, op: op, literal: literal)
            }
            var text = ""
            while i < chars.count, chars[i] != "]" { text.append(chars[i]); i += 1 }
            try expect("]")
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: [" "]) }
            if parts.count == 1, let n = Int(parts[0]) { return .index(n) }
            if parts.count == 2 || parts.count == 3, parts[0].isEmpty || Int(parts[0]) != nil, parts[1].isEmpty || Int(parts[1]) != nil {
                return .slice(Int(parts[0]), Int(parts[1]))
            }
            throw error("invalid array index \(text)")
        }

        mutating func filterLiteral() throws(SyntaxError) -> JSONValue {
            guard i < chars.count else { throw error("missing filter value") }
            if chars[i] == "'" || chars[i] == "\"" { return .string(try quoted()) }
            var t = ""
            while i < chars.count, chars[i] != ")", chars[i] != " " { t.append(chars[i]); i += 1 }
            if let n = Int64(t) { return .int(n) }
            if let d = Double(t) { return .double(d) }
            if t == "true" || t == "false" { return .bool(t == "true") }
            throw error("invalid filter value \(t)")
        }

        mutating func quoted() throws(SyntaxError) -> String {
            let q = chars[i]
            i += 1
            var s = ""
            while i < chars.count, chars[i] != q {
                if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                s.append(chars[i])
                i += 1
            }
            guard i < chars.count else { throw error("unterminated quoted string") }
            i += 1
            return s
        }

        mutating func skipSpaces() { while i < chars.count, chars[i] == " " { i += 1 } }

        mutating func expect(_ c: Character) throws(SyntaxError) {
            guard i < chars.count, chars[i] == c else { throw error("expected '\(c)' at offset \(i)") }
            i += 1
        }
    }
}
