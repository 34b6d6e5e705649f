import Foundation

/// CEL's standard functions and the Kubernetes string and list libraries
/// (`lowerAscii`, `split`, `join`, `isSorted`, `sum`, …), each charging for the
/// size of what it walks.
enum CELFunctions {
    /// Every function name a rule may call.
    static let known: Set<String> = Set<String>([
        "size", "contains", "startsWith", "endsWith", "matches", "int", "uint", "double", "string", "bool", "bytes", "dyn", "type",
        "duration", "timestamp", "lowerAscii", "upperAscii", "trim", "replace", "split", "join", "indexOf", "lastIndexOf",
        "substring", "charAt", "isSorted", "sum", "min", "max", "hasValue", "value", "orValue", "getHours", "getMinutes",
        "getSeconds", "getMilliseconds", "reverse", "optional.of", "optional.none", "of", "none", "all", "exists", "exists_one",
        "map", "filter", "optional.ofNonZeroValue", "ofNonZeroValue", "or", optionalSelect, optionalIndex, optionalEntry,
        "find", "findAll", "getFullYear", "getMonth", "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear",
    ]).union(CELLibraries.names)

    /// The functions `a.?b` and `a[?k]` become, named as cel-go names them.
    static let optionalSelect = "_?._"
    static let optionalIndex = "_[?_]"
    /// Marks an optional element of a list literal, or the key of an optional map entry.
    static let optionalEntry = "?_"

    typealias Failure = CELEvaluator.Failure

