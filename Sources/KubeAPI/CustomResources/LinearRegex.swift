/// A regular expression in RE2's syntax (the one Go's `regexp`, and so
/// Kubernetes' `pattern` and CEL's `matches()`, use) matched in time linear in
/// the input: the pattern compiles to a program that a Pike VM runs over all
/// threads at once, so no pattern can make a match backtrack exponentially
/// (`^(a+)+$` against a long run of `a`s followed by `b` costs what `^a+$` does).
///
/// Supported: literals and escapes (`\.`, `\n`, `\t`, `\xHH`, `\x{H…}`),
/// `.`, classes (`[a-z]`, `[^…]`, `\d \w \s` and their negations, POSIX
/// `[[:alpha:]]`), groups (`(…)`, `(?:…)`, `(?P<name>…)`, `(?<name>…)`),
/// alternation, `* + ? {n} {n,} {n,m}` and their lazy forms (which change
/// what ``firstMatch(in:)`` finds, not whether there is a match), anchors `^ $ \A \z` and `\b \B`, and the
/// flags `(?i)` `(?s)` at the start. Unicode classes (`\pL`) and other flags
/// are refused with an error that names them.
public struct LinearRegex: Sendable {
    /// The pattern as written.
    public let pattern: String
    let program: [Instruction]
    let caseInsensitive: Bool

    /// The largest program a pattern may compile to (RE2 refuses counted
    /// repetitions over 1000 for the same reason: `(a{1000}){1000}` is huge).
    public static let maxProgramSize = 20_000

    /// A pattern that does not compile, with the reason worded as Go's `regexp` does.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Compiles `pattern`, or throws ``SyntaxError``.
    public init(_ pattern: String) throws(SyntaxError) {
        self.pattern = pattern
        var parser = Parser(Array(pattern.unicodeScalars))
        let node = try parser.parseAll()
        caseInsensitive = parser.caseInsensitive
        var compiler = Compiler(caseInsensitive: parser.caseInsensitive, dotAll: parser.dotAll)
        try compiler.emit(node)
        compiler.program.append(.match)
        program = compiler.program
    }

    /// True when the pattern matches somewhere in `s` (Go's `MatchString`: unanchored unless the pattern says `^`/`$`).
    public func matches(_ s: String) -> Bool {
        let input = Array(s.unicodeScalars)
        var current = ThreadList(capacity: program.count)
        var next = ThreadList(capacity: program.count)
        for i in 0...input.count {
            // Unanchored search: a new thread starts at every position.
            if add(&current, 0, at: i, input) { return true }
            if current.pcs.isEmpty {
                // Nothing alive (an assertion failed here): the next position starts afresh.
                current.clear()
                continue
            }
            guard i < input.count else { break }
            let c = input[i]
            next.clear()
            for pc in current.pcs {
                switch program[pc] {
                case .scalar(let want):
                    if want == c || (caseInsensitive && Self.fold(want) == Self.fold(c)) {
                        if add(&next, pc + 1, at: i + 1, input) { return true }
                    }
                case .anyExceptNewline:
                    if c != "\n", add(&next, pc + 1, at: i + 1, input) { return true }
                case .any:
                    if add(&next, pc + 1, at: i + 1, input) { return true }
                case .set(let set):
                    if set.contains(c, caseInsensitive: caseInsensitive), add(&next, pc + 1, at: i + 1, input) { return true }
                default:
                    break
                }
            }
            swap(&current, &next)
        }
        return false
    }

    /// The leftmost-first match in `s` at or after scalar offset `from`, as
    /// Go's `FindStringIndex` finds it (alternatives and repetitions in their
    /// order of preference), in scalar offsets; nil when there is none. Linear:
    /// the threads run in preference order, each remembering where it began.
    public func firstMatch(in input: [Unicode.Scalar], from: Int = 0) -> Range<Int>? {
        var scratch = Scratch(capacity: program.count)
        var steps = 0
        return firstMatch(in: input, from: from, &scratch, steps: &steps)
    }

