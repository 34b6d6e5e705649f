/// A parsed CEL expression (the Common Expression Language of
/// `x-kubernetes-validations`, `matchConditions` and ValidatingAdmissionPolicy).
/// Macros (`has`, `all`, `exists`, `exists_one`, `map`, `filter`) are kept as
/// their own nodes, so evaluation can charge for each iteration.
public indirect enum CELExpr: Sendable, Hashable {
    case literal(CELValue)
    case ident(String)
    case select(CELExpr, String)
    /// `has(e.f)`.
    case has(CELExpr, String)
    case index(CELExpr, CELExpr)
    /// A call: `f(args)` (target nil) or `target.f(args)`.
    case call(String, target: CELExpr?, args: [CELExpr])
    case list([CELExpr])
    case map([(CELExpr, CELExpr)])
    case unary(String, CELExpr)
    case binary(String, CELExpr, CELExpr)
    case conditional(CELExpr, CELExpr, CELExpr)
    /// `range.all(x, p)`, `exists`, `exists_one`, `map` (with optional filter), `filter`.
    case comprehension(kind: String, range: CELExpr, variable: String, filter: CELExpr?, body: CELExpr)

    public static func == (a: CELExpr, b: CELExpr) -> Bool { a.description == b.description }
    public func hash(into h: inout Hasher) { h.combine(description) }
}

extension CELExpr: CustomStringConvertible {
    public var description: String {
        switch self {
        case .literal(let v): return v.description
        case .ident(let s): return s
        case .select(let e, let f): return "\(e).\(f)"
        case .has(let e, let f): return "has(\(e).\(f))"
        case .index(let e, let i): return "\(e)[\(i)]"
        case .call(let f, let t, let args): return (t.map { "\($0)." } ?? "") + f + "(" + args.map(\.description).joined(separator: ", ") + ")"
        case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
        case .map(let m): return "{" + m.map { "\($0.0): \($0.1)" }.joined(separator: ", ") + "}"
        case .unary(let op, let e): return op + "(\(e))"
        case .binary(let op, let a, let b): return "(\(a) \(op) \(b))"
        case .conditional(let c, let a, let b): return "(\(c) ? \(a) : \(b))"
        case .comprehension(let k, let r, let v, let f, let b):
            return "\(r).\(k)(\(v), " + (f.map { "\($0), " } ?? "") + "\(b))"
        }
    }
}

/// A syntax or reference error, worded as cel-go words them:
/// `ERROR: <input>:1:9: Syntax error: …`.
public struct CELCompileError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int
    public var description: String { "ERROR: <input>:\(line):\(column): \(message)" }
}

/// Turns CEL source into ``CELExpr``: a recursive-descent parser of CEL's grammar
/// with a nesting budget, then a check that every name is declared.
public enum CELParser {
    /// The deepest nesting accepted, chains of operators and selections counted link by link
    /// (cel-go's default recursion limit), so evaluation never recurses deeper.
    public static let maxDepth = 250
    /// The longest expression accepted.
    public static let maxLength = 100_000

    /// Parses `source`, whose free names must be among `variables` (`self`, `oldSelf`, …).
    public static func parse(_ source: String, variables: Set<String>) throws(CELCompileError) -> CELExpr {
        guard source.utf8.count <= maxLength else {
            throw CELCompileError(message: "expression is longer than \(maxLength) bytes", line: 1, column: 1)
        }
        var lexer = Lexer(Array(source.unicodeScalars))
        let tokens = try lexer.tokens()
        var p = Parser(tokens: tokens)
        let e = try p.expr()
        guard p.peek.kind == .eof else { throw p.error("Syntax error: extraneous input '\(p.peek.text)'") }
        try checkReferences(e, declared: variables)
        return e
    }