    static func call(_ name: String, target: CELValue?, _ args: [CELValue], _ ev: inout CELEvaluator) throws(Failure) -> CELValue {
        if let v = try CELLibraries.call(name, target: target, args, &ev) { return v }
        if target == nil, name == optionalSelect || name == optionalIndex, args.count == 2 {
            return try optionalAccess(args[0], args[1], index: name == optionalIndex, &ev)
        }
        // Global forms of receiver functions: size(x), matches(s, re).
        var target = target
        var args = args
        if target == nil, ["size", "matches", "contains", "startsWith", "endsWith"].contains(name), let first = args.first {
            target = first
            args.removeFirst()
        }
        func overload() -> Failure {
            .error("no such overload: \(target.map { "\($0.typeName)." } ?? "")\(name)(\(args.map(\.typeName).joined(separator: ", ")))")
        }
        if let target {
            switch (name, target, args.count) {
            case ("size", .string(let s), 0): return .int(Int64(s.unicodeScalars.count))
            case ("size", .bytes(let b), 0): return .int(Int64(b.count))
            case ("size", .list(let l), 0): return .int(Int64(l.count))
            case ("size", .map(let m), 0): return .int(Int64(m.count))
            case ("contains", .string(let s), 1), ("startsWith", .string(let s), 1), ("endsWith", .string(let s), 1):
                guard case .string(let x) = args[0] else { throw overload() }
                try ev.charge(Int64((s.utf8.count + x.utf8.count) / 10))
                switch name {
                case "contains": return .bool(x.isEmpty || s.range(of: x) != nil)
                case "startsWith": return .bool(s.unicodeScalars.starts(with: x.unicodeScalars))
                default: return .bool(s.unicodeScalars.reversed().starts(with: x.unicodeScalars.reversed()))
                }
            case ("matches", .string(let s), 1):
                guard case .string(let p) = args[0] else { throw overload() }
                let r = try ev.regex(p)
                try ev.charge(Int64(s.utf8.count / 10 + 1) * Int64(max(1, p.utf8.count / 10)))
                return .bool(r.matches(s))
            case ("find", .string(let s), 1), ("findAll", .string(let s), 1), ("findAll", .string(let s), 2):
                guard case .string(let p) = args[0] else { throw overload() }
                var limit = -1
                if args.count == 2 { guard case .int(let n) = args[1] else { throw overload() }; limit = Int(clamping: n) }
                let r = try ev.regex(p)
                let perStep = Int64(max(1, p.utf8.count / 10))
                try ev.charge(Int64(s.utf8.count / 10 + 1) * perStep)
                let input = Array(s.unicodeScalars)
                func text(_ m: Range<Int>) -> CELValue { .string(String(String.UnicodeScalarView(input[m]))) }
                if name == "find" { return r.firstMatch(in: input).map(text) ?? .string("") }
                guard limit != 0 else { return .list([]) }
                // Searches after the first may go over the input again: what goes past
                // one pass is charged too, and stops when the budget would run out.
                let remaining = max(0, ev.costLimit - ev.cost)
                let maxSteps = input.count + 1 + Int(clamping: remaining / perStep * 10)
                var steps = 0
                let matches = r.allMatches(in: input, limit: limit, maxSteps: maxSteps, steps: &steps)
                try ev.charge(Int64(max(0, steps - input.count - 1) / 10) * perStep)
                if steps > maxSteps { try ev.charge(remaining + 1) }
                return .list(matches.map(text))
            case ("lowerAscii", .string(let s), 0), ("upperAscii", .string(let s), 0):
                try ev.charge(Int64(s.utf8.count / 10))
                let lower = name == "lowerAscii"
                return .string(String(String.UnicodeScalarView(s.unicodeScalars.map { c in
                    if lower, (65...90).contains(c.value) { return Unicode.Scalar(c.value + 32) ?? c }
                    if !lower, (97...122).contains(c.value) { return Unicode.Scalar(c.value - 32) ?? c }
                    return c
                })))
            case ("trim", .string(let s), 0):
                return .string(s.trimmingCharacters(in: .whitespacesAndNewlines))
            case ("replace", .string(let s), 2), ("replace", .string(let s), 3):
                guard case .string(let from) = args[0], case .string(let to) = args[1] else { throw overload() }
                try ev.charge(Int64(s.utf8.count / 10 + 1))
                var limit = -1
                if args.count == 3 { guard case .int(let n) = args[2] else { throw overload() }; limit = Int(clamping: n) }
                return .string(replace(s, from, to, limit: limit))
            case ("split", .string(let s), 1), ("split", .string(let s), 2):
                guard case .string(let sep) = args[0] else { throw overload() }
                try ev.charge(Int64(s.utf8.count / 10 + 1))
                var limit = -1
                if args.count == 2 { guard case .int(let n) = args[1] else { throw overload() }; limit = Int(clamping: n) }
                return .list(split(s, sep, limit: limit).map(CELValue.string))
            case ("join", .list(let l), 0), ("join", .list(let l), 1):
                var sep = ""
                if args.count == 1 { guard case .string(let x) = args[0] else { throw overload() }; sep = x }
                var parts: [String] = []
                for v in l { guard case .string(let x) = v else { throw overload() }; parts.append(x) }
                try ev.charge(Int64(parts.reduce(0) { $0 + $1.utf8.count } / 10 + 1))
                return .string(parts.joined(separator: sep))
            case ("indexOf", .string(let s), 1), ("indexOf", .string(let s), 2), ("lastIndexOf", .string(let s), 1), ("lastIndexOf", .string(let s), 2):
                guard case .string(let x) = args[0] else { throw overload() }
                try ev.charge(Int64(s.utf8.count / 10 + 1))
                let hay = Array(s.unicodeScalars), needle = Array(x.unicodeScalars)
                var start = name == "indexOf" ? 0 : hay.count
                if args.count == 2 {
                    guard case .int(let n) = args[1] else { throw overload() }
                    guard n >= 0, n <= Int64(hay.count) else { throw .error("index out of range: \(n)") }
                    start = Int(n)
                }
                let positions = name == "indexOf" ? Array(stride(from: start, through: hay.count - needle.count, by: 1))
                    : Array(stride(from: min(start, hay.count - needle.count), through: 0, by: -1))
                for p in positions where p >= 0 && p + needle.count <= hay.count && Array(hay[p..<(p + needle.count)]) == needle {
                    return .int(Int64(p))
                }
                return .int(-1)
            case ("substring", .string(let s), 1), ("substring", .string(let s), 2):
                let chars = Array(s.unicodeScalars)
                guard case .int(let a) = args[0] else { throw overload() }
                var b = Int64(chars.count)
                if args.count == 2 { guard case .int(let x) = args[1] else { throw overload() }; b = x }
                guard a >= 0, a <= Int64(chars.count) else { throw .error("index out of range: \(a)") }
                guard b >= a, b <= Int64(chars.count) else { throw .error("index out of range: \(b)") }
                return .string(String(String.UnicodeScalarView(chars[Int(a)..<Int(b)])))
            case ("charAt", .string(let s), 1):
                let chars = Array(s.unicodeScalars)
                guard case .int(let i) = args[0] else { throw overload() }
                guard i >= 0, i <= Int64(chars.count) else { throw .error("index out of range: \(i)") }
                return .string(i == Int64(chars.count) ? "" : String(Character(chars[Int(i)])))
            case ("reverse", .string(let s), 0): return .string(String(String.UnicodeScalarView(s.unicodeScalars.reversed())))
            case ("reverse", .list(let l), 0): return .list(l.reversed())
            case ("isSorted", .list(let l), 0):
                try ev.charge(Int64(l.count))
                for (a, b) in zip(l, l.dropFirst()) {
                    guard let c = CELOperators.compare(a, b) else { throw overload() }
                    if c > 0 { return .bool(false) }
                }
                return .bool(true)
            case ("sum", .list(let l), 0):
                try ev.charge(Int64(l.count))
                guard var acc = l.first else { return .int(0) }
                for v in l.dropFirst() { acc = try CELOperators.apply("+", acc, v, &ev) }
                return acc
            case ("min", .list(let l), 0), ("max", .list(let l), 0):
                try ev.charge(Int64(l.count))
                guard var best = l.first else { throw .error("\(name)(list) argument must not be empty") }
                for v in l.dropFirst() {
                    guard let c = CELOperators.compare(v, best) else { throw overload() }
                    if (name == "min" && c < 0) || (name == "max" && c > 0) { best = v }
                }
                return best
            case ("indexOf", .list(let l), 1), ("lastIndexOf", .list(let l), 1):
                try ev.charge(Int64(l.count))
                let wanted = args[0]
                let i = name == "indexOf" ? l.firstIndex(where: { CELOperators.equal($0, wanted) })
                    : l.lastIndex(where: { CELOperators.equal($0, wanted) })
                return .int(Int64(i ?? -1))
            case ("hasValue", .optional(let o), 0): return .bool(o != nil)
            case ("value", .optional(let o), 0):
                guard let o else { throw .error("optional.none() dereference") }
                return o
            case ("orValue", .optional(let o), 1): return o ?? args[0]
            case ("getHours", .duration(let n), 0): return .int(n / 3_600_000_000_000)
            case ("getMinutes", .duration(let n), 0): return .int(n / 60_000_000_000)
            case ("getSeconds", .duration(let n), 0): return .int(n / 1_000_000_000)
            case ("getMilliseconds", .duration(let n), 0): return .int(n / 1_000_000)
            case ("of", .type("optional"), 1): return .optional(args[0])
            case ("ofNonZeroValue", .type("optional"), 1): return .optional(isZero(args[0]) ? nil : args[0])
            case ("or", .optional(let o), 1):
                guard case .optional = args[0] else { throw overload() }
                return o == nil ? args[0] : target
            case (_, .timestamp(let secs, let nanos), 0), (_, .timestamp(let secs, let nanos), 1):
                var zone: String?
                if args.count == 1 { guard case .string(let z) = args[0] else { throw overload() }; zone = z }
                guard let v = try timestampPart(name, secs, nanos, zone: zone) else { throw overload() }
                return .int(v)
            case ("none", .type("optional"), 0): return .optional(nil)
            default: throw overload()
            }
        }
        guard args.count == 1 else {
            if name == "type", args.isEmpty { throw overload() }
            throw overload()
        }
        let v = args[0]
        switch (name, v) {
        case ("dyn", _): return v
        case ("type", _): return .type(v.typeName)
        case ("int", .int): return v
        case ("int", .uint(let u)):
            guard u <= UInt64(Int64.max) else { throw .error("int overflow") }
            return .int(Int64(u))
        case ("int", .double(let d)):
            guard d.isFinite, d > -9.223372036854775808e18, d < 9.223372036854775807e18 else { throw .error("int overflow") }
            return .int(Int64(d))
        case ("int", .string(let s)):
            guard let i = Int64(s) else { throw .error("cannot convert \"\(s)\" to int") }
            return .int(i)
        case ("int", .timestamp(let s, _)): return .int(s)
        case ("uint", .uint): return v
        case ("uint", .int(let i)):
            guard i >= 0 else { throw .error("uint overflow") }
            return .uint(UInt64(i))
        case ("uint", .double(let d)):
            guard d.isFinite, d >= 0, d < 1.8446744073709552e19 else { throw .error("uint overflow") }
            return .uint(UInt64(d))
        case ("uint", .string(let s)):
            guard let u = UInt64(s) else { throw .error("cannot convert \"\(s)\" to uint") }
            return .uint(u)
        case ("double", .double): return v
        case ("double", .int(let i)): return .double(Double(i))
        case ("double", .uint(let u)): return .double(Double(u))
        case ("double", .string(let s)):
            guard let d = Double(s) else { throw .error("cannot convert \"\(s)\" to double") }
            return .double(d)
        case ("string", .string): return v
        case ("string", .int(let i)): return .string(String(i))
        case ("string", .uint(let u)): return .string(String(u))
        case ("string", .double(let d)): return .string(JSONWriter.numberText(d))
        case ("string", .bool(let b)): return .string(String(b))
        case ("string", .bytes(let b)):
            guard let s = String(validating: b, as: UTF8.self) else { throw .error("invalid UTF-8 in bytes, cannot convert to string") }
            return .string(s)
        case ("string", .duration(let n)): return .string(formatDuration(n))
        case ("string", .timestamp(let s, let n)): return .string(formatTimestamp(s, n))
        case ("bool", .bool): return v
        case ("bool", .string(let s)):
            switch s {
            case "true", "True", "TRUE", "t", "1": return .bool(true)
            case "false", "False", "FALSE", "f", "0": return .bool(false)
            default: throw .error("cannot convert \"\(s)\" to bool")
            }
        case ("bytes", .bytes): return v
        case ("bytes", .string(let s)): return .bytes(Array(s.utf8))
        case ("duration", .duration): return v
        case ("duration", .string(let s)):
            guard let n = parseDuration(s) else { throw .error("invalid duration: \"\(s)\"") }
            return .duration(n)
        case ("timestamp", .timestamp): return v
        case ("timestamp", .string(let s)):
            guard let (secs, nanos) = parseTimestamp(s) else { throw .error("invalid timestamp: \"\(s)\"") }
            return .timestamp(seconds: secs, nanos: nanos)
        default:
            throw overload()
        }
    }

