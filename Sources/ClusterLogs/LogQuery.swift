import KubeAPI

/// A LogQL log query, the subset that selects lines: a stream selector and
/// line filters, as Loki parses them.
///
///     {namespace="shop", app=~"web|api", container!="sidecar"} |= "error" != "timeout" |~ "code=5\\d\\d"
///
/// Label matchers are `=`, `!=`, `=~` and `!~` (regular expressions are
/// anchored at both ends, as Loki's and Prometheus' are); line filters are
/// `|=` (contains), `!=` (does not), `|~` and `!~` (an unanchored regular
/// expression, RE2 syntax, matched in linear time). A query is at most
/// ``maxLength`` bytes; anything else (parsers, label filters, metric
/// queries) is refused with an error that names it.
public struct LogQuery: Sendable, Equatable {
    public struct Matcher: Sendable, Equatable {
        public enum Op: String, Sendable { case equal = "=", notEqual = "!=", matches = "=~", notMatches = "!~" }
        public var name: String
        public var op: Op
        public var value: String
        let regex: AnchoredRegex?

        public func accepts(_ labels: [String: String]) -> Bool {
            let v = labels[name] ?? ""
            switch op {
            case .equal: return v == value
            case .notEqual: return v != value
            case .matches: return regex?.matches(v) ?? false
            case .notMatches: return !(regex?.matches(v) ?? false)
            }
        }

        public static func == (a: Matcher, b: Matcher) -> Bool { a.name == b.name && a.op == b.op && a.value == b.value }
    }

    public struct LineFilter: Sendable, Equatable {
        public enum Op: String, Sendable { case contains = "|=", notContains = "!=", matches = "|~", notMatches = "!~" }
        public var op: Op
        public var value: String
        let regex: LinearRegex?

        public func accepts(_ line: String) -> Bool {
            switch op {
            // Byte for byte, as Loki and the trigram index compare (String.contains compares canonical equivalents).
            case .contains: return value.isEmpty || line.utf8.firstRange(of: value.utf8) != nil
            case .notContains: return value.isEmpty || line.utf8.firstRange(of: value.utf8) == nil
            case .matches: return regex?.matches(line) ?? false
            case .notMatches: return !(regex?.matches(line) ?? false)
            }
        }

        public static func == (a: LineFilter, b: LineFilter) -> Bool { a.op == b.op && a.value == b.value }
    }

    public var matchers: [Matcher]
    public var filters: [LineFilter]

    /// The longest query accepted (Loki has no limit of its own; ours keeps parsing bounded).
    public static let maxLength = 16 * 1024