    /// Thread lists reused across the searches of ``allMatches(in:limit:steps:)``.
    struct Scratch {
        var current: ThreadList
        var next: ThreadList
        var currentStarts: [Int] = []
        var nextStarts: [Int] = []
        init(capacity: Int) {
            current = ThreadList(capacity: capacity)
            next = ThreadList(capacity: capacity)
        }
    }

    /// `steps` grows by the positions the search went through.
    func firstMatch(in input: [Unicode.Scalar], from: Int, _ scratch: inout Scratch, steps: inout Int) -> Range<Int>? {
        scratch.current.clear()
        scratch.currentStarts.removeAll(keepingCapacity: true)
        var found: Range<Int>?
        var i = from
        while i <= input.count {
            steps += 1
            // A new thread starts here, last in preference, until something matched.
            if found == nil {
                let before = scratch.current.pcs.count
                if add(&scratch.current, 0, at: i, input) { found = i..<i }
                scratch.currentStarts += Array(repeating: i, count: scratch.current.pcs.count - before)
            }
            if scratch.current.pcs.isEmpty {
                if found != nil || i == input.count { break }
                // Nothing alive (an assertion failed here): the next position starts afresh.
                scratch.current.clear()
                i += 1
                continue
            }
            if i == input.count { break }
            let c = input[i]
            scratch.next.clear()
            scratch.nextStarts.removeAll(keepingCapacity: true)
            for (k, pc) in scratch.current.pcs.enumerated() {
                let advances: Bool
                switch program[pc] {
                case .scalar(let want): advances = want == c || (caseInsensitive && Self.fold(want) == Self.fold(c))
                case .anyExceptNewline: advances = c != "\n"
                case .any: advances = true
                case .set(let set): advances = set.contains(c, caseInsensitive: caseInsensitive)
                default: advances = false
                }
                guard advances else { continue }
                let before = scratch.next.pcs.count
                let matched = add(&scratch.next, pc + 1, at: i + 1, input)
                scratch.nextStarts += Array(repeating: scratch.currentStarts[k], count: scratch.next.pcs.count - before)
                if matched {
                    // Threads after this one are less preferred: they stop here.
                    found = scratch.currentStarts[k]..<(i + 1)
                    break
                }
            }
            swap(&scratch.current, &scratch.next)
            swap(&scratch.currentStarts, &scratch.nextStarts)
            i += 1
        }
        return found
    }

    /// Every match, left to right, as Go's `FindAllString` finds them (an
    /// empty match right after a previous match is skipped); at most `limit`
    /// when it is not negative. Each search may run to the end of the input
    /// (as Go's does), so the whole can take quadratic time: it stops once the
    /// positions gone through pass `maxSteps`, and `steps` says how many that was
    /// (callers charge for them).
    public func allMatches(in input: [Unicode.Scalar], limit: Int = -1, maxSteps: Int = .max, steps: inout Int) -> [Range<Int>] {
        var scratch = Scratch(capacity: program.count)
        var out: [Range<Int>] = []
        var position = 0
        var previousEnd = -1
        while position <= input.count, limit < 0 || out.count < limit, steps <= maxSteps,
              let m = firstMatch(in: input, from: position, &scratch, steps: &steps) {
            var accept = true
            if m.isEmpty {
                if m.lowerBound == previousEnd { accept = false }
                position = m.upperBound + 1
            } else {
                position = m.upperBound
            }
            previousEnd = m.upperBound
            if accept { out.append(m) }
        }
        return out
    }

    /// ``allMatches(in:limit:maxSteps:steps:)`` without a bound.
    public func allMatches(in input: [Unicode.Scalar], limit: Int = -1) -> [Range<Int>] {
        var steps = 0
        return allMatches(in: input, limit: limit, steps: &steps)
    }

