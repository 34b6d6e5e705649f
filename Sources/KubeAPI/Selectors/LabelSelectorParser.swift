/// Why a selector string could not be parsed.
public struct SelectorParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A parsed label selector: requirements that must all hold.
///
/// Parses the query syntax (`app=web,tier!=db,env in (prod,staging),!canary,release`)
/// and converts ``LabelSelector`` objects (matchLabels, matchExpressions).
public struct LabelRequirements: Sendable, Hashable, CustomStringConvertible {
    /// One requirement.
    public enum Requirement: Sendable, Hashable {
        case equals(String, String)
        case notEquals(String, String)
        case `in`(String, [String])
        case notIn(String, [String])
        case exists(String)
        case doesNotExist(String)
        case greaterThan(String, Int64)
        case lessThan(String, Int64)
    }

    /// All requirements; empty selects everything.
    public var requirements: [Requirement]
    /// A selector that selects nothing (a nil LabelSelector in some APIs).
    public var matchesNothing = false

    /// Selects everything.
    public static let everything = LabelRequirements(requirements: [])
    /// Selects nothing.
    public static let nothing: LabelRequirements = {
        var r = LabelRequirements(requirements: [])
        r.matchesNothing = true
        return r
    }()

    public init(requirements: [Requirement]) { self.requirements = requirements }

    /// Parses the query-string syntax.
    public init(parsing text: String) throws(SelectorParseError) {
        var lexer = LabelSelectorLexer(text)
        self.requirements = try lexer.parse()
    }

    /// Converts a ``LabelSelector`` object, validating its operators.
    public init(_ selector: LabelSelector) throws(SelectorParseError) {
        var reqs: [Requirement] = []
        for (k, v) in (selector.matchLabels ?? [:]).sorted(by: { $0.key < $1.key }) { reqs.append(.equals(k, v)) }
        for e in selector.matchExpressions ?? [] {
            let vals = e.values ?? []
            switch e.operator {
            case "In":
                guard !vals.isEmpty else { throw SelectorParseError(message: "values: Required value: must be specified when `operator` is 'In' or 'NotIn'") }
                reqs.append(.in(e.key, vals))
            case "NotIn":
                guard !vals.isEmpty else { throw SelectorParseError(message: "values: Required value: must be specified when `operator` is 'In' or 'NotIn'") }
                reqs.append(.notIn(e.key, vals))
            case "Exists":
                guard vals.isEmpty else { throw SelectorParseError(message: "values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'") }
                reqs.append(.exists(e.key))
            case "DoesNotExist":
                guard vals.isEmpty else { throw SelectorParseError(message: "values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'") }
                reqs.append(.doesNotExist(e.key))
            default:
                throw SelectorParseError(message: "operator: Invalid value: \"\(e.operator)\": not a valid selector operator")
            }
        }
        self.requirements = reqs
    }

    /// True when every requirement holds for these labels.
    public func matches(_ labels: [String: String]) -> Bool {
        if matchesNothing { return false }
        for r in requirements {
            switch r {
            case .equals(let k, let v): if labels[k] != v { return false }
            case .notEquals(let k, let v): if labels[k] == v { return false }
            case .in(let k, let vs): guard let l = labels[k], vs.contains(l) else { return false }
            case .notIn(let k, let vs): if let l = labels[k], vs.contains(l) { return false }
            case .exists(let k): if labels[k] == nil { return false }
            case .doesNotExist(let k): if labels[k] != nil { return false }
            case .greaterThan(let k, let n): guard let l = labels[k], let x = Int64(l), x > n else { return false }
            case .lessThan(let k, let n): guard let l = labels[k], let x = Int64(l), x < n else { return false }
            }
        }
        return true
    }

    /// True when there are no requirements.
    public var isEmpty: Bool { requirements.isEmpty && !matchesNothing }

    /// The query-string form, e.g. `app=web,tier in (a,b)`.
    public var description: String {
        requirements.map { r -> String in
            switch r {
            case .equals(let k, let v): return "\(k)=\(v)"
            case .notEquals(let k, let v): return "\(k)!=\(v)"
            case .in(let k, let vs): return "\(k) in (\(vs.sorted().joined(separator: ",")))"
            case .notIn(let k, let vs): return "\(k) notin (\(vs.sorted().joined(separator: ",")))"
            case .exists(let k): return k
            case .doesNotExist(let k): return "!\(k)"
            case .greaterThan(let k, let n): return "\(k)>\(n)"
            case .lessThan(let k, let n): return "\(k)<\(n)"
            }
        }.joined(separator: ",")
    }
}

