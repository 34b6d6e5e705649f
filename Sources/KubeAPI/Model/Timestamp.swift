public import Foundation

/// A Kubernetes `Time` (RFC 3339, seconds precision, UTC) or, with
/// ``precision`` set to `.micro`, a `MicroTime` (six fractional digits).
public struct Timestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// How many fractional digits are written.
    public enum Precision: Sendable, Hashable { case seconds, micro }

    /// The instant.
    public var date: Date
    /// How the instant is written.
    public var precision: Precision

    /// Wraps a date.
    public init(_ date: Date = Date(), precision: Precision = .seconds) {
        self.date = date
        self.precision = precision
    }

    /// The current time in `MicroTime` form.
    public static func nowMicro() -> Timestamp { Timestamp(Date(), precision: .micro) }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.date < b.date }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let s = try c.decode(String.self)
        guard let t = Timestamp(rfc3339: s) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "invalid RFC 3339 time \"\(s)\"")
        }
        self = t
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    /// The RFC 3339 text.
    public var description: String { Self.format(date, micro: precision == .micro) }

    /// Parses `2006-01-02T15:04:05Z`, with optional fraction and offset.
    public init?(rfc3339 s: String) {
        let b = Array(s.utf8)
        guard b.count >= 20 else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard i < b.count, b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let y = num(0..<4), b[4] == 45, let mo = num(5..<7), b[7] == 45, let d = num(8..<10),
            b[10] == 84 || b[10] == 116, let h = num(11..<13), b[13] == 58, let mi = num(14..<16), b[16] == 58,
            let sec = num(17..<19), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61
        else { return nil }
        var i = 19
        var frac = 0.0
        var digits = 0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                frac += Double(b[i] - 48) * scale
                scale /= 10
                digits += 1
                i += 1
            }
            if digits == 0 { return nil }
        }
        var offset = 0
        guard i < b.count else { return nil }
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            guard let oh = num(i + 1..<i + 3), i + 3 < b.count, b[i + 3] == 58, let om = num(i + 4..<i + 6) else {
                return nil
            }
            offset = (oh * 3600 + om * 60) * (b[i] == 45 ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Self.daysFromCivil(y, mo, d)
        let secs = Double(days * 86400 + h * 3600 + mi * 60 + sec - offset) + frac
        self.date = Date(timeIntervalSince1970: secs)
        self.precision = digits > 0 ? .micro : .seconds
    }

    /// Formats a date as RFC 3339 in UTC.
    public static func format(_ date: Date, micro: Bool) -> String {
        let t = date.timeIntervalSince1970
        let whole = Int(t.rounded(.down))
        let micros = Int(((t - Double(whole)) * 1_000_000).rounded(.down))
        let days = Int((Double(whole) / 86400).rounded(.down))
        let rem = whole - days * 86400
        let (y, m, d) = civilFromDays(days)
        func p(_ v: Int, _ w: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, w - s.count)) + s
        }
        var s = "\(p(y, 4))-\(p(m, 2))-\(p(d, 2))T\(p(rem / 3600, 2)):\(p(rem % 3600 / 60, 2)):\(p(rem % 60, 2))"
        if micro { s += "." + p(micros, 6) }
        return s + "Z"
    }

    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
