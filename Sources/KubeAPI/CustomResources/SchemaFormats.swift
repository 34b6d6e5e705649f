import Foundation

/// The string formats a custom resource schema's `format` is checked against,
/// the set kube-apiserver supports (`apiserver/validation/formats.go`).
/// Other formats (`int32`, `int64`, `float`, …) are documentation only and
/// accept any value, as upstream strips them before validating.
public enum SchemaFormats {
    /// True when `s` is valid in `format`, or `format` is not one that is checked.
    public static func isValid(_ s: String, format: String) -> Bool {
        guard let check = checks[normalize(format)] else { return true }
        return check(s)
    }

    /// Formats are looked up as go-openapi's registry does: case and `-`/`_` do not matter (`date-time` is `datetime`).
    static func normalize(_ f: String) -> String { String(f.lowercased().filter { $0 != "-" && $0 != "_" }) }

    static let checks: [String: @Sendable (String) -> Bool] = [
        "bsonobjectid": { $0.utf8.count == 24 && $0.allSatisfy(\.isHexDigit) },
        "uri": isURI,
        "email": isEmail,
        "hostname": isHostname,
        "ipv4": IPAddressSyntax.isIPv4,
        "ipv6": IPAddressSyntax.isIPv6,
        "cidr": IPAddressSyntax.isCIDR,
        "mac": isMAC,
        "uuid": { matchesUUID($0, version: nil) },
        "uuid3": { matchesUUID($0, version: "3") },
        "uuid4": { matchesUUID($0, version: "4") },
        "uuid5": { matchesUUID($0, version: "5") },
        "isbn": { isISBN10($0) || isISBN13($0) },
        "isbn10": isISBN10,
        "isbn13": isISBN13,
        "creditcard": { matches(creditCard, String($0.filter(\.isNumber))) },
        "ssn": { matches(ssn, $0) },
        "hexcolor": { matches(hexColor, $0) },
        "rgbcolor": { matches(rgbColor, $0) },
        "byte": { Data(base64Encoded: $0) != nil },
        "password": { _ in true },
        "date": isDate,
        "datetime": isDateTime,
        "duration": isDuration,
        "k8sshortname": LabelValidation.isDNS1123Label,
        "k8slongname": { LabelValidation.dns1123SubdomainErrors($0).isEmpty },
    ]

    static let creditCard = try? LinearRegex(#"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$"#)
    static let rfc3339Time = try? LinearRegex(#"^([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$"#)
    static let scalaDuration = try? LinearRegex(#"^[0-9]+\s*(ns|us|ms|s|m|h|d|w|nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?|weeks?)$"#)
    static let ssn = try? LinearRegex(#"^\d{3}[- ]?\d{2}[- ]?\d{4}$"#)
    static let hexColor = try? LinearRegex("^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
    static let rgbColor = try? LinearRegex(#"^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$"#)
    static let goDuration = try? LinearRegex(#"^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$"#)

    static func matches(_ r: LinearRegex?, _ s: String) -> Bool { r?.matches(s) ?? false }

    static func isURI(_ s: String) -> Bool {
        // Go's url.ParseRequestURI: an absolute URI with a scheme, or an absolute path.
        if s.hasPrefix("/") { return !s.contains(" ") }
        guard let colon = s.firstIndex(of: ":"), colon != s.startIndex else { return false }
        let scheme = s[..<colon]
        guard let first = scheme.first, first.isLetter,
              scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) else { return false }
        return !s.contains(" ")
    }

    static func isEmail(_ s: String) -> Bool {
        // net/mail.ParseAddress, for the bare addr-spec form: local@domain.
        guard let at = s.lastIndex(of: "@") else { return false }
        let local = s[..<at], domain = s[s.index(after: at)...]
        return !local.isEmpty && !domain.isEmpty && !s.contains(" ") && !domain.hasPrefix(".") && !domain.hasSuffix(".")
    }

    static func isHostname(_ s: String) -> Bool {
        guard !s.isEmpty, s.utf8.count <= 255 else { return false }
        let labels = s.hasSuffix(".") ? s.dropLast().split(separator: ".", omittingEmptySubsequences: false)
            : s.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { l in
            !l.isEmpty && l.utf8.count <= 63 && l.first != "-" && l.last != "-"
                && l.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }

    static func isMAC(_ s: String) -> Bool {
        for sep in [":", "-"] {
            let parts = s.components(separatedBy: sep)
            if [6, 8, 20].contains(parts.count), parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isHexDigit) }) { return true }
        }
        let dotted = s.components(separatedBy: ".")
        return [3, 4, 10].contains(dotted.count) && dotted.allSatisfy { $0.count == 4 && $0.allSatisfy(\.isHexDigit) }
    }

    static func matchesUUID(_ s: String, version: Character?) -> Bool {
        let hex = s.filter { $0 != "-" }
        guard hex.count == 32, hex.allSatisfy(\.isHexDigit), s.count == 32 || s.count == 36 else { return false }
        if s.count == 36 {
            let dashes = [8, 13, 18, 23]
            for (i, c) in s.enumerated() where (c == "-") != dashes.contains(i) { return false }
        }
        guard let version else { return true }
        let chars = Array(hex.lowercased())
        if chars[12] != version { return false }
        return version == "3" || "89ab".contains(chars[16])
    }

    static func isISBN10(_ s: String) -> Bool {
        let chars = Array(s.filter { $0 != "-" && $0 != " " })
        guard chars.count == 10 else { return false }
        var sum = 0
        for (i, c) in chars.enumerated() {
            let v: Int
            if let d = c.wholeNumberValue, c.isASCII { v = d } else if i == 9, c == "X" || c == "x" { v = 10 } else { return false }
            sum += v * (10 - i)
        }
        return sum % 11 == 0
    }

    static func isISBN13(_ s: String) -> Bool {
        let chars = Array(s.filter { $0 != "-" && $0 != " " })
        guard chars.count == 13 else { return false }
        var sum = 0
        for (i, c) in chars.enumerated() {
            guard c.isASCII, let d = c.wholeNumberValue else { return false }
            sum += d * (i % 2 == 0 ? 1 : 3)
        }
        return sum % 10 == 0
    }

    static func isDate(_ s: String) -> Bool {
        let p = s.split(separator: "-", omittingEmptySubsequences: false)
        guard p.count == 3, p[0].count == 4, p[1].count == 2, p[2].count == 2,
              let y = Int(p[0]), let m = Int(p[1]), let d = Int(p[2]), (1...12).contains(m) else { return false }
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
        return (1...days).contains(d)
    }

    /// RFC 3339 `date-time` (strfmt also takes a space or lowercase `t` between date and time).
    static func isDateTime(_ s: String) -> Bool {
        let chars = Array(s)
        guard chars.count >= 20, isDate(String(chars[0..<10])), "Tt ".contains(chars[10]) else { return false }
        return matches(rfc3339Time, String(chars[11...]))
    }

    /// A Go duration (`1h30m`, `250ms`) or the Scala form strfmt also takes (`3 days`).
    static func isDuration(_ s: String) -> Bool {
        matches(goDuration, s) || s == "0"
            || matches(scalaDuration, s)
    }
}