extension LabelSelector {
    /// True when the selector matches these labels. An empty selector matches everything.
    public func matches(_ labels: [String: String]) -> Bool {
        guard let r = try? LabelRequirements(self) else { return false }
        return r.matches(labels)
    }

    /// The query-string form, for `labelSelector=` parameters.
    public var queryString: String { (try? LabelRequirements(self))?.description ?? "" }
}

struct LabelSelectorLexer {
    private let chars: [Character]
    private var pos = 0

    init(_ text: String) { self.chars = Array(text) }

    private mutating func skipSpaces() { while pos < chars.count, chars[pos] == " " { pos += 1 } }

    private func isKeyChar(_ c: Character) -> Bool {
        c.isLetter || c.isNumber || c == "-" || c == "_" || c == "." || c == "/"
    }

    private mutating func word() -> String {
        skipSpaces()
        let start = pos
        while pos < chars.count, isKeyChar(chars[pos]) { pos += 1 }
        return String(chars[start..<pos])
    }

    private func fail(_ m: String) -> SelectorParseError {
        SelectorParseError(message: "unable to parse requirement: \(m)")
    }

    mutating func parse() throws(SelectorParseError) -> [LabelRequirements.Requirement] {
        var out: [LabelRequirements.Requirement] = []
        skipSpaces()
        if pos == chars.count { return out }
        while true {
            out.append(try requirement())
            skipSpaces()
            if pos == chars.count { return out }
            guard chars[pos] == "," else { throw fail("found '\(chars[pos])', expected: ',' or end of string") }
            pos += 1
        }
    }

    private mutating func requirement() throws(SelectorParseError) -> LabelRequirements.Requirement {
        skipSpaces()
        var negated = false
        if pos < chars.count, chars[pos] == "!" {
            negated = true
            pos += 1
        }
        let key = word()
        guard !key.isEmpty else { throw fail("found '\(pos < chars.count ? String(chars[pos]) : "")', expected: identifier") }
        if let err = LabelValidation.qualifiedNameErrors(key).first {
            throw fail("invalid label key \"\(key)\": \(err)")
        }
        if negated { return .doesNotExist(key) }
        skipSpaces()
        if pos == chars.count || chars[pos] == "," { return .exists(key) }
        func rest(_ n: Int) -> String { String(chars[pos..<min(chars.count, pos + n)]) }
        if rest(2) == "==" {
            pos += 2
            return .equals(key, try value())
        }
        if rest(2) == "!=" {
            pos += 2
            return .notEquals(key, try value())
        }
        if rest(1) == "=" {
            pos += 1
            return .equals(key, try value())
        }
        if rest(1) == ">" || rest(1) == "<" {
            let gt = rest(1) == ">"
            pos += 1
            let v = try value()
            guard let n = Int64(v) else { throw fail("for 'Gt', 'Lt' operators, the value must be an integer") }
            return gt ? .greaterThan(key, n) : .lessThan(key, n)
        }
        let op = word()
        switch op {
        case "in": return .in(key, try valueSet())
        case "notin": return .notIn(key, try valueSet())
        default: throw fail("found '\(op)', expected: in, notin, =, ==, !=, gt, lt")
        }
    }

    private mutating func value() throws(SelectorParseError) -> String {
        let v = word()
        if !v.isEmpty, let err = LabelValidation.labelValueErrors(v).first {
            throw fail("invalid label value: \"\(v)\": \(err)")
        }
        return v
    }

    private mutating func valueSet() throws(SelectorParseError) -> [String] {
        skipSpaces()
        guard pos < chars.count, chars[pos] == "(" else { throw fail("found '', expected: '('") }
        pos += 1
        var vals: [String] = []
        while true {
            let v = try value()
            vals.append(v)
            skipSpaces()
            guard pos < chars.count else { throw fail("found '', expected: ',', ')'") }
            if chars[pos] == "," {
                pos += 1
                continue
            }
            if chars[pos] == ")" {
                pos += 1
                break
            }
            throw fail("found '\(chars[pos])', expected: ',', ')'")
        }
        return vals
    }
}