    static func checkReferences(_ e: CELExpr, declared: Set<String>) throws(CELCompileError) {
        switch e {
        case .literal: break
        case .ident(let name):
            if !declared.contains(name) && !CELValue.typeNames.contains(name) {
                throw CELCompileError(message: "undeclared reference to '\(name)' (in container '')", line: 1, column: 1)
            }
        case .select(let x, _), .has(let x, _), .unary(_, let x): try checkReferences(x, declared: declared)
        case .index(let a, let b), .binary(_, let a, let b):
            try checkReferences(a, declared: declared)
            try checkReferences(b, declared: declared)
        case .call(let f, let t, let args):
            if !CELFunctions.known.contains(f) {
                throw CELCompileError(message: "undeclared reference to '\(f)' (in container '')", line: 1, column: 1)
            }
            if let t { try checkReferences(t, declared: declared) }
            for a in args { try checkReferences(a, declared: declared) }
        case .list(let l): for x in l { try checkReferences(x, declared: declared) }
        case .map(let m):
            for (k, v) in m {
                try checkReferences(k, declared: declared)
                try checkReferences(v, declared: declared)
            }
        case .conditional(let a, let b, let c):
            try checkReferences(a, declared: declared)
            try checkReferences(b, declared: declared)
            try checkReferences(c, declared: declared)
        case .comprehension(_, let r, let v, let f, let b):
            try checkReferences(r, declared: declared)
            var inner = declared
            inner.insert(v)
            if let f { try checkReferences(f, declared: inner) }
            try checkReferences(b, declared: inner)
        }
    }

    /// Whether `e` mentions `name` as a free variable (a rule that reads `oldSelf` is a transition rule).
    public static func references(_ e: CELExpr, _ name: String) -> Bool {
        switch e {
        case .literal: return false
        case .ident(let n): return n == name
        case .select(let x, _), .has(let x, _), .unary(_, let x): return references(x, name)
        case .index(let a, let b), .binary(_, let a, let b): return references(a, name) || references(b, name)
        case .call(_, let t, let args): return (t.map { references($0, name) } ?? false) || args.contains { references($0, name) }
        case .list(let l): return l.contains { references($0, name) }
        case .map(let m): return m.contains { references($0.0, name) || references($0.1, name) }
        case .conditional(let a, let b, let c): return references(a, name) || references(b, name) || references(c, name)
        case .comprehension(_, let r, let v, let f, let b):
            return references(r, name) || (v != name && ((f.map { references($0, name) } ?? false) || references(b, name)))
        }
    }

    // MARK: lexing

    struct Token {
        enum Kind { case ident, int, uint, double, string, bytes, op, eof }
        var kind: Kind
        var text: String
        var value: CELValue?
        var line: Int
        var column: Int
    }

    struct Lexer {
        let s: [Unicode.Scalar]
        var i = 0
        var line = 1
        var lineStart = 0

        init(_ s: [Unicode.Scalar]) { self.s = s }

        func error(_ m: String) -> CELCompileError { CELCompileError(message: m, line: line, column: i - lineStart + 1) }

        mutating func tokens() throws(CELCompileError) -> [Token] {
            var out: [Token] = []
            while true {
                skipSpaceAndComments()
                let col = i - lineStart + 1
                guard i < s.count else {
                    out.append(Token(kind: .eof, text: "<EOF>", line: line, column: col))
                    return out
                }
                let c = s[i]
                if c == "_" || c.properties.isAlphabetic {
                    var name = ""
                    while i < s.count, s[i] == "_" || s[i].properties.isAlphabetic || ("0"..."9").contains(s[i]) {
                        name.unicodeScalars.append(s[i])
                        i += 1
                    }
                    // Raw and bytes string prefixes.
                    if i < s.count, s[i] == "\"" || s[i] == "'", ["r", "R", "b", "B", "rb", "br", "RB", "BR", "Rb", "bR", "rB", "Br"].contains(name) {
                        let raw = name.lowercased().contains("r"), bytes = name.lowercased().contains("b")
                        let str = try string(raw: raw)
                        out.append(Token(kind: bytes ? .bytes : .string, text: str,
                                         value: bytes ? .bytes(Array(str.utf8)) : .string(str), line: line, column: col))
                        continue
                    }
                    out.append(Token(kind: .ident, text: name, line: line, column: col))
                    continue
                }
                if ("0"..."9").contains(c) || (c == "." && i + 1 < s.count && ("0"..."9").contains(s[i + 1])) {
                    out.append(try number(col))
                    continue
                }
                if c == "\"" || c == "'" {
                    let str = try string(raw: false)
                    out.append(Token(kind: .string, text: str, value: .string(str), line: line, column: col))
                    continue
                }
                let two = i + 1 < s.count ? String(String.UnicodeScalarView([c, s[i + 1]])) : ""
                if ["==", "!=", "<=", ">=", "&&", "||"].contains(two) {
                    i += 2
                    out.append(Token(kind: .op, text: two, line: line, column: col))
                    continue
                }
                guard "+-*/%<>!?:.,()[]{}".unicodeScalars.contains(c) else {
                    throw error("Syntax error: token recognition error at: '\(Character(c))'")
                }
                i += 1
                out.append(Token(kind: .op, text: String(Character(c)), line: line, column: col))
            }
        }

