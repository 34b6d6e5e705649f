import Foundation

/// Prometheus' text exposition format (0.0.4), written family by family:
/// `# HELP`, `# TYPE`, then one line per sample with escaped label values
/// and an optional timestamp in milliseconds. For metrics computed at scrape
/// time from state (the kubelet's container metrics, the control plane's
/// object-state metrics), where a registry of live instruments does not fit.
public struct PrometheusExposition: Sendable {
    /// The `Content-Type` of the format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// One sample: label pairs in order, the value, the time it was taken.
    public struct Sample: Sendable {
        public var labels: [(String, String)]
        public var value: Double
        public var timestampMilliseconds: Int64?

        public init(_ labels: [(String, String)], _ value: Double, timestampMilliseconds: Int64? = nil) {
            self.labels = labels
            self.value = value
            self.timestampMilliseconds = timestampMilliseconds
        }
    }

    public enum Kind: String, Sendable {
        case counter, gauge
    }

    public private(set) var text = ""

    public init() {}

    /// Appends a family; one with no samples is still declared, as client_golang does.
    public mutating func family(_ name: String, _ kind: Kind, _ help: String, _ samples: [Sample]) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
        for sample in samples {
            text += name
            if !sample.labels.isEmpty {
                text += "{"
                text += sample.labels.map { "\($0.0)=\"\(Self.escape($0.1))\"" }.joined(separator: ",")
                text += "}"
            }
            text += " " + Self.format(sample.value)
            if let ms = sample.timestampMilliseconds { text += " \(ms)" }
            text += "\n"
        }
    }

    /// Prometheus' label-name sanitizing (`strutil.SanitizeLabelName`): anything but `[a-zA-Z0-9_]` becomes `_`.
    public static func sanitizeLabelName(_ name: String) -> String {
        String(name.unicodeScalars.map { s -> Character in
            switch s {
            case "a"..."z", "A"..."Z", "0"..."9", "_": return Character(s)
            default: return "_"
            }
        })
    }

    /// A label value with `\`, `"` and newlines escaped.
    public static func escape(_ s: String) -> String {
        // By scalar: "\r\n" is one Character, and its newline must be escaped too.
        guard s.unicodeScalars.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return s }
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Integers without a fraction, others as Swift prints doubles (NaN and ±Inf as Prometheus spells them).
    public static func format(_ v: Double) -> String {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v > 0 ? "+Inf" : "-Inf" }
        return v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