    static func replace(_ s: String, _ from: String, _ to: String, limit: Int) -> String {
        guard limit != 0 else { return s }
        if from.isEmpty {
            // Go's strings.Replace with an empty old string inserts at every boundary.
            var out = to
            var n = 1
            for c in s.unicodeScalars {
                out.unicodeScalars.append(c)
                if limit < 0 || n < limit { out += to; n += 1 }
            }
            return out
        }
        var out = ""
        var rest = Substring(s)
        var n = 0
        while let r = rest.range(of: from), limit < 0 || n < limit {
            out += rest[..<r.lowerBound] + to
            rest = rest[r.upperBound...]
            n += 1
        }
        return out + rest
    }

    static func split(_ s: String, _ sep: String, limit: Int) -> [String] {
        if limit == 0 { return [] }
        if sep.isEmpty { return s.unicodeScalars.map { String(Character($0)) } }
        var parts: [String] = []
        var rest = Substring(s)
        while limit < 0 || parts.count < limit - 1, let r = rest.range(of: sep) {
            parts.append(String(rest[..<r.lowerBound]))
            rest = rest[r.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }

    // MARK: durations and timestamps

    /// A Go duration string (`1h30m`, `-1.5s`, `300ms`) in nanoseconds.
    static func parseDuration(_ s: String) -> Int64? {
        var chars = Array(s)
        var sign: Double = 1
        if let f = chars.first, f == "-" || f == "+" {
            if f == "-" { sign = -1 }
            chars.removeFirst()
        }
        if chars == ["0"] { return 0 }
        guard !chars.isEmpty else { return nil }
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 6e10), ("h", 3.6e12)]
        var total: Double = 0
        var i = 0
        while i < chars.count {
            var num = ""
            while i < chars.count, chars[i].isNumber || chars[i] == "." { num.append(chars[i]); i += 1 }
            guard let v = Double(num) else { return nil }
            var unit = ""
            while i < chars.count, !chars[i].isNumber, chars[i] != "." { unit.append(chars[i]); i += 1 }
            guard let scale = units.first(where: { $0.0 == unit })?.1 else { return nil }
            total += v * scale
        }
        let n = sign * total
        guard n.isFinite, abs(n) < 9.2e18 else { return nil }
        return Int64(n)
    }

