public import Foundation

/// A cron schedule as upstream's parser (robfig/cron v3 `ParseStandard`)
/// reads it: five fields (minute, hour, day of month, month, day of week)
/// with `*`, `?`, ranges, steps, lists and month/weekday names, or one of
/// `@yearly @annually @monthly @weekly @daily @midnight @hourly @every D`.
/// Errors carry robfig's wording, which the API server reports as is
/// (`end of range (61) above maximum (59): 61`).
///
/// ``next(after:in:)`` is robfig's `SpecSchedule.Next`, step for step, so
/// daylight-saving transitions behave as upstream's: a time skipped by a
/// spring-forward change does not run that day, and a wall-clock time
/// repeated by a fall-back change runs at both instants.
public struct CronSchedule: Sendable, Hashable {
    static let starBit: UInt64 = 1 << 63

    var minute: UInt64 = 0
    var hour: UInt64 = 0
    var dom: UInt64 = 0
    var month: UInt64 = 0
    var dow: UInt64 = 0
    /// `@every`: a fixed delay instead of fields.
    var every: Int?

    struct Bounds {
        var min: Int
        var max: Int
        var names: [String: Int] = [:]
    }

    static let minutes = Bounds(min: 0, max: 59)
    static let hours = Bounds(min: 0, max: 23)
    static let doms = Bounds(min: 1, max: 31)
    static let months = Bounds(min: 1, max: 12, names: ["jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
                                                       "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12])
    static let dows = Bounds(min: 0, max: 6, names: ["sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6])

    /// A parse failure with robfig's message.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Parses a standard five-field spec or a descriptor.
    public init(parsing spec: String) throws(ParseError) {
        var spec = spec
        if spec.isEmpty { throw ParseError(message: "empty spec string") }
        if spec.hasPrefix("TZ=") || spec.hasPrefix("CRON_TZ=") {
            // Accepted by the parser; the API refuses it in validation and the
            // controller uses spec.timeZone.
            guard let space = spec.firstIndex(of: " "), let eq = spec.firstIndex(of: "=") else {
                throw ParseError(message: "provided bad location \(spec): unknown time zone \(spec)")
            }
            let name = String(spec[spec.index(after: eq)..<space])
            if TimeZone(identifier: name) == nil {
                throw ParseError(message: "provided bad location \(name): unknown time zone \(name)")
            }
            spec = String(spec[space...]).trimmingCharacters(in: .whitespaces)
        }
        if spec.hasPrefix("@") {
            self = try Self.descriptor(spec)
            return
        }
        let fields = spec.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(message: "expected exactly 5 fields, found \(fields.count): [\(fields.joined(separator: " "))]")
        }
        minute = try Self.field(fields[0], Self.minutes)
        hour = try Self.field(fields[1], Self.hours)
        dom = try Self.field(fields[2], Self.doms)
        month = try Self.field(fields[3], Self.months)
        dow = try Self.field(fields[4], Self.dows)
    }

    init() {}

    static func all(_ b: Bounds) -> UInt64 { bits(b.min, b.max, 1) | starBit }

    static func bits(_ lo: Int, _ hi: Int, _ step: Int) -> UInt64 {
        var out: UInt64 = 0
        var i = lo
        while i <= hi {
            out |= 1 << UInt64(i)
            i += step
        }
        return out
    }

    static func descriptor(_ spec: String) throws(ParseError) -> CronSchedule {
        var s = CronSchedule()
        switch spec {
        case "@yearly", "@annually":
            (s.minute, s.hour, s.dom, s.month, s.dow) = (1, 1, 1 << 1, 1 << 1, all(dows))
        case "@monthly":
            (s.minute, s.hour, s.dom, s.month, s.dow) = (1, 1, 1 << 1, all(months), all(dows))
        case "@weekly":
            (s.minute, s.hour, s.dom, s.month, s.dow) = (1, 1, all(doms), all(months), 1)
        case "@daily", "@midnight":
            (s.minute, s.hour, s.dom, s.month, s.dow) = (1, 1, all(doms), all(months), all(dows))
        case "@hourly":
            (s.minute, s.hour, s.dom, s.month, s.dow) = (1, all(hours), all(doms), all(months), all(dows))
        default:
            let prefix = "@every "
            guard spec.hasPrefix(prefix) else { throw ParseError(message: "unrecognized descriptor: \(spec)") }
            let text = String(spec.dropFirst(prefix.count))
            guard let seconds = goDurationSeconds(text) else {
                throw ParseError(message: "failed to parse duration \(spec): time: invalid duration \"\(text)\"")
            }
            s.every = max(1, Int(seconds.rounded(.down)))
        }
        return s
    }

    /// Go's `time.ParseDuration` for the units a schedule uses (h, m, s, ms).
    static func goDurationSeconds(_ text: String) -> Double? {
        var total = 0.0
        var rest = Substring(text)
        if rest.isEmpty { return nil }
        if rest == "0" { return 0 }
        while !rest.isEmpty {
            let num = rest.prefix { $0.isNumber || $0 == "." }
            guard !num.isEmpty, let v = Double(num) else { return nil }
            rest = rest.dropFirst(num.count)
            let unit = rest.prefix { !$0.isNumber && $0 != "." }
            rest = rest.dropFirst(unit.count)
            switch unit {
            case "h": total += v * 3600
            case "m": total += v * 60
            case "s": total += v
            case "ms": total += v / 1000
            default: return nil
            }
        }
        return total
    }

    static func field(_ text: String, _ b: Bounds) throws(ParseError) -> UInt64 {
        var out: UInt64 = 0
        for part in text.split(separator: ",") { out |= try range(String(part), b) }
        return out
    }

    static func range(_ expr: String, _ b: Bounds) throws(ParseError) -> UInt64 {
        let rangeAndStep = expr.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let lowAndHigh = rangeAndStep[0].split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        let single = lowAndHigh.count == 1
        let start: Int, step: Int
        var end: Int
        var extra: UInt64 = 0
        if lowAndHigh[0] == "*" || lowAndHigh[0] == "?" {
            start = b.min
            end = b.max
            extra = starBit
        } else {
            start = try intOrName(lowAndHigh[0], b.names)
            switch lowAndHigh.count {
            case 1: end = start
            case 2: end = try intOrName(lowAndHigh[1], b.names)
            default: throw ParseError(message: "too many hyphens: \(expr)")
            }
        }
        switch rangeAndStep.count {
        case 1:
            step = 1
        case 2:
            step = try parseInt(rangeAndStep[1])
            if single { end = b.max }
            if step > 1 { extra = 0 }
        default:
            throw ParseError(message: "too many slashes: \(expr)")
        }
        if start < b.min { throw ParseError(message: "beginning of range (\(start)) below minimum (\(b.min)): \(expr)") }
        if end > b.max { throw ParseError(message: "end of range (\(end)) above maximum (\(b.max)): \(expr)") }
        if start > end { throw ParseError(message: "beginning of range (\(start)) beyond end of range (\(end)): \(expr)") }
        if step == 0 { throw ParseError(message: "step of range should be a positive number: \(expr)") }
        return bits(start, end, step) | extra
    }

    static func intOrName(_ s: String, _ names: [String: Int]) throws(ParseError) -> Int {
        if let n = names[s.lowercased()] { return n }
        return try parseInt(s)
    }

    /// Go's strconv.Atoi with robfig's wording around it.
    static func parseInt(_ s: String) throws(ParseError) -> Int {
        guard let n = Int(s) else {
            let reason = s.isEmpty || s.contains(where: { !$0.isNumber && $0 != "-" && $0 != "+" }) ? "invalid syntax" : "value out of range"
            throw ParseError(message: "failed to parse int from \(s): strconv.Atoi: parsing \"\(s)\": \(reason)")
        }
        if n < 0 { throw ParseError(message: "negative number (\(n)) not allowed: \(s)") }
        return n
    }

    // MARK: next

    /// The first activation strictly after `t` (whole seconds), in the time
    /// zone's wall clock; nil when none falls within five years (`0 0 30 2 *`).
    public func next(after start: Date, in zone: TimeZone) -> Date? {
        if let every {
            let base = start.timeIntervalSince1970.rounded(.down)
            return Date(timeIntervalSince1970: base + Double(every))
        }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        // The wall-clock fields of an instant in the zone.
        struct Fields {
            var year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, weekday = 0
        }
        func parts(_ d: Date) -> Fields {
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: d)
            return Fields(year: c.year ?? 0, month: c.month ?? 0, day: c.day ?? 0, hour: c.hour ?? 0, minute: c.minute ?? 0,
                          second: c.second ?? 0, weekday: (c.weekday ?? 1) - 1)
        }
        // Go's time.Date: out-of-range fields roll over into the next unit.
        func make(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int, or fallback: Date) -> Date {
            cal.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s)) ?? fallback
        }
        // Start at the next whole second.
        var t = Date(timeIntervalSince1970: start.timeIntervalSince1970.rounded(.down) + 1)
        var added = false
        let yearLimit = parts(t).year + 5
        wrap: while true {
            var p = parts(t)
            if p.year > yearLimit { return nil }
            while !Self.has(month, p.month) {
                if !added {
                    added = true
                    t = make(p.year, p.month, 1, 0, 0, 0, or: t)
                    p = parts(t)
                }
                t = make(p.year, p.month + 1, p.day, p.hour, p.minute, p.second, or: t)
                p = parts(t)
                if p.month == 1 { continue wrap }
            }
            while !dayMatches(p.day, p.weekday) {
                if !added {
                    added = true
                    t = make(p.year, p.month, p.day, 0, 0, 0, or: t)
                    p = parts(t)
                }
                t = make(p.year, p.month, p.day + 1, p.hour, p.minute, p.second, or: t)
                p = parts(t)
                // A day that starts an hour off after a DST change.
                if p.hour != 0 {
                    t = p.hour > 12 ? t.addingTimeInterval(Double(24 - p.hour) * 3600) : t.addingTimeInterval(Double(-p.hour) * 3600)
                    p = parts(t)
                }
                if p.day == 1 { continue wrap }
            }
            while !Self.has(hour, p.hour) {
                if !added {
                    added = true
                    t = make(p.year, p.month, p.day, p.hour, 0, 0, or: t)
                }
                t = t.addingTimeInterval(3600)
                p = parts(t)
                if p.hour == 0 { continue wrap }
            }
            while !Self.has(minute, p.minute) {
                if !added {
                    added = true
                    t = Date(timeIntervalSince1970: (t.timeIntervalSince1970 / 60).rounded(.down) * 60)
                }
                t = t.addingTimeInterval(60)
                p = parts(t)
                if p.minute == 0 { continue wrap }
            }
            // Seconds: standard schedules fire at second 0 (robfig steps to the next minute and wraps).
            if p.second != 0 {
                added = true
                t = Date(timeIntervalSince1970: (t.timeIntervalSince1970 / 60).rounded(.down) * 60 + 60)
                continue wrap
            }
            return t
        }
    }

    static func has(_ bits: UInt64, _ v: Int) -> Bool { bits & (1 << UInt64(v)) != 0 }

    func dayMatches(_ day: Int, _ weekday: Int) -> Bool {
        let domMatch = Self.has(dom, day)
        let dowMatch = Self.has(dow, weekday)
        if dom & Self.starBit != 0 || dow & Self.starBit != 0 { return domMatch && dowMatch }
        return domMatch || dowMatch
    }
}
