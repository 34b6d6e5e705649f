/// Evaluates ``CELExpr`` with CEL's semantics (errors are values that `&&`,
/// `||` and `?:` can step over; no implicit conversions; overflow and
/// division by zero are errors) and charges a cost for every step, as cel-go
/// does, so no expression can run past ``costLimit``: the evaluation stops
/// with `operation cancelled: actual cost limit exceeded`.
public struct CELEvaluator {
    /// What an evaluation ended with instead of a value.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// A CEL error value (`no such key: x`, `division by zero`, …).
        case error(String)
        /// The cost limit was reached; nothing absorbs this.
        case costExceeded

        public var description: String {
            switch self {
            case .error(let m): return m
            case .costExceeded: return "operation cancelled: actual cost limit exceeded"
            }
        }
    }

    /// Upstream's limit for one evaluation of one expression (`celconfig.PerCallLimit`).
    public static let perCallLimit: Int64 = 1_000_000

    public let costLimit: Int64
    /// The cost charged so far.
    public private(set) var cost: Int64 = 0
    var bindings: [String: CELValue]
    var regexes: [String: LinearRegex] = [:]

    /// Answers the authorizer library's checks; nil where no `authorizer` is bound.
    public var authorize: CELAuthorize?

    public init(bindings: [String: CELValue], costLimit: Int64 = CELEvaluator.perCallLimit) {
        self.bindings = bindings
        self.costLimit = costLimit
    }

    mutating func charge(_ n: Int64) throws(Failure) {
        cost += n
        if cost > costLimit { throw .costExceeded }
    }

    /// The value of `e`, or the failure.
    public mutating func evaluate(_ e: CELExpr) throws(Failure) -> CELValue {
        try charge(1)
        switch e {
        case .literal(let v): return v
        case .ident(let name):
            if let v = bindings[name] { return v }
            if CELValue.typeNames.contains(name) { return .type(name) }
            throw .error("no such attribute: \(name)")
        case .select(let x, let field):
            return try select(try evaluate(x), field)
        case .has(let x, let field):
            switch try evaluate(x) {
            case .map(let m): return .bool(m[.string(field)] != nil)
            case .optional(let o): return .bool(o.map { if case .map(let m) = $0 { m[.string(field)] != nil } else { false } } ?? false)
            case let v: throw .error("no such overload: has() on \(v.typeName)")
            }
        case .index(let x, let i):
            return try index(try evaluate(x), try evaluate(i))
        case .call(let name, let target, let args):
            var t: CELValue?
            if let target { t = try evaluate(target) }
            var values: [CELValue] = []
            for a in args { values.append(try evaluate(a)) }
            return try CELFunctions.call(name, target: t, values, &self)
        case .list(let items):
            var out: [CELValue] = []
            for x in items {
                if case .call(CELFunctions.optionalEntry, nil, let inner) = x, inner.count == 1 {
                    if let v = try optionalEntry(inner[0]) { out.append(v) }
                } else {
                    out.append(try evaluate(x))
                }
            }
            return .list(out)
        case .map(let entries):
            var out: [CELValue: CELValue] = [:]
            for (k, v) in entries {
                var optional = false
                var keyExpr = k
                if case .call(CELFunctions.optionalEntry, nil, let inner) = k, inner.count == 1 {
                    optional = true
                    keyExpr = inner[0]
                }
                let key = try evaluate(keyExpr)
                guard out[key] == nil else { throw .error("Failed with repeated key: \(key)") }
                if optional {
                    if let value = try optionalEntry(v) { out[key] = value }
                } else {
                    out[key] = try evaluate(v)
                }
            }
            return .map(out)
        case .unary(let op, let x):
            let v = try evaluate(x)
            switch (op, v) {
            case ("!", .bool(let b)): return .bool(!b)
            case ("-", .int(let i)):
                guard i != .min else { throw .error("integer overflow") }
                return .int(-i)
            case ("-", .double(let d)): return .double(-d)
            case ("-", .duration(let n)): return .duration(-n)
            default: throw .error("no such overload: \(op)\(v.typeName)")
            }
        case .binary("&&", let a, let b):
            return try logical(a, b, absorbing: false)
        case .binary("||", let a, let b):
            return try logical(a, b, absorbing: true)
        case .binary(let op, let a, let b):
            return try CELOperators.apply(op, try evaluate(a), try evaluate(b), &self)
        case .conditional(let c, let a, let b):
            guard case .bool(let cond) = try evaluate(c) else { throw .error("no such overload: conditional on non-bool") }
            return try evaluate(cond ? a : b)
        case .comprehension(let kind, let range, let variable, let filter, let body):
            return try comprehension(kind, try evaluate(range), variable, filter, body)
        }
    }

    /// `&&` (absorbing false) and `||` (absorbing true) in either order, errors stepped over when the other side decides.
    mutating func logical(_ a: CELExpr, _ b: CELExpr, absorbing: Bool) throws(Failure) -> CELValue {
        var firstError: Failure?
        for side in [a, b] {
            do {
                switch try evaluate(side) {
                case .bool(let v) where v == absorbing: return .bool(absorbing)
                case .bool: continue
                case let v: firstError = firstError ?? .error("no such overload: \(absorbing ? "||" : "&&") on \(v.typeName)")
                }
            } catch .costExceeded {
                throw .costExceeded
            } catch {
                firstError = firstError ?? error
            }
        }
        if let firstError { throw firstError }
        return .bool(!absorbing)
    }

    /// The value of an optional element or entry (`[?x]`, `{?k: x}`): nil when none.
    mutating func optionalEntry(_ e: CELExpr) throws(Failure) -> CELValue? {
        guard case .optional(let o) = try evaluate(e) else {
            throw .error("no such overload: optional element of type \(e) is not an optional")
        }
        return o
    }

    func select(_ v: CELValue, _ field: String) throws(Failure) -> CELValue {
        switch v {
        case .map(let m):
            guard let x = m[.string(field)] else { throw .error("no such key: \(field)") }
            return x
        case .optional(let o):
            guard case .map(let m)? = o else { return .optional(nil) }
            return .optional(m[.string(field)])
        case .object(.authz(var c)) where c.stage == .authorizer && field == "requestResource":
            c.stage = .resource
            return .object(.authz(c))
        default:
            throw .error("no such overload: field selection '\(field)' on \(v.typeName)")
        }
    }

    func index(_ v: CELValue, _ i: CELValue) throws(Failure) -> CELValue {
        switch v {
        case .list(let l):
            let n: Int64
            switch i {
            case .int(let x): n = x
            case .uint(let x) where x <= UInt64(Int64.max): n = Int64(x)
            case .double(let d) where d.rounded() == d && abs(d) < 9e18: n = Int64(d)
            default: throw .error("unsupported index type '\(i.typeName)' in list")
            }
            guard n >= 0, n < Int64(l.count) else { throw .error("index out of bounds: \(n)") }
            return l[Int(n)]
        case .map(let m):
            if let x = m[i] { return x }
            // Numeric keys compare across int, uint and double.
            if let k = CELOperators.number(i), let hit = m.first(where: { CELOperators.number($0.key) == k }) { return hit.value }
            throw .error("no such key: \(i.stringValue ?? i.description)")
        default:
            throw .error("no such overload: index on \(v.typeName)")
        }
    }

    mutating func comprehension(_ kind: String, _ range: CELValue, _ variable: String, _ filter: CELExpr?,
                                _ body: CELExpr) throws(Failure) -> CELValue {
        let items: [CELValue]
        switch range {
        case .list(let l): items = l
        case .map(let m): items = Array(m.keys).sorted { $0.description < $1.description }
        default: throw .error("no such overload: \(kind)() on \(range.typeName)")
        }
        let saved = bindings[variable]
        defer { bindings[variable] = saved }
        var outcome: CELValue
        switch kind {
        case "all", "exists":
            let decisive = kind == "exists"
            var firstError: Failure?
            for item in items {
                try charge(1)
                bindings[variable] = item
                do throws(Failure) {
                    guard case .bool(let b) = try evaluate(body) else { throw Failure.error("no such overload: \(kind)() predicate is not a bool") }
                    if b == decisive { return .bool(decisive) }
                } catch .costExceeded {
                    throw .costExceeded
                } catch {
                    firstError = firstError ?? error
                }
            }
            if let firstError { throw firstError }
            outcome = .bool(!decisive)
        case "exists_one":
            var count = 0
            for item in items {
                try charge(1)
                bindings[variable] = item
                guard case .bool(let b) = try evaluate(body) else { throw .error("no such overload: exists_one() predicate is not a bool") }
                if b { count += 1 }
            }
            outcome = .bool(count == 1)
        case "filter":
            var out: [CELValue] = []
            for item in items {
                try charge(1)
                bindings[variable] = item
                guard case .bool(let b) = try evaluate(body) else { throw .error("no such overload: filter() predicate is not a bool") }
                if b { out.append(item) }
            }
            outcome = .list(out)
        default:  // map
            var out: [CELValue] = []
            for item in items {
                try charge(1)
                bindings[variable] = item
                if let filter {
                    guard case .bool(let keep) = try evaluate(filter) else { throw .error("no such overload: map() filter is not a bool") }
                    if !keep { continue }
                }
                out.append(try evaluate(body))
            }
            outcome = .list(out)
        }
        return outcome
    }

    /// A compiled pattern, kept for the rest of the evaluation.
    mutating func regex(_ pattern: String) throws(Failure) -> LinearRegex {
        if let r = regexes[pattern] { return r }
        let r: LinearRegex
        do { r = try LinearRegex(pattern) } catch { throw .error(error.description) }
        try charge(Int64(pattern.utf8.count / 10 + 1))
        regexes[pattern] = r
        return r
    }
}