    /// Why a query does not parse, worded after Loki's `parse error at line 1, col N: …`.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var column: Int
        public var message: String
        public var description: String { "parse error at line 1, col \(column): \(message)" }
    }

    /// A regular expression matched against a whole label value.
    struct AnchoredRegex: Sendable {
        let regex: LinearRegex
        init(_ pattern: String) throws(LinearRegex.SyntaxError) { regex = try LinearRegex("^(?:" + pattern + ")$") }
        func matches(_ s: String) -> Bool { regex.matches(s) }
    }

    /// Whether a stream with these labels is selected.
    public func selects(_ labels: [String: String]) -> Bool { matchers.allSatisfy { $0.accepts(labels) } }

    /// Whether a line passes every filter.
    public func keeps(_ line: String) -> Bool { filters.allSatisfy { $0.accepts(line) } }

    /// The label values every selected stream has (`name="value"` matchers): what storage can look up directly.
    public var equalities: [String: String] {
        var out: [String: String] = [:]
        for m in matchers where m.op == .equal { out[m.name] = m.value }
        return out
    }

    /// The strings every kept line contains (`|=` filters): what a full-text index can look up.
    public var requiredSubstrings: [String] { filters.filter { $0.op == .contains && !$0.value.isEmpty }.map(\.value) }

    public init(parsing text: String) throws(ParseError) {
        guard text.utf8.count <= Self.maxLength else {
            throw ParseError(column: 1, message: "query is longer than \(Self.maxLength) bytes")
        }
        var p = Parser(Array(text.unicodeScalars))
        (matchers, filters) = try p.parse()
    }

    struct Parser {
        let s: [Unicode.Scalar]
        var i = 0

        init(_ s: [Unicode.Scalar]) { self.s = s }

        func fail(_ message: String) -> ParseError { ParseError(column: i + 1, message: message) }

        mutating func skipSpace() { while i < s.count, s[i] == " " || s[i] == "\t" || s[i] == "\n" || s[i] == "\r" { i += 1 } }

        mutating func eat(_ token: String) -> Bool {
            let t = Array(token.unicodeScalars)
            guard i + t.count <= s.count, Array(s[i..<(i + t.count)]) == t else { return false }
            i += t.count
            return true
        }

        mutating func parse() throws(ParseError) -> ([Matcher], [LineFilter]) {
            skipSpace()
            guard eat("{") else { throw fail("syntax error: a log query starts with a stream selector such as {namespace=\"default\"}") }
            var matchers: [Matcher] = []
            skipSpace()
            if !eat("}") {
                while true {
                    skipSpace()
                    let name = identifier()
                    guard !name.isEmpty else { throw fail("syntax error: expected a label name") }
                    skipSpace()
                    let op: Matcher.Op
                    if eat("=~") { op = .matches } else if eat("!~") { op = .notMatches } else if eat("!=") { op = .notEqual }
                    else if eat("=") { op = .equal } else { throw fail("syntax error: expected =, !=, =~ or !~ after \(name)") }
                    skipSpace()
                    let value = try string()
                    var regex: AnchoredRegex?
                    if op == .matches || op == .notMatches {
                        do { regex = try AnchoredRegex(value) } catch { throw fail("invalid regular expression \(value): \(error)") }
                    }
                    matchers.append(Matcher(name: name, op: op, value: value, regex: regex))
                    skipSpace()
                    if eat(",") { continue }
                    if eat("}") { break }
                    throw fail("syntax error: expected , or } in the stream selector")
                }
            }
            // Loki: "queries require at least one regexp or equality matcher that does not have an empty-compatible value".
            guard matchers.contains(where: { m in
                (m.op == .equal && !m.value.isEmpty) || (m.op == .matches && !(m.regex?.matches("") ?? true))
            }) else {
                throw ParseError(column: 1, message: "queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will")
            }
            var filters: [LineFilter] = []
            while true {
                skipSpace()
                if i == s.count { break }
                let op: LineFilter.Op
                if eat("|=") { op = .contains } else if eat("!=") { op = .notContains } else if eat("|~") { op = .matches }
                else if eat("!~") { op = .notMatches }
                else if eat("|") { throw fail("only line filters (|= != |~ !~) are supported after the stream selector, not parsers or label filters") }
                else { throw fail("syntax error: unexpected \(String(s[i])) (expected a line filter: |= != |~ !~)") }
                skipSpace()
                let value = try string()
                var regex: LinearRegex?
                if op == .matches || op == .notMatches {
                    do { regex = try LinearRegex(value) } catch { throw fail("invalid regular expression \(value): \(error)") }
                }
                filters.append(LineFilter(op: op, value: value, regex: regex))
            }
            return (matchers, filters)
        }

        mutating func identifier() -> String {
            var out = ""
            while i < s.count {
                let c = s[i]
                let ok = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c == "_" || (!out.isEmpty && c >= "0" && c <= "9")
                guard ok else { break }
                out.unicodeScalars.append(c)
                i += 1
            }
            return out
        }

        /// A "double-quoted" string with Go's escapes, or a `backquoted` raw one.
        mutating func string() throws(ParseError) -> String {
            guard i < s.count else { throw fail("syntax error: expected a string") }
            if s[i] == "`" {
                i += 1
                var out = ""
                while i < s.count, s[i] != "`" { out.unicodeScalars.append(s[i]); i += 1 }
                guard i < s.count else { throw fail("syntax error: unterminated raw string") }
                i += 1
                return out
            }
            guard s[i] == "\"" else { throw fail("syntax error: expected a string in double quotes or backquotes") }
            i += 1
            var out = ""
            while i < s.count {
                let c = s[i]
                i += 1
                if c == "\"" { return out }
                guard c == "\\" else { out.unicodeScalars.append(c); continue }
                guard i < s.count else { break }
                let e = s[i]
                i += 1
                switch e {
                case "n": out += "\n"
                case "t": out += "\t"
                case "r": out += "\r"
                case "\\": out += "\\"
                case "\"": out += "\""
                default: throw fail("invalid escape \\\(String(e)) in string")
                }
            }
            throw fail("syntax error: unterminated string")
        }
    }
}