    /// Follows jumps, splits and assertions from `pc` at position `i`; true when it reaches `match`.
    private func add(_ list: inout ThreadList, _ pc: Int, at i: Int, _ input: [Unicode.Scalar]) -> Bool {
        var stack = [pc]
        while let pc = stack.popLast() {
            guard list.mark(pc) else { continue }
            switch program[pc] {
            case .match: return true
            case .jump(let to): stack.append(to)
            case .split(let a, let b):
                stack.append(b)
                stack.append(a)
            case .assert(let a):
                if a.holds(at: i, input) { stack.append(pc + 1) }
            default: list.pcs.append(pc)
            }
        }
        return false
    }

    static func fold(_ c: Unicode.Scalar) -> Unicode.Scalar {
        (c.value >= 65 && c.value <= 90) ? Unicode.Scalar(c.value + 32) ?? c : c
    }

    enum Assertion: Sendable {
        case beginText, endText, wordBoundary, notWordBoundary

        func holds(at i: Int, _ input: [Unicode.Scalar]) -> Bool {
            switch self {
            case .beginText: return i == 0
            case .endText: return i == input.count
            case .wordBoundary, .notWordBoundary:
                let before = i > 0 && ScalarSet.isWord(input[i - 1])
                let after = i < input.count && ScalarSet.isWord(input[i])
                return (before != after) == (self == .wordBoundary)
            }
        }
    }

    enum Instruction: Sendable {
        case scalar(Unicode.Scalar)
        case anyExceptNewline
        case any
        case set(ScalarSet)
        case split(Int, Int)
        case jump(Int)
        case assert(Assertion)
        case match
    }

    /// The program counters live at one input position, each at most once.
    struct ThreadList {
        var pcs: [Int] = []
        var seen: [Int]
        var generation = 1

        init(capacity: Int) { seen = Array(repeating: 0, count: capacity) }

        mutating func clear() {
            pcs.removeAll(keepingCapacity: true)
            generation += 1
        }

        /// Marks `pc` as visited; false when it already was.
        mutating func mark(_ pc: Int) -> Bool {
            if seen[pc] == generation { return false }
            seen[pc] = generation
            return true
        }
    }
}

/// A set of scalars as ranges, possibly negated.
struct ScalarSet: Sendable {
    var ranges: [ClosedRange<UInt32>] = []
    var negated = false

    func contains(_ c: Unicode.Scalar, caseInsensitive: Bool) -> Bool {
        var hit = ranges.contains { $0.contains(c.value) }
        if !hit, caseInsensitive {
            let v = c.value
            let other: UInt32? = (65...90).contains(v) ? v + 32 : (97...122).contains(v) ? v - 32 : nil
            if let other { hit = ranges.contains { $0.contains(other) } }
        }
        return hit != negated
    }

    static func isWord(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (48...57).contains(v) || (65...90).contains(v) || (97...122).contains(v) || v == 95
    }

    static let digit: [ClosedRange<UInt32>] = [48...57]
    static let word: [ClosedRange<UInt32>] = [48...57, 65...90, 95...95, 97...122]
    static let space: [ClosedRange<UInt32>] = [9...10, 12...13, 32...32]
    static let posix: [String: [ClosedRange<UInt32>]] = [
        "alnum": [48...57, 65...90, 97...122], "alpha": [65...90, 97...122], "ascii": [0...127], "blank": [9...9, 32...32],
        "cntrl": [0...31, 127...127], "digit": digit, "graph": [33...126], "lower": [97...122], "print": [32...126],
        "punct": [33...47, 58...64, 91...96, 123...126], "space": [9...13, 32...32], "upper": [65...90], "word": word,
        "xdigit": [48...57, 65...70, 97...102],
    ]

    /// The complement of `ranges` over all scalars.
    static func complement(_ ranges: [ClosedRange<UInt32>]) -> [ClosedRange<UInt32>] {
        var out: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if r.lowerBound > next { out.append(next...(r.lowerBound - 1)) }
            next = max(next, r.upperBound &+ 1)
        }
        if next <= 0x10FFFF { out.append(next...0x10FFFF) }
        return out
    }
}

