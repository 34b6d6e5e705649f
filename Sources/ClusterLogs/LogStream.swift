import Foundation
import KubeAPI

/// Lines of one stream (a set of labels), as pushed to the cluster's log
/// store and as a query answers them; with Loki's limits on labels and lines.
public struct LogStream: Sendable, Equatable {
    public var labels: [String: String]
    public var entries: [LogEntry]

    public init(labels: [String: String], entries: [LogEntry]) {
        self.labels = labels
        self.entries = entries
    }

    /// Loki's limits, some more generous: a line of 256 KiB, 30 labels, names as Prometheus', values of 2 KiB.
    public static let maxLineBytes = 256 * 1024
    public static let maxLabels = 30
    public static let maxLabelValueBytes = 2048

    /// `{"a":"1","b":"2"}` with sorted keys: one spelling per label set.
    public static func canonical(_ labels: [String: String]) -> String {
        "{" + labels.keys.sorted().map { k in "\(quote(k)):\(quote(labels[k] ?? ""))" }.joined(separator: ",") + "}"
    }

    /// A JSON string literal.
    static func quote(_ s: String) -> String { String(decoding: JSONWriter.bytes(.string(s)), as: UTF8.self) }

    public static func decodeLabels(_ text: String) -> [String: String] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]) ?? [:]
    }

    /// Checks a stream's labels as Loki does.
    public static func validate(_ labels: [String: String]) throws(LogRefusal) {
        guard !labels.isEmpty else { throw LogRefusal("error parsing labels: a stream needs at least one label") }
        guard labels.count <= maxLabels else {
            throw LogRefusal("stream '\(canonical(labels).prefix(200))' has \(labels.count) label names; limit \(maxLabels)")
        }
        for (name, value) in labels {
            guard let first = name.unicodeScalars.first, first == "_" || first.isASCIILetter,
                  name.unicodeScalars.allSatisfy({ $0 == "_" || $0.isASCIILetter || ("0"..."9").contains($0) }) else {
                throw LogRefusal("error parsing labels: invalid label name \(quote(name)) (names match [a-zA-Z_][a-zA-Z0-9_]*)")
            }
            guard value.utf8.count <= maxLabelValueBytes else {
                throw LogRefusal("label value of \(name) is \(value.utf8.count) bytes; limit \(maxLabelValueBytes)")
            }
        }
    }

}

/// One line of one stream.
public struct LogEntry: Sendable, Equatable {
    /// Nanoseconds since the epoch.
    public var timestamp: Int64
    public var line: String

    public init(timestamp: Int64, line: String) {
        self.timestamp = timestamp
        self.line = line
    }
}

/// Why a push or a query is refused (Loki's wording where it has one).
public struct LogRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
}
