import Foundation

/// A value of one of Kubernetes' CEL libraries that JSON has no kind for.
public enum CELObject: Sendable, Hashable, CustomStringConvertible {
    case ip(CELIP)
    case cidr(CELCIDR)
    case url(CELURL)
    case quantity(Quantity)
    case authz(CELAuthzCheck)
    case decision(CELAuthzDecision)

    /// The type's name as cel-go reports it.
    public var typeName: String {
        switch self {
        case .ip: return "net.IP"
        case .cidr: return "net.CIDR"
        case .url: return "kubernetes.URL"
        case .quantity: return "kubernetes.Quantity"
        case .authz(let c): return "kubernetes.authorization." + c.stage.rawValue
        case .decision: return "kubernetes.authorization.Decision"
        }
    }

    public var description: String {
        switch self {
        case .ip(let v): return v.description
        case .cidr(let v): return v.description
        case .url(let v): return v.description
        case .quantity(let q): return q.text
        case .authz(let c): return "kubernetes.authorization.\(c.stage.rawValue)"
        case .decision(let d): return "kubernetes.authorization.Decision(allowed: \(d.allowed))"
        }
    }
}

/// Kubernetes' CEL libraries beyond the strings and lists ones: IP and CIDR
/// (`ip()`, `cidr()`, `isIP()`, `ip.isCanonical()`, `containsIP()`, …), URL
/// (`url()`, `isURL()`, `getHost()`, …), quantity (`quantity()`,
/// `isQuantity()`, `add()`, `compareTo()`, …), sets (`sets.contains()`,
/// `sets.equivalent()`, `sets.intersects()`), authorizer checks (CELAuthz.swift),
/// and cel-go's `format()`.
enum CELLibraries {
    /// The functions they add, as the checker knows them (namespaced ones with their namespace).
    static let names: Set<String> = Set<String>([
        "isIP", "ip", "ip.isCanonical", "family", "isUnspecified", "isLoopback", "isLinkLocalMulticast", "isLinkLocalUnicast",
        "isGlobalUnicast", "isCIDR", "cidr", "containsIP", "containsCIDR", "masked", "prefixLength",
        "isURL", "url", "getScheme", "getHost", "getHostname", "getPort", "getEscapedPath", "getQuery",
        "isQuantity", "quantity", "isInteger", "asInteger", "asApproximateFloat", "sign", "add", "sub", "isLessThan",
        "isGreaterThan", "compareTo", "sets.contains", "sets.equivalent", "sets.intersects", "format",
    ]).union(authzNames)
    /// Namespaces whose functions are written `ns.f(…)`.
    static let namespaces: Set<String> = ["sets", "ip"]

    typealias Failure = CELEvaluator.Failure

    /// The result of a library function, or nil when `name` with these
    /// operands is none of theirs.
    static func call(_ name: String, target: CELValue?, _ args: [CELValue], _ ev: inout CELEvaluator) throws(Failure) -> CELValue? {
        if target == nil, args.count == 1 { return try global(name, args[0], &ev) }
        if target == nil, args.count == 2, name.hasPrefix("sets.") { return try sets(name, args[0], args[1], &ev) }
        switch target {
        case .object(let o)?: return try member(name, o, args, &ev)
        case .string(let s)? where name == "format" && args.count == 1:
            guard case .list(let l) = args[0] else { return nil }
            try ev.charge(Int64(s.utf8.count / 10 + 1))
            return .string(try format(s, l, &ev))
        default: return nil
        }
    }

    static func global(_ name: String, _ v: CELValue, _ ev: inout CELEvaluator) throws(Failure) -> CELValue? {
        // Parsing a string walks it: charged by its size, as upstream's library costs.
        if case .string(let s) = v, names.contains(name) { try ev.charge(Int64(s.utf8.count / 10)) }
        switch (name, v) {
        case ("string", .object(.ip(let ip))): return .string(ip.description)
        case ("string", .object(.cidr(let c))): return .string(c.description)
        case ("isIP", .string(let s)): return .bool((try? CELIP(parsing: s)) != nil)
        case ("ip", .string(let s)): return .object(.ip(try CELIP(parsing: s)))
        case ("ip.isCanonical", .string(let s)): return .bool(try CELIP(parsing: s).description == s)
        case ("isCIDR", .string(let s)): return .bool((try? CELCIDR(parsing: s)) != nil)
        case ("cidr", .string(let s)): return .object(.cidr(try CELCIDR(parsing: s)))
        case ("isURL", .string(let s)): return .bool((try? CELURL(parsing: s)) != nil)
        case ("url", .string(let s)): return .object(.url(try CELURL(parsing: s)))
        case ("isQuantity", .string(let s)): return .bool(Quantity(s).isValid)
        case ("quantity", .string(let s)):
            let q = Quantity(s)
            guard q.isValid else { throw .error("quantities must match the regular expression '\(Quantity.pattern)'") }
            return .object(.quantity(q))
        default: return nil
        }
    }