extension LinearRegex {
    indirect enum Node {
        case empty
        case scalar(Unicode.Scalar)
        case dot
        case set(ScalarSet)
        case assert(Assertion)
        case concat([Node])
        case alternate([Node])
        case repeat_(Node, min: Int, max: Int?, lazy: Bool)
    }

    struct Parser {
        let s: [Unicode.Scalar]
        var i = 0
        var caseInsensitive = false
        var dotAll = false
        var depth = 0

        init(_ s: [Unicode.Scalar]) { self.s = s }

        func error(_ what: String) -> SyntaxError { SyntaxError(description: "error parsing regexp: \(what)") }

        mutating func parseAll() throws(SyntaxError) -> Node {
            // Leading flags: (?i), (?s), (?is).
            while i + 2 < s.count, s[i] == "(", s[i + 1] == "?" {
                var j = i + 2
                var flags: [Unicode.Scalar] = []
                while j < s.count, s[j] == "i" || s[j] == "s" { flags.append(s[j]); j += 1 }
                guard !flags.isEmpty, j < s.count, s[j] == ")" else { break }
                if flags.contains("i") { caseInsensitive = true }
                if flags.contains("s") { dotAll = true }
                i = j + 1
            }
            let node = try parseAlternation()
            if i < s.count { throw error("unexpected ): `\(String(String.UnicodeScalarView(s)))`") }
            return node
        }

        mutating func parseAlternation() throws(SyntaxError) -> Node {
            depth += 1
            defer { depth -= 1 }
            if depth > 200 { throw error("expression nests too deeply") }
            var branches = [try parseConcat()]
            while i < s.count, s[i] == "|" {
                i += 1
                branches.append(try parseConcat())
            }
            return branches.count == 1 ? branches[0] : .alternate(branches)
        }

        mutating func parseConcat() throws(SyntaxError) -> Node {
            var items: [Node] = []
            while i < s.count, s[i] != "|", s[i] != ")" {
                var atom = try parseAtom()
                while i < s.count, let (lo, hi) = try parseQuantifier() {
                    if case .assert = atom { throw error("missing argument to repetition operator") }
                    var lazy = false
                    if i < s.count, s[i] == "?" {
                        i += 1
                        lazy = true
                    }
                    atom = .repeat_(atom, min: lo, max: hi, lazy: lazy)
                    if i < s.count, ["*", "+", "?"].contains(s[i]) {
                        throw error("invalid nested repetition operator: `\(s[i])`")
                    }
                }
                items.append(atom)
            }
            return items.count == 1 ? items[0] : items.isEmpty ? .empty : .concat(items)
        }

        /// `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}` at the cursor, or nil.
        mutating func parseQuantifier() throws(SyntaxError) -> (Int, Int?)? {
            switch s[i] {
            case "*": i += 1; return (0, nil)
            case "+": i += 1; return (1, nil)
            case "?": i += 1; return (0, 1)
            case "{":
                var j = i + 1
                func number(_ j: inout Int) -> Int? {
                    var n: Int?
                    while j < s.count, let d = Int(String(s[j])), s[j].isASCII {
                        n = (n ?? 0) * 10 + d
                        if n ?? 0 > 100_000 { return nil }
                        j += 1
                    }
                    return n
                }
                guard let lo = number(&j) else { return nil }  // a literal `{`
                var hi: Int? = lo
                if j < s.count, s[j] == "," {
                    j += 1
                    hi = number(&j)
                }
                guard j < s.count, s[j] == "}" else { return nil }
                let text = String(String.UnicodeScalarView(s[i...j]))
                if lo > 1000 || (hi ?? 0) > 1000 || (hi.map { $0 < lo } ?? false) { throw error("invalid repeat count: `\(text)`") }
                i = j + 1
                return (lo, hi)
            default: return nil
            }
        }