/// CEL's operators over values.
enum CELOperators {
    /// A number of any numeric kind as a double, for comparisons across kinds.
    static func number(_ v: CELValue) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .uint(let u): return Double(u)
        case .double(let d): return d
        default: return nil
        }
    }

    /// CEL's heterogeneous equality: numbers by value across kinds, containers element-wise, other kinds never equal.
    static func equal(_ a: CELValue, _ b: CELValue) -> Bool {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x == y
        case (.uint(let x), .uint(let y)): return x == y
        case (.int, .uint), (.uint, .int), (.int, .double), (.double, .int), (.uint, .double), (.double, .uint), (.double, .double):
            return number(a) == number(b)
        case (.list(let x), .list(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.map(let x), .map(let y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { equal(v, $0) } ?? false }
        case (.optional(let x), .optional(let y)):
            switch (x, y) {
            case (nil, nil): return true
            case (let p?, let q?): return equal(p, q)
            default: return false
            }
        default: return a == b
        }
    }

    /// -1, 0 or 1, or nil when the kinds have no order.
    static func compare(_ a: CELValue, _ b: CELValue) -> Int? {
        func cmp<T: Comparable>(_ x: T, _ y: T) -> Int { x < y ? -1 : x > y ? 1 : 0 }
        switch (a, b) {
        case (.int(let x), .int(let y)): return cmp(x, y)
        case (.uint(let x), .uint(let y)): return cmp(x, y)
        case (.string(let x), .string(let y)):
            if x.unicodeScalars.elementsEqual(y.unicodeScalars) { return 0 }
            return x.unicodeScalars.map(\.value).lexicographicallyPrecedes(y.unicodeScalars.map(\.value)) ? -1 : 1
        case (.bytes(let x), .bytes(let y)): return x == y ? 0 : (x.lexicographicallyPrecedes(y) ? -1 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.duration(let x), .duration(let y)): return cmp(x, y)
        case (.timestamp(let s1, let n1), .timestamp(let s2, let n2)): return s1 != s2 ? cmp(s1, s2) : cmp(n1, n2)
        default:
            guard let x = number(a), let y = number(b) else { return nil }
            return cmp(x, y)
        }
    }

    /// The result of an arithmetic step, or CEL's overflow error.
    static func checked<T>(_ r: (partialValue: T, overflow: Bool), _ message: String) throws(CELEvaluator.Failure) -> T {
        if r.overflow { throw .error(message) }
        return r.partialValue
    }

    static func apply(_ op: String, _ a: CELValue, _ b: CELValue, _ ev: inout CELEvaluator) throws(CELEvaluator.Failure) -> CELValue {
        func overload() -> CELEvaluator.Failure { .error("no such overload: \(a.typeName) \(op) \(b.typeName)") }
        switch op {
        case "==", "!=":
            if case .list(let l) = a { try ev.charge(Int64(l.count / 10)) }
            if case .map(let m) = a { try ev.charge(Int64(m.count / 10)) }
            return .bool(equal(a, b) == (op == "=="))
        case "<", "<=", ">", ">=":
            guard let c = compare(a, b) else { throw overload() }
            switch op {
            case "<": return .bool(c < 0)
            case "<=": return .bool(c <= 0)
            case ">": return .bool(c > 0)
            default: return .bool(c >= 0)
            }
        case "in":
            switch b {
            case .list(let l):
                try ev.charge(Int64(l.count))
                return .bool(l.contains { equal($0, a) })
            case .map(let m): return .bool(m[a] != nil || (number(a).map { k in m.keys.contains { number($0) == k } } ?? false))
            default: throw overload()
            }
        case "+":
            switch (a, b) {
            case (.int(let x), .int(let y)): return .int(try checked(x.addingReportingOverflow(y), "integer overflow"))
            case (.uint(let x), .uint(let y)): return .uint(try checked(x.addingReportingOverflow(y), "unsigned integer overflow"))
            case (.double(let x), .double(let y)): return .double(x + y)
            case (.string(let x), .string(let y)):
                try ev.charge(Int64((x.utf8.count + y.utf8.count) / 10))
                return .string(x + y)
            case (.bytes(let x), .bytes(let y)): return .bytes(x + y)
            case (.list(let x), .list(let y)):
                try ev.charge(Int64((x.count + y.count) / 10))
                return .list(x + y)
            case (.duration(let x), .duration(let y)): return .duration(try checked(x.addingReportingOverflow(y), "integer overflow"))
            case (.timestamp(let s, let n), .duration(let d)), (.duration(let d), .timestamp(let s, let n)):
                return try CELFunctions.timestamp(s, n, plus: d)
            default: throw overload()
            }
        case "-":
            switch (a, b) {
            case (.int(let x), .int(let y)): return .int(try checked(x.subtractingReportingOverflow(y), "integer overflow"))
            case (.uint(let x), .uint(let y)): return .uint(try checked(x.subtractingReportingOverflow(y), "unsigned integer overflow"))
            case (.double(let x), .double(let y)): return .double(x - y)
            case (.duration(let x), .duration(let y)): return .duration(try checked(x.subtractingReportingOverflow(y), "integer overflow"))
            case (.timestamp(let s, let n), .duration(let d)):
                guard d != .min else { throw .error("integer overflow") }
                return try CELFunctions.timestamp(s, n, plus: -d)
            case (.timestamp(let s1, let n1), .timestamp(let s2, let n2)):
                let (secs, o1) = (s1 - s2).multipliedReportingOverflow(by: 1_000_000_000)
                let (r, o2) = secs.addingReportingOverflow(Int64(n1) - Int64(n2))
                if o1 || o2 { throw .error("integer overflow") }
                return .duration(r)
            default: throw overload()
            }
        case "*":
            switch (a, b) {
            case (.int(let x), .int(let y)): return .int(try checked(x.multipliedReportingOverflow(by: y), "integer overflow"))
            case (.uint(let x), .uint(let y)): return .uint(try checked(x.multipliedReportingOverflow(by: y), "unsigned integer overflow"))
            case (.double(let x), .double(let y)): return .double(x * y)
            default: throw overload()
            }
        case "/", "%":
            switch (a, b) {
            case (.int(let x), .int(let y)):
                if y == 0 { throw .error(op == "/" ? "division by zero" : "modulus by zero") }
                if x == .min && y == -1 { throw .error("integer overflow") }
                return .int(op == "/" ? x / y : x % y)
            case (.uint(let x), .uint(let y)):
                if y == 0 { throw .error(op == "/" ? "division by zero" : "modulus by zero") }
                return .uint(op == "/" ? x / y : x % y)
            case (.double(let x), .double(let y)) where op == "/": return .double(x / y)
            default: throw overload()
            }
        default:
            throw overload()
        }
    }
}