    static func member(_ name: String, _ o: CELObject, _ args: [CELValue], _ ev: inout CELEvaluator) throws(Failure) -> CELValue? {
        for case .string(let s) in args { try ev.charge(Int64(s.utf8.count / 10)) }
        switch (o, name, args.count) {
        case (.ip(let ip), "family", 0): return .int(ip.family)
        case (.ip(let ip), "isUnspecified", 0): return .bool(ip.isUnspecified)
        case (.ip(let ip), "isLoopback", 0): return .bool(ip.isLoopback)
        case (.ip(let ip), "isLinkLocalMulticast", 0): return .bool(ip.isLinkLocalMulticast)
        case (.ip(let ip), "isLinkLocalUnicast", 0): return .bool(ip.isLinkLocalUnicast)
        case (.ip(let ip), "isGlobalUnicast", 0): return .bool(ip.isGlobalUnicast)
        case (.cidr(let c), "containsIP", 1):
            switch args[0] {
            case .object(.ip(let ip)): return .bool(c.contains(ip))
            case .string(let s): return .bool(c.contains(try CELIP(parsing: s)))
            default: return nil
            }
        case (.cidr(let c), "containsCIDR", 1):
            switch args[0] {
            case .object(.cidr(let other)): return .bool(c.contains(other))
            case .string(let s): return .bool(c.contains(try CELCIDR(parsing: s)))
            default: return nil
            }
        case (.cidr(let c), "ip", 0): return .object(.ip(c.ip))
        case (.cidr(let c), "masked", 0): return .object(.cidr(c.masked))
        case (.cidr(let c), "prefixLength", 0): return .int(Int64(c.prefixLength))
        case (.url(let u), "getScheme", 0): return .string(u.scheme)
        case (.url(let u), "getHost", 0): return .string(u.host)
        case (.url(let u), "getHostname", 0): return .string(u.hostname)
        case (.url(let u), "getPort", 0): return .string(u.port)
        case (.url(let u), "getEscapedPath", 0): return .string(u.escapedPath)
        case (.url(let u), "getQuery", 0):
            var m: [CELValue: CELValue] = [:]
            for (k, v) in u.query { m[.string(k)] = .list(v.map(CELValue.string)) }
            return .map(m)
        case (.quantity(let q), _, _): return try quantity(name, q, args)
        case (.authz(let c), _, _): return try authz(name, c, args, &ev)
        case (.decision(let d), _, 0): return decision(name, d)
        default: return nil
        }
    }

    static func quantity(_ name: String, _ q: Quantity, _ args: [CELValue]) throws(Failure) -> CELValue? {
        let d = q.decimal ?? 0
        func integer(_ x: Decimal) -> Int64? {
            var v = x, r = Decimal()
            NSDecimalRound(&r, &v, 0, .plain)
            guard r == x else { return nil }
            let n = NSDecimalNumber(decimal: r)
            guard n.compare(NSDecimalNumber(value: Int64.max)) != .orderedDescending,
                  n.compare(NSDecimalNumber(value: Int64.min)) != .orderedAscending else { return nil }
            return n.int64Value
        }
        func operand() -> Decimal? {
            switch args.first {
            case .object(.quantity(let other))?: return other.decimal
            case .int(let i)?: return Decimal(i)
            case .string(let s)?: return Quantity(s).decimal
            default: return nil
            }
        }
        switch (name, args.count) {
        case ("isInteger", 0): return .bool(integer(d) != nil)
        case ("asInteger", 0):
            guard let i = integer(d) else { throw .error("cannot convert value to integer") }
            return .int(i)
        case ("asApproximateFloat", 0): return .double(q.doubleValue)
        case ("sign", 0): return .int(d > 0 ? 1 : d < 0 ? -1 : 0)
        case ("add", 1), ("sub", 1):
            guard let x = operand() else { return nil }
            let r = name == "add" ? d + x : d - x
            return .object(.quantity(Quantity(integer(r).map(String.init) ?? NSDecimalNumber(decimal: r).stringValue)))
        case ("isLessThan", 1), ("isGreaterThan", 1), ("compareTo", 1):
            guard case .object(.quantity(let other))? = args.first, let x = other.decimal else { return nil }
            let c: Int64 = d < x ? -1 : d > x ? 1 : 0
            switch name {
            case "isLessThan": return .bool(c < 0)
            case "isGreaterThan": return .bool(c > 0)
            default: return .int(c)
            }
        default: return nil
        }
    }