        mutating func parseAtom() throws(SyntaxError) -> Node {
            let c = s[i]
            i += 1
            switch c {
            case ".": return .dot
            case "^": return .assert(.beginText)
            case "$": return .assert(.endText)
            case "*", "+", "?": throw error("missing argument to repetition operator: `\(c)`")
            case "[": return .set(try parseClass())
            case "\\": return try parseEscape(inClass: false).node
            case "(":
                if i < s.count, s[i] == "?" {
                    i += 1
                    if i < s.count, s[i] == ":" {
                        i += 1
                    } else if i < s.count, s[i] == "P" || s[i] == "<" {
                        // (?P<name>…) or (?<name>…): captures do not matter for a match.
                        if s[i] == "P" { i += 1 }
                        guard i < s.count, s[i] == "<" else { throw error("invalid named capture") }
                        while i < s.count, s[i] != ">" { i += 1 }
                        guard i < s.count else { throw error("invalid named capture") }
                        i += 1
                    } else {
                        throw error("invalid or unsupported Perl syntax: `(?\(i < s.count ? String(s[i]) : "")`")
                    }
                }
                let inner = try parseAlternation()
                guard i < s.count, s[i] == ")" else { throw error("missing closing ): `\(String(String.UnicodeScalarView(s)))`") }
                i += 1
                return inner
            case ")": throw error("unexpected )")
            default: return .scalar(c)
            }
        }

        enum Escape { case scalar(Unicode.Scalar), ranges([ClosedRange<UInt32>]), node(Node) }

        /// After a backslash: a literal, a class, or (outside classes) an assertion.
        mutating func parseEscape(inClass: Bool) throws(SyntaxError) -> (node: Node, escape: Escape) {
            guard i < s.count else { throw error("trailing backslash at end of expression") }
            let c = s[i]
            i += 1
            func lit(_ u: Unicode.Scalar) -> (Node, Escape) { (.scalar(u), .scalar(u)) }
            func cls(_ r: [ClosedRange<UInt32>]) -> (Node, Escape) { (.set(ScalarSet(ranges: r)), .ranges(r)) }
            switch c {
            case "d": return cls(ScalarSet.digit)
            case "D": return cls(ScalarSet.complement(ScalarSet.digit))
            case "w": return cls(ScalarSet.word)
            case "W": return cls(ScalarSet.complement(ScalarSet.word))
            case "s": return cls(ScalarSet.space)
            case "S": return cls(ScalarSet.complement(ScalarSet.space))
            case "n": return lit("\n")
            case "t": return lit("\t")
            case "r": return lit("\r")
            case "f": return lit("\u{0C}")
            case "v": return lit("\u{0B}")
            case "a": return lit("\u{07}")
            case "b" where !inClass: return (.assert(.wordBoundary), .scalar("b"))
            case "B" where !inClass: return (.assert(.notWordBoundary), .scalar("B"))
            case "A" where !inClass: return (.assert(.beginText), .scalar("A"))
            case "z" where !inClass: return (.assert(.endText), .scalar("z"))
            case "x":
                var hex = ""
                if i < s.count, s[i] == "{" {
                    i += 1
                    while i < s.count, s[i] != "}" { hex.unicodeScalars.append(s[i]); i += 1 }
                    i += 1
                } else {
                    for _ in 0..<2 where i < s.count { hex.unicodeScalars.append(s[i]); i += 1 }
                }
                guard let v = UInt32(hex, radix: 16), let u = Unicode.Scalar(v) else { throw error("invalid escape sequence: `\\x\(hex)`") }
                return lit(u)
            case "p", "P": throw error("invalid character class range: `\\\(c)` (Unicode classes are not supported here)")
            default:
                // Punctuation escapes itself; letters and digits that are not escapes are errors, as in RE2.
                if c.properties.isAlphabetic || ("0"..."9").contains(c) { throw error("invalid escape sequence: `\\\(c)`") }
                return lit(c)
            }
        }