    /// Go's `Duration.String` (`1h30m0s`), as CEL's `string(duration)` prints it: seconds with a fraction.
    static func formatDuration(_ n: Int64) -> String {
        let secs = Double(n) / 1e9
        return JSONWriter.numberText(secs) + "s"
    }

    /// An RFC 3339 timestamp as seconds and nanoseconds since the epoch.
    static func parseTimestamp(_ s: String) -> (Int64, Int32)? {
        guard SchemaFormats.isDateTime(s) else { return nil }
        let chars = Array(s)
        guard let y = Int(String(chars[0..<4])), let mo = Int(String(chars[5..<7])), let d = Int(String(chars[8..<10])),
              let h = Int(String(chars[11..<13])), let mi = Int(String(chars[14..<16])), let se = Int(String(chars[17..<19])) else { return nil }
        var i = 19
        var nanos: Int32 = 0
        if i < chars.count, chars[i] == "." {
            i += 1
            var digits = ""
            while i < chars.count, chars[i].isNumber { digits.append(chars[i]); i += 1 }
            let padded = (digits + "000000000").prefix(9)
            nanos = Int32(padded) ?? 0
        }
        var offset = 0
        if i < chars.count, chars[i] == "+" || chars[i] == "-" {
            let sign = chars[i] == "-" ? -1 : 1
            guard let oh = Int(String(chars[(i + 1)..<(i + 3)])), let om = Int(String(chars[(i + 4)..<(i + 6)])) else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        }
        // Days from the civil date (Howard Hinnant's algorithm).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146097 + doe - 719468
        return (Int64(days) * 86400 + Int64(h * 3600 + mi * 60 + se) - Int64(offset), nanos)
    }

