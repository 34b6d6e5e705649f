import Foundation
import Yams

/// Printing tables (crictl's column style), JSON and YAML.
enum Output {
    static func table(_ rows: [[String]]) {
        guard let header = rows.first else { return }
        let widths = header.indices.map { i in rows.map { i < $0.count ? $0[i].count : 0 }.max() ?? 0 }
        for row in rows {
            print(row.enumerated().map { i, c in i == row.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count + 3) }.joined())
        }
    }

    static func json<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    static func yaml<T: Encodable>(_ value: T) throws {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        print(try encoder.encode(value), terminator: "")
    }

    /// Prints `value` as JSON or YAML per `format`; returns false for "table".
    static func structured<T: Encodable>(_ value: T, format: String) throws -> Bool {
        switch format {
        case "json": try json(value); return true
        case "yaml": try yaml(value); return true
        default: return false
        }
    }

    /// "2 minutes ago"-style age of an RFC 3339 time.
    static func age(_ rfc3339: String?, now: Date = Date()) -> String {
        guard let rfc3339, let date = parse(rfc3339) else { return "" }
        let s = Int(now.timeIntervalSince(date))
        switch s {
        case ..<60: return "\(max(s, 0)) seconds ago"
        case ..<3600: return "\(s / 60) minutes ago"
        case ..<86400: return "\(s / 3600) hours ago"
        default: return "\(s / 86400) days ago"
        }
    }

    static func parse(_ rfc3339: String) -> Date? {
        (try? Date(rfc3339, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(rfc3339, strategy: Date.ISO8601FormatStyle()))
    }

    /// The first 13 characters of an id, as crictl shows them.
    static func short(_ id: String) -> String {
        let trimmed = id.hasPrefix("k8s-") ? String(id.dropFirst(4)) : id
        return String(trimmed.prefix(13))
    }

    static func bytes(_ n: UInt64) -> String {
        let b = Double(n)
        if n >= 1 << 30 { return String(format: "%.1fGB", b / 1_073_741_824) }
        if n >= 1 << 20 { return String(format: "%.1fMB", b / 1_048_576) }
        if n >= 1 << 10 { return String(format: "%.1fkB", b / 1024) }
        return "\(n)B"
    }
}
