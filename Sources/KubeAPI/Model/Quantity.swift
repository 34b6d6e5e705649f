public import Foundation

/// A Kubernetes resource quantity such as `250m`, `1.5Gi`, `128974848` or `1e3`.
///
/// The text is kept as written (so objects round-trip byte for byte); the
/// value is parsed once. An unparsable text decodes without error and reports
/// `isValid == false`, so validation can answer with a field error instead of
/// a decoding failure.
public struct Quantity: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The text as written.
    public let text: String
    /// The exact value, or nil when the text is not a quantity.
    public let decimal: Decimal?

    /// The regular expression Kubernetes quotes in its error message.
    public static let pattern = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"

    /// Parses a quantity text.
    public init(_ text: String) {
        self.text = text
        self.decimal = Self.parse(text)
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// A CPU quantity from millicores, written canonically (`500m`, `2`).
    public init(milli: Int64) {
        self.init(milli % 1000 == 0 ? String(milli / 1000) : "\(milli)m")
    }

    /// A byte quantity, written with the largest exact binary suffix (`128Mi`).
    public init(bytes: Int64) {
        var v = bytes
        var i = 0
        let suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
        while v != 0, v % 1024 == 0, i < suffixes.count - 1 {
            v /= 1024
            i += 1
        }
        self.init("\(v)\(suffixes[i])")
    }

    /// True when the text is a valid quantity.
    public var isValid: Bool { decimal != nil }

    /// The value rounded up to an integer (bytes, pods, cores), 0 if invalid.
    public var value: Int64 { Self.roundUp(decimal ?? 0) }

    /// The value in thousandths rounded up (millicores), 0 if invalid.
    public var milliValue: Int64 { Self.roundUp((decimal ?? 0) * 1000) }

    /// The value as a double, 0 if invalid.
    public var doubleValue: Double { NSDecimalNumber(decimal: decimal ?? 0).doubleValue }

    public var description: String { text }

    public static func == (a: Quantity, b: Quantity) -> Bool {
        if let x = a.decimal, let y = b.decimal { return x == y }
        return a.text == b.text
    }

    public func hash(into h: inout Hasher) {
        if let d = decimal { h.combine(d) } else { h.combine(text) }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self.init(s)
        } else if let i = try? c.decode(Int64.self) {
            self.init(String(i))
        } else {
            let d = try c.decode(Double.self)
            self.init("\(d)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }

    private static func roundUp(_ d: Decimal) -> Int64 {
        var v = d
        var r = Decimal()
        NSDecimalRound(&r, &v, 0, .up)
        let n = NSDecimalNumber(decimal: r)
        if n.compare(NSDecimalNumber(value: Int64.max)) == .orderedDescending { return Int64.max }
        if n.compare(NSDecimalNumber(value: Int64.min)) == .orderedAscending { return Int64.min }
        return n.int64Value
    }

    static func parse(_ s: String) -> Decimal? {
        let b = Array(s.utf8)
        guard !b.isEmpty, b.count <= 64 else { return nil }
        var i = 0
        var negative = false
        if b[0] == UInt8(ascii: "+") || b[0] == UInt8(ascii: "-") {
            negative = b[0] == UInt8(ascii: "-")
            i = 1
        }
        let numStart = i
        var dots = 0
        var digits = 0
        while i < b.count, (b[i] >= 48 && b[i] <= 57) || b[i] == 46 {
            if b[i] == 46 { dots += 1 } else { digits += 1 }
            i += 1
        }
        guard digits > 0, dots <= 1 else { return nil }
        guard var number = Decimal(string: String(decoding: b[numStart..<i], as: UTF8.self), locale: nil)
        else { return nil }
        let suffix = String(decoding: b[i...], as: UTF8.self)
        let binary: [String: Int] = ["Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6]
        let decimalSI: [String: Int] = ["n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18]
        if let p = binary[suffix] {
            for _ in 0..<p { number *= 1024 }
        } else if let e = decimalSI[suffix] {
            number *= pow(10, e)
        } else if let f = suffix.first, f == "e" || f == "E", let e = Int(suffix.dropFirst()), abs(e) <= 30 {
            number *= pow(10, e)
        } else {
            return nil
        }
        return negative ? -number : number
    }

    private static func pow(_ base: Decimal, _ e: Int) -> Decimal {
        var r: Decimal = 1
        if e >= 0 {
            for _ in 0..<e { r *= base }
        } else {
            for _ in 0..<(-e) { r /= base }
        }
        return r
    }
}

/// A map of resource names to quantities (`cpu`, `memory`, `pods`, ...).
public typealias ResourceList = [String: Quantity]
