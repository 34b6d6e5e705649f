#if canImport(Glibc)
import Glibc
#endif
import Runtime
import LinuxSystem

/// Reads container logs written in the CRI format
/// (`TIMESTAMP STREAM P|F TEXT`), with the options of `kubectl logs`:
/// tail, since, timestamps, limitBytes, stream selection. Partial records are
/// joined back into lines.
public struct CRILogReader: Sendable {
    public struct Options: Sendable, Equatable {
        public var tailLines: Int?
        /// Only records at or after this RFC 3339 time (string comparison works for the fixed format).
        public var since: String?
        public var timestamps: Bool
        public var limitBytes: Int?
        public var streams: Set<String>

        public init(tailLines: Int? = nil, since: String? = nil, timestamps: Bool = false, limitBytes: Int? = nil,
                    streams: Set<String> = ["stdout", "stderr"]) {
            self.tailLines = tailLines
            self.since = since
            self.timestamps = timestamps
            self.limitBytes = limitBytes
            self.streams = streams
        }
    }

    /// One reassembled line.
    public struct Line: Sendable, Equatable {
        public var timestamp: String
        public var stream: String
        public var text: String
    }

    public init() {}

    /// Parses log text into lines (partials joined; malformed records skipped).
    public func lines(from text: String) -> [Line] {
        var out: [Line] = []
        var partial: [String: (String, String)] = [:]
        for record in text.split(separator: "\n", omittingEmptySubsequences: false) where !record.isEmpty {
            let parts = record.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard parts.count >= 3 else { continue }
            let stamp = String(parts[0]), stream = String(parts[1]), tag = parts[2]
            let content = parts.count == 4 ? String(parts[3]) : ""
            if tag == "P" {
                let previous = partial[stream]
                partial[stream] = (previous?.0 ?? stamp, (previous?.1 ?? "") + content)
            } else {
                let previous = partial.removeValue(forKey: stream)
                out.append(Line(timestamp: previous?.0 ?? stamp, stream: stream, text: (previous?.1 ?? "") + content))
            }
        }
        return out
    }

    /// The output `kubectl logs` shows for `text` under `options`.
    public func render(_ text: String, _ options: Options) -> String {
        var selected = lines(from: text).filter { options.streams.contains($0.stream) }
        if let since = options.since { selected = selected.filter { $0.timestamp >= since } }
        if let tail = options.tailLines, tail >= 0 { selected = Array(selected.suffix(tail)) }
        var output = ""
        for line in selected {
            output += (options.timestamps ? line.timestamp + " " : "") + line.text + "\n"
            if let limit = options.limitBytes, output.utf8.count >= limit {
                return String(decoding: Array(output.utf8.prefix(limit)), as: UTF8.self)
            }
        }
        return output
    }

    /// Renders the log file at `path` (missing file: empty).
    public func render(file path: String, _ options: Options) -> String {
        guard let text = try? FileIO.read(path) else { return "" }
        return render(text, options)
    }
}