        mutating func skipSpaceAndComments() {
            while i < s.count {
                if s[i] == "\n" {
                    i += 1
                    line += 1
                    lineStart = i
                } else if s[i] == " " || s[i] == "\t" || s[i] == "\r" {
                    i += 1
                } else if s[i] == "/", i + 1 < s.count, s[i + 1] == "/" {
                    while i < s.count, s[i] != "\n" { i += 1 }
                } else {
                    return
                }
            }
        }

        mutating func number(_ col: Int) throws(CELCompileError) -> Token {
            var text = ""
            if s[i] == "0", i + 1 < s.count, s[i + 1] == "x" || s[i + 1] == "X" {
                i += 2
                while i < s.count, Character(s[i]).isHexDigit { text.unicodeScalars.append(s[i]); i += 1 }
                let unsigned = i < s.count && (s[i] == "u" || s[i] == "U")
                if unsigned { i += 1 }
                if unsigned {
                    guard let v = UInt64(text, radix: 16) else { throw error("invalid uint literal") }
                    return Token(kind: .uint, text: "0x" + text + "u", value: .uint(v), line: line, column: col)
                }
                guard let v = Int64(text, radix: 16) else { throw error("invalid int literal") }
                return Token(kind: .int, text: "0x" + text, value: .int(v), line: line, column: col)
            }
            var isDouble = false
            while i < s.count {
                let c = s[i]
                if ("0"..."9").contains(c) {
                    text.unicodeScalars.append(c)
                } else if c == ".", i + 1 < s.count, ("0"..."9").contains(s[i + 1]), !isDouble {
                    isDouble = true
                    text.unicodeScalars.append(c)
                } else if c == "e" || c == "E" {
                    isDouble = true
                    text.unicodeScalars.append(c)
                    if i + 1 < s.count, s[i + 1] == "+" || s[i + 1] == "-" { i += 1; text.unicodeScalars.append(s[i]) }
                } else {
                    break
                }
                i += 1
            }
            if isDouble {
                guard let d = Double(text) else { throw error("invalid double literal") }
                return Token(kind: .double, text: text, value: .double(d), line: line, column: col)
            }
            if i < s.count, s[i] == "u" || s[i] == "U" {
                i += 1
                guard let v = UInt64(text) else { throw error("invalid uint literal") }
                return Token(kind: .uint, text: text + "u", value: .uint(v), line: line, column: col)
            }
            // 2^63 is an int only after a minus (the parser folds it into Int64.min).
            if text == "9223372036854775808" { return Token(kind: .int, text: text, value: nil, line: line, column: col) }
            guard let v = Int64(text) else { throw error("invalid int literal") }
            return Token(kind: .int, text: text, value: .int(v), line: line, column: col)
        }

