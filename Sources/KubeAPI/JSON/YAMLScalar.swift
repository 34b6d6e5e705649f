import Foundation

/// How a YAML scalar becomes a JSON value: the YAML 1.1 rules of go-yaml v2,
/// which `sigs.k8s.io/yaml` (and so kube-apiserver and kubectl) uses.
///
/// A plain scalar without a tag is resolved by its text: `true`, `yes`, `on`,
/// `y` (and their capitalised forms) are booleans, `~`, `null` and the empty
/// scalar are null, integers may be written in decimal, `0x` hex, `0o` or
/// leading-zero octal and `0b` binary with `_` separators, floats as YAML
/// writes them; everything else (timestamps included) stays a string. Quoted
/// scalars are strings. Explicit tags (`!!str`, `!!int`, `!!float`, `!!bool`,
/// `!!null`, `!!binary`) force their type or fail as go-yaml does.
enum YAMLScalar {
    /// go-yaml's table of words with a fixed meaning.
    private static let words: [String: JSONValue] = {
        var m: [String: JSONValue] = [:]
        for w in ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"] { m[w] = .bool(true) }
        for w in ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"] { m[w] = .bool(false) }
        for w in ["", "~", "null", "Null", "NULL"] { m[w] = .null }
        for w in [".nan", ".NaN", ".NAN"] { m[w] = .double(.nan) }
        for w in [".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"] { m[w] = .double(.infinity) }
        for w in ["-.inf", "-.Inf", "-.INF"] { m[w] = .double(-.infinity) }
        return m
    }()

    static let mergeKey = "<<"

    /// The tag in go-yaml's short form (`tag:yaml.org,2002:int` → `!!int`).
    static func shortTag(_ tag: String) -> String {
        let prefix = "tag:yaml.org,2002:"
        return tag.hasPrefix(prefix) ? "!!" + tag.dropFirst(prefix.count) : tag
    }

    /// The value of a scalar: `tag` is nil for an untagged scalar, `plain`
    /// says it was written without quotes.
    static func resolve(_ text: String, tag: String?, plain: Bool) throws(YAMLDecodingError) -> JSONValue {
        guard let tag else { return plain ? implicit(text) : .string(text) }
        switch shortTag(tag) {
        case "!!str", "!": return .string(text)
        case "!!binary":
            let compact = text.filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: compact) else {
                throw YAMLDecodingError("yaml: !!binary value contains invalid base64 data")
            }
            return .string(String(decoding: data, as: UTF8.self))
        case "!!int":
            let v = implicit(text)
            guard case .int = v else { throw mismatch(text, v, "!!int") }
            return v
        case "!!float":
            let v = implicit(text)
            switch v {
            case .double: return v
            case .int(let i): return .double(Double(i))
            default: throw mismatch(text, v, "!!float")
            }
        case "!!bool":
            let v = implicit(text)
            guard case .bool = v else { throw mismatch(text, v, "!!bool") }
            return v
        case "!!null":
            let v = implicit(text)
            guard case .null = v else { throw mismatch(text, v, "!!null") }
            return v
        case "!!timestamp": return .string(text)
        case "!!merge": return .string(text)
        default:
            // A tag go-yaml cannot resolve (a local `!thing`) keeps the text.
            return .string(text)
        }
    }

    private static func mismatch(_ text: String, _ v: JSONValue, _ tag: String) -> YAMLDecodingError {
        let found: String
        switch v {
        case .null: found = "!!null"
        case .bool: found = "!!bool"
        case .int: found = "!!int"
        case .double: found = "!!float"
        default: found = "!!str"
        }
        return YAMLDecodingError("yaml: cannot decode \(found) `\(text)` as a \(tag)")
    }

    /// An untagged plain scalar, resolved by its text.
    static func implicit(_ text: String) -> JSONValue {
        if let w = words[text] { return w }
        guard let first = text.utf8.first,
              first == UInt8(ascii: "+") || first == UInt8(ascii: "-") || first == UInt8(ascii: ".")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first)
        else { return .string(text) }
        let plain = text.replacingOccurrences(of: "_", with: "")
        if let i = goInteger(plain) { return .int(i) }
        if let u = goUnsigned(plain) { return .double(Double(u)) }
        if isYAMLFloat(plain), let d = Double(plain) { return .double(d) }
        return .string(text)
    }

    /// Go's `strconv.ParseInt(s, 0, 64)`: a sign, then decimal, `0x` hex,
    /// `0o` or leading-zero octal, or `0b` binary.
    static func goInteger(_ s: String) -> Int64? {
        var body = Substring(s)
        var negative = false
        if body.first == "+" || body.first == "-" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        guard let magnitude = goUnsigned(String(body)) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { return nil }
        return Int64(magnitude)
    }

    /// Go's `strconv.ParseUint(s, 0, 64)`.
    static func goUnsigned(_ s: String) -> UInt64? {
        let lower = s.lowercased()
        var digits = Substring(lower)
        var radix = 10
        if digits.hasPrefix("0x") {
            radix = 16
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0o") {
            radix = 8
            digits = digits.dropFirst(2)
        } else if digits.hasPrefix("0b") {
            radix = 2
            digits = digits.dropFirst(2)
        } else if digits.count > 1, digits.hasPrefix("0") {
            radix = 8
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        return UInt64(digits, radix: radix)
    }

    /// go-yaml's `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
    static func isYAMLFloat(_ s: String) -> Bool {
        var b = Array(s.utf8)[...]
        func digits() -> Int {
            var n = 0
            while let c = b.first, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) {
                b = b.dropFirst()
                n += 1
            }
            return n
        }
        if b.first == UInt8(ascii: "+") || b.first == UInt8(ascii: "-") { b = b.dropFirst() }
        if b.first == UInt8(ascii: ".") {
            b = b.dropFirst()
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if b.first == UInt8(ascii: ".") {
                b = b.dropFirst()
                _ = digits()
            }
        }
        if b.first == UInt8(ascii: "e") || b.first == UInt8(ascii: "E") {
            b = b.dropFirst()
            if b.first == UInt8(ascii: "+") || b.first == UInt8(ascii: "-") { b = b.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return b.isEmpty
    }

    /// A scalar used as a mapping key, as `sigs.k8s.io/yaml` turns it into a
    /// JSON object key (numbers and booleans become their text).
    static func key(_ v: JSONValue) throws(YAMLDecodingError) -> String {
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .double(let d):
            if d.isNaN { return ".nan" }
            if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
            // Integral within Int64: its digits; beyond (a 20-digit key), the
            // float text sigs.k8s.io/yaml writes (FormatFloat 'g' at 32 bits).
            if let i = Int64(exactly: d) { return String(i) }
            return "\(Float(d))"
        case .null: throw YAMLDecodingError("yaml: unsupported map key: null")
        case .array, .object: throw YAMLDecodingError("yaml: invalid map key: a \(v.typeName) cannot be a JSON object key")
        }
    }
}