    static func formatTimestamp(_ secs: Int64, _ nanos: Int32) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(secs))
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "UTC") ?? cal.timeZone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func p(_ v: Int?, _ w: Int) -> String { String(repeating: "0", count: max(0, w - String(v ?? 0).count)) + String(v ?? 0) }
        var out = "\(p(c.year, 4))-\(p(c.month, 2))-\(p(c.day, 2))T\(p(c.hour, 2)):\(p(c.minute, 2)):\(p(c.second, 2))"
        if nanos > 0 {
            var frac = p(Int(nanos), 9)
            while frac.hasSuffix("0") { frac.removeLast() }
            out += "." + frac
        }
        return out + "Z"
    }

    static func timestamp(_ s: Int64, _ n: Int32, plus d: Int64) throws(Failure) -> CELValue {
        let total = Int64(n) + d % 1_000_000_000
        var secs = s + d / 1_000_000_000 + total / 1_000_000_000
        var nanos = total % 1_000_000_000
        if nanos < 0 { nanos += 1_000_000_000; secs -= 1 }
        guard secs > -62_135_596_800, secs < 253_402_300_800 else { throw .error("timestamp out of range") }
        return .timestamp(seconds: secs, nanos: Int32(nanos))
    }

    /// `a.?b` and `a[?k]`: the field, key or item as an optional, none when
    /// absent; an optional base passes through (none stays none).
    static func optionalAccess(_ base: CELValue, _ key: CELValue, index: Bool, _ ev: inout CELEvaluator) throws(Failure) -> CELValue {
        switch base {
        case .optional(nil): return .optional(nil)
        case .optional(let v?): return try optionalAccess(v, key, index: index, &ev)
        case .map(let m):
            if let x = m[key] { return .optional(x) }
            if index, let k = CELOperators.number(key), let hit = m.first(where: { CELOperators.number($0.key) == k }) { return .optional(hit.value) }
            return .optional(nil)
        case .list(let l) where index:
            guard case .int(let i) = key else { throw .error("unsupported index type '\(key.typeName)' in list") }
            return .optional(i >= 0 && i < Int64(l.count) ? l[Int(i)] : nil)
        default:
            throw .error("no such overload: \(index ? "_[?_]" : "_?._")(\(base.typeName), \(key.typeName))")
        }
    }

    /// CEL's zero values (`optional.ofNonZeroValue`).
    static func isZero(_ v: CELValue) -> Bool {
        switch v {
        case .null: return true
        case .bool(let b): return !b
        case .int(let i): return i == 0
        case .uint(let u): return u == 0
        case .double(let d): return d == 0
        case .string(let s): return s.isEmpty
        case .bytes(let b): return b.isEmpty
        case .list(let l): return l.isEmpty
        case .map(let m): return m.isEmpty
        case .duration(let n): return n == 0
        case .timestamp(let s, let n): return s == 0 && n == 0
        case .optional(let o): return o == nil
        case .type, .object: return false
        }
    }

    /// A timestamp accessor (`getFullYear`, `getMonth`, `getDate`,
    /// `getDayOfMonth`, `getDayOfWeek`, `getDayOfYear`, `getHours`,
    /// `getMinutes`, `getSeconds`, `getMilliseconds`) in UTC or in `zone` (an
    /// IANA name or an offset such as `+05:30`), zero-based where CEL's are.
    static func timestampPart(_ name: String, _ secs: Int64, _ nanos: Int32, zone: String?) throws(Failure) -> Int64? {
        // The zone's offset at that instant: UTC, `[+-]HH:MM` (the sign optional), or an IANA name.
        var offset = 0
        if let zone, !zone.isEmpty, zone != "UTC" {
            var text = Substring(zone)
            var sign = 1
            if let first = text.first, first == "+" || first == "-" {
                sign = first == "-" ? -1 : 1
                text = text.dropFirst()
            }
            let parts = text.split(separator: ":", omittingEmptySubsequences: false)
            if parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), parts.allSatisfy({ $0.count == 2 }) {
                guard h < 24, m < 60 else { throw .error("invalid time zone: \(zone)") }
                offset = sign * (h * 3600 + m * 60)
            } else {
                guard !zone.contains(".."), !zone.hasPrefix("/"), let tz = TimeZone(identifier: zone) else {
                    throw .error("unknown time zone: \(zone)")
                }
                offset = tz.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(secs)))
            }
        }
        // Proleptic Gregorian civil date of the local day, as Go's time package computes it.
        let local = secs + Int64(offset)
        let days = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let secondOfDay = local - days * 86_400
        let (year, month, day) = civil(days)
        switch name {
        case "getFullYear": return year
        case "getMonth": return month - 1
        case "getDate": return day
        case "getDayOfMonth": return day - 1
        case "getDayOfWeek": return ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
        case "getDayOfYear": return days - daysFromCivil(year, 1, 1)
        case "getHours": return secondOfDay / 3600
        case "getMinutes": return secondOfDay % 3600 / 60
        case "getSeconds": return secondOfDay % 60
        case "getMilliseconds": return Int64(nanos / 1_000_000)
        default: return nil
        }
    }

    /// Year, month (1–12) and day (1–31) of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
    static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The day counted from 1970-01-01 of a civil date.
    static func daysFromCivil(_ year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