        mutating func parseClass() throws(SyntaxError) -> ScalarSet {
            var set = ScalarSet()
            if i < s.count, s[i] == "^" { set.negated = true; i += 1 }
            var first = true
            while i < s.count, s[i] != "]" || first {
                first = false
                if s[i] == "[", i + 1 < s.count, s[i + 1] == ":" {
                    var j = i + 2
                    var name = ""
                    while j < s.count, s[j] != ":" { name.unicodeScalars.append(s[j]); j += 1 }
                    let negate = name.hasPrefix("^")
                    if negate { name.removeFirst() }
                    guard j + 1 < s.count, s[j + 1] == "]", let r = ScalarSet.posix[name] else {
                        throw error("invalid character class range: `[:\(name):]`")
                    }
                    set.ranges += negate ? ScalarSet.complement(r) : r
                    i = j + 2
                    continue
                }
                let lo: UInt32
                if s[i] == "\\" {
                    i += 1
                    switch try parseEscape(inClass: true).escape {
                    case .ranges(let r): set.ranges += r; continue
                    case .scalar(let u): lo = u.value
                    case .node: continue
                    }
                } else {
                    lo = s[i].value
                    i += 1
                }
                if i + 1 < s.count, s[i] == "-", s[i + 1] != "]" {
                    i += 1
                    var hi: UInt32
                    if s[i] == "\\" {
                        i += 1
                        guard case .scalar(let u) = try parseEscape(inClass: true).escape else { throw error("invalid character class range") }
                        hi = u.value
                    } else {
                        hi = s[i].value
                        i += 1
                    }
                    if hi < lo { throw error("invalid character class range: `\(Unicode.Scalar(lo).map(String.init) ?? "")-\(Unicode.Scalar(hi).map(String.init) ?? "")`") }
                    set.ranges.append(lo...hi)
                } else {
                    set.ranges.append(lo...lo)
                }
            }
            guard i < s.count else { throw error("missing closing ]: `[\(String(String.UnicodeScalarView(s)))`") }
            i += 1
            return set
        }
    }

    struct Compiler {
        var program: [Instruction] = []
        let caseInsensitive: Bool
        let dotAll: Bool

        mutating func append(_ ins: Instruction) throws(SyntaxError) {
            if program.count >= LinearRegex.maxProgramSize {
                throw SyntaxError(description: "error parsing regexp: expression too large")
            }
            program.append(ins)
        }

        mutating func emit(_ node: Node) throws(SyntaxError) {
            switch node {
            case .empty: break
            case .scalar(let c): try append(.scalar(c))
            case .dot: try append(dotAll ? .any : .anyExceptNewline)
            case .set(let set): try append(.set(set))
            case .assert(let a): try append(.assert(a))
            case .concat(let items): for n in items { try emit(n) }
            case .alternate(let branches):
                // split L1, next; L1: a; jump end; next: split L2, …
                var jumps: [Int] = []
                for (k, b) in branches.enumerated() {
                    if k < branches.count - 1 {
                        let split = program.count
                        try append(.split(split + 1, 0))
                        try emit(b)
                        jumps.append(program.count)
                        try append(.jump(0))
                        program[split] = .split(split + 1, program.count)
                    } else {
                        try emit(b)
                    }
                }
                for j in jumps { program[j] = .jump(program.count) }
            case .repeat_(let n, let lo, let hi, let lazy):
                // A split prefers its first branch: the body when greedy, what follows when lazy.
                func split(_ body: Int, _ end: Int) -> Instruction { lazy ? .split(end, body) : .split(body, end) }
                for _ in 0..<lo { try emit(n) }
                if let hi {
                    // Optional copies: split into the copy or past all of them.
                    var splits: [Int] = []
                    for _ in lo..<hi {
                        splits.append(program.count)
                        try append(.split(0, 0))
                        try emit(n)
                    }
                    for sp in splits { program[sp] = split(sp + 1, program.count) }
                } else {
                    // L: split body, end; body; jump L
                    let loop = program.count
                    try append(.split(loop + 1, 0))
                    try emit(n)
                    try append(.jump(loop))
                    program[loop] = split(loop + 1, program.count)
                }
            }
        }
    }
}