        mutating func string(raw: Bool) throws(CELCompileError) -> String {
            let q = s[i]
            let triple = i + 2 < s.count && s[i + 1] == q && s[i + 2] == q
            i += triple ? 3 : 1
            var out = ""
            while true {
                guard i < s.count else { throw error("Syntax error: token recognition error at: unterminated string") }
                if triple {
                    if s[i] == q, i + 2 < s.count, s[i + 1] == q, s[i + 2] == q { i += 3; return out }
                } else if s[i] == q {
                    i += 1
                    return out
                } else if s[i] == "\n" {
                    throw error("Syntax error: token recognition error at: newline in string")
                }
                if s[i] == "\\", !raw {
                    i += 1
                    guard i < s.count else { continue }
                    let e = s[i]
                    i += 1
                    switch e {
                    case "n": out += "\n"
                    case "t": out += "\t"
                    case "r": out += "\r"
                    case "a": out += "\u{07}"
                    case "b": out += "\u{08}"
                    case "f": out += "\u{0C}"
                    case "v": out += "\u{0B}"
                    case "\\", "'", "\"", "`", "?": out.unicodeScalars.append(e)
                    case "x", "u", "U":
                        let n = e == "x" ? 2 : e == "u" ? 4 : 8
                        var hex = ""
                        for _ in 0..<n where i < s.count { hex.unicodeScalars.append(s[i]); i += 1 }
                        guard let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) else { throw error("invalid escape sequence") }
                        out.unicodeScalars.append(u)
                    default:
                        // Octal \ooo.
                        var oct = String(Character(e))
                        for _ in 0..<2 where i < s.count { oct.unicodeScalars.append(s[i]); i += 1 }
                        guard let v = UInt32(oct, radix: 8), let u = Unicode.Scalar(v) else { throw error("invalid escape sequence") }
                        out.unicodeScalars.append(u)
                    }
                    continue
                }
                if s[i] == "\n" {
                    line += 1
                    lineStart = i + 1
                }
                out.unicodeScalars.append(s[i])
                i += 1
            }
        }
    }

    // MARK: parsing

    struct Parser {
        let tokens: [Token]
        var p = 0
        var depth = 0

        var peek: Token { tokens[p] }

        func error(_ m: String) -> CELCompileError { CELCompileError(message: m, line: peek.line, column: peek.column) }

        mutating func next() -> Token {
            let t = tokens[p]
            if p < tokens.count - 1 { p += 1 }
            return t
        }

        mutating func accept(_ op: String) -> Bool {
            if peek.kind == .op, peek.text == op { p += 1; return true }
            return false
        }

        mutating func expect(_ op: String) throws(CELCompileError) {
            guard accept(op) else { throw error("Syntax error: mismatched input '\(peek.text)' expecting '\(op)'") }
        }

        mutating func nest() throws(CELCompileError) {
            depth += 1
            if depth > CELParser.maxDepth { throw error("expression recursion limit exceeded: \(CELParser.maxDepth)") }
        }

        mutating func expr() throws(CELCompileError) -> CELExpr {
            try nest()
            defer { depth -= 1 }
            let c = try binary()
            if accept("?") {
                let a = try binary()
                try expect(":")
                let b = try expr()
                return .conditional(c, a, b)
            }
            return c
        }

        /// Counts one more link of a chain (`a + b + c` nests as deep as it is long) until `restore`.
        mutating func link(_ links: inout Int) throws(CELCompileError) {
            links += 1
            try nest()
        }

        /// CEL's binary operators, loosest first; each level is left-associative.
        static let precedence: [Set<String>] = [["||"], ["&&"], ["<", "<=", ">", ">=", "==", "!=", "in"], ["+", "-"], ["*", "/", "%"]]

        /// The binary operators of `level` of ``precedence`` and tighter ones.
        mutating func binary(_ level: Int = 0) throws(CELCompileError) -> CELExpr {
            guard level < Self.precedence.count else { return try unary() }
            var links = 0
            defer { depth -= links }
            var e = try binary(level + 1)
            while peek.kind == .op || (peek.kind == .ident && peek.text == "in"), Self.precedence[level].contains(peek.text) {
                try link(&links)
                let op = next().text
                e = .binary(op, e, try binary(level + 1))
            }
            return e
        }

        mutating func unary() throws(CELCompileError) -> CELExpr {
            try nest()
            defer { depth -= 1 }
            if accept("!") { return .unary("!", try unary()) }
            if peek.kind == .op, peek.text == "-" {
                _ = next()
                // Fold negative literals so -9223372036854775808 parses.
                if peek.kind == .int, peek.text == "9223372036854775808" {
                    _ = next()
                    return try member(.literal(.int(Int64.min)))
                }
                return .unary("-", try unary())
            }
            return try member(try primary())
        }

        mutating func member(_ base: CELExpr) throws(CELCompileError) -> CELExpr {
            var links = 0
            defer { depth -= links }
            var e = base
            while true {
                if accept(".") {
                    try link(&links)
                    // `a.?b`: optional field selection (cel-go's `_?._`).
                    if accept("?") {
                        guard peek.kind == .ident else { throw error("Syntax error: mismatched input '\(peek.text)' expecting IDENTIFIER") }
                        e = .call(CELFunctions.optionalSelect, target: nil, args: [e, .literal(.string(next().text))])
                        continue
                    }
                    guard peek.kind == .ident else { throw error("Syntax error: mismatched input '\(peek.text)' expecting IDENTIFIER") }
                    let name = next().text
                    if accept("(") {
                        let args = try arguments(")")
                        e = try call(name, target: e, args: args)
                    } else {
                        e = .select(e, name)
                    }
                } else if accept("[") {
                    try link(&links)
                    // `a[?k]`: optional indexing (cel-go's `_[?_]`).
                    let optional = accept("?")
                    let i = try expr()
                    try expect("]")
                    e = optional ? .call(CELFunctions.optionalIndex, target: nil, args: [e, i]) : .index(e, i)
                } else {
                    return e
                }
            }
        }

        mutating func arguments(_ close: String) throws(CELCompileError) -> [CELExpr] {
            var args: [CELExpr] = []
            if accept(close) { return args }
            repeat {
                if peek.kind == .op, peek.text == close { break }  // trailing comma
                args.append(try expr())
            } while accept(",")
            try expect(close)
            return args
        }

        /// A call, with the macros turned into their nodes.
        mutating func call(_ name: String, target: CELExpr?, args: [CELExpr]) throws(CELCompileError) -> CELExpr {
            if target == nil, name == "has" {
                guard args.count == 1, case .select(let operand, let field) = args[0] else {
                    throw error("invalid argument to has() macro")
                }
                return .has(operand, field)
            }
            if let target, ["all", "exists", "exists_one", "map", "filter"].contains(name) {
                guard args.count == 2 || (name == "map" && args.count == 3), case .ident(let v) = args[0] else {
                    throw error("invalid argument to \(name)() macro: the first argument must be a simple name")
                }
                let filter = args.count == 3 ? args[1] : nil
                return .comprehension(kind: name, range: target, variable: v, filter: filter, body: args[args.count - 1])
            }
            // `sets.contains(a, b)`, `ip.isCanonical(s)`: functions of a namespace, not members.
            if case .ident(let ns)? = target, CELLibraries.namespaces.contains(ns), CELFunctions.known.contains(ns + "." + name) {
                return .call(ns + "." + name, target: nil, args: args)
            }
            return .call(name, target: target, args: args)
        }

        mutating func primary() throws(CELCompileError) -> CELExpr {
            try nest()
            defer { depth -= 1 }
            let t = next()
            switch t.kind {
            case .int, .uint, .double, .string, .bytes:
                guard let v = t.value else { throw CELCompileError(message: "invalid int literal", line: t.line, column: t.column) }
                return .literal(v)
            case .ident:
                switch t.text {
                case "true": return .literal(.bool(true))
                case "false": return .literal(.bool(false))
                case "null": return .literal(.null)
                default:
                    if accept("(") { return try call(t.text, target: nil, args: try arguments(")")) }
                    return .ident(t.text)
                }
            case .op:
                switch t.text {
                case "(":
                    let e = try expr()
                    try expect(")")
                    return e
                case "[":
                    // `[a, ?b]`: an optional element, left out when none.
                    var items: [CELExpr] = []
                    if accept("]") { return .list(items) }
                    repeat {
                        if peek.kind == .op, peek.text == "]" { break }
                        let optional = accept("?")
                        let x = try expr()
                        items.append(optional ? .call(CELFunctions.optionalEntry, target: nil, args: [x]) : x)
                    } while accept(",")
                    try expect("]")
                    return .list(items)
                case "{":
                    var entries: [(CELExpr, CELExpr)] = []
                    if accept("}") { return .map(entries) }
                    repeat {
                        if peek.kind == .op, peek.text == "}" { break }
                        // `{?k: v}`: an optional entry, left out when `v` is none.
                        let optional = accept("?")
                        var k = try expr()
                        if optional { k = .call(CELFunctions.optionalEntry, target: nil, args: [k]) }
                        try expect(":")
                        entries.append((k, try expr()))
                    } while accept(",")
                    try expect("}")
                    return .map(entries)
                case ".":
                    // A leading dot names from the root container: `.self` is `self`.
                    guard peek.kind == .ident else { throw error("Syntax error: mismatched input '\(peek.text)' expecting IDENTIFIER") }
                    return .ident(next().text)
                default:
                    p -= 1
                    throw error("Syntax error: mismatched input '\(t.text)' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}")
                }
            case .eof:
                throw error("Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}")
            }
        }
    }
}