    static func sets(_ name: String, _ a: CELValue, _ b: CELValue, _ ev: inout CELEvaluator) throws(Failure) -> CELValue? {
        guard case .list(let x) = a, case .list(let y) = b else { return nil }
        try ev.charge(Int64(x.count) * Int64(y.count) / 10 + 1)
        func has(_ l: [CELValue], _ v: CELValue) -> Bool { l.contains { CELOperators.equal($0, v) } }
        switch name {
        case "sets.contains": return .bool(y.allSatisfy { has(x, $0) })
        case "sets.equivalent": return .bool(y.allSatisfy { has(x, $0) } && x.allSatisfy { has(y, $0) })
        case "sets.intersects": return .bool(y.contains { has(x, $0) })
        default: return nil
        }
    }

    /// cel-go's `format`: `%s`, `%d`, `%f` (with `.N` precision), `%e`, `%x`, `%X`, `%o`, `%b` and `%%`.
    static func format(_ template: String, _ args: [CELValue], _ ev: inout CELEvaluator) throws(Failure) -> String {
        var out = ""
        var it = Array(template.unicodeScalars)[...]
        var next = 0
        while let c = it.popFirst() {
            guard c == "%" else { out.unicodeScalars.append(c); continue }
            if it.first == "%" { it = it.dropFirst(); out += "%"; continue }
            var precision: Int?
            if it.first == "." {
                it = it.dropFirst()
                let digits = it.prefix { ("0"..."9").contains($0) }
                it = it.dropFirst(digits.count)
                precision = Int(String(String.UnicodeScalarView(digits))) ?? 0
                if digits.count > 3 { throw .error("could not parse formatting clause: precision \(String(String.UnicodeScalarView(digits))) is too large") }
            }
            guard let verb = it.popFirst() else { throw .error("could not parse formatting clause: unexpected end of string") }
            guard next < args.count else { throw .error("index \(next) out of range") }
            let v = args[next]
            next += 1
            switch (verb, v) {
            case ("s", .string(let s)): out += s
            case ("s", .object(let o)): out += o.description
            case ("s", _): out += (try? CELFunctions.call("string", target: nil, [v], &ev))?.stringValue ?? v.description
            case ("d", .int(let i)): out += String(i)
            case ("d", .uint(let u)): out += String(u)
            case ("f", _), ("e", _):
                guard let d = CELOperators.number(v) else { throw .error("error during formatting: fixed-point clause can only be used on doubles, was given \(v.typeName)") }
                out += String(format: "%.\(precision ?? 6)\(verb)", d)
            case ("x", .int(let i)): out += i < 0 ? "-" + String(i.magnitude, radix: 16) : String(i, radix: 16)
            case ("x", .uint(let u)): out += String(u, radix: 16)
            case ("X", .int(let i)): out += i < 0 ? "-" + String(i.magnitude, radix: 16, uppercase: true) : String(i, radix: 16, uppercase: true)
            case ("X", .uint(let u)): out += String(u, radix: 16, uppercase: true)
            case ("x", .string(let s)): out += s.utf8.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
            case ("o", .int(let i)): out += String(i, radix: 8)
            case ("o", .uint(let u)): out += String(u, radix: 8)
            case ("b", .int(let i)): out += String(i, radix: 2)
            case ("b", .uint(let u)): out += String(u, radix: 2)
            case ("b", .bool(let b)): out += b ? "1" : "0"
            default:
                throw .error("could not parse formatting clause: unrecognized formatting clause \"\(verb)\" for \(v.typeName)")
            }
        }
        return out
    }
}
