import ArgumentParser
import ClusterLogs
import Foundation
import KubeAPI

/// `controlplane logs QUERY`: the cluster's logs by LogQL, as Loki's
/// `logcli query` prints them, through the API server (reading takes
/// `pods/log` in the namespace the query names).
struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logs",
        abstract: "Query the cluster's logs with LogQL (stream selector and line filters).",
        discussion: """
            Examples:
              controlplane logs --kubeconfig ~/.kube/config '{namespace="shop", app="web"} |= "error"'
              controlplane logs --data-dir /var/lib/swiftkube/controlplane '{node="node-2"}' --since 24h --limit 500
              controlplane logs --kubeconfig K '{pod=~"web-.*"}' -f
            """)

    @OptionGroup var connection: TokenCommand.Connection
    @Argument(help: "A LogQL log query: {label=\"value\", …} followed by line filters (|= != |~ !~).") var query: String
    @Option(help: "How far back to look (e.g. 1h, 30m, 7d).") var since = "1h"
    @Option(help: "The most lines to print (1 to 5000).") var limit = 100
    @Flag(name: [.customShort("f"), .long], help: "Keep printing new lines as they arrive.") var follow = false
    @Flag(help: "Print each line alone, without its time and labels.") var raw = false
    @Flag(help: "Oldest first (the default is newest first, as Loki's).") var forward = false

    func run() async throws {
        guard let seconds = LokiAPI.duration(since) else { throw ValidationError("--since \(since) is not a duration such as 1h") }
        guard (1...5000).contains(limit) else { throw ValidationError("--limit must be 1 to 5000") }
        do { _ = try LogQuery(parsing: query) } catch { throw ValidationError("\(error)") }
        try await connection.withClient { client in
            var start = LokiAPI.clamp(Date().timeIntervalSince1970 - seconds)
            var direction = (forward || follow) ? "forward" : "backward"
            // Following: lines at the last time printed, which the next query asks for again.
            var printedAtLast: Set<String> = []
            while true {
                var allowed = CharacterSet.alphanumerics
                allowed.insert(charactersIn: "-._~")
                let q = query.addingPercentEncoding(withAllowedCharacters: allowed) ?? query
                let url = client.server + "/loki/api/v1/query_range?query=\(q)&start=\(start)&limit=\(limit)&direction=\(direction)"
                let body = try JSONParser.parse(try await client.request(.GET, url))
                var lines: [(Int64, String, String)] = []
                for stream in body[path: ["data", "result"]]?.arrayValue ?? [] {
                    let labels = (stream["stream"]?.objectValue ?? [:]).mapValues { $0.stringValue ?? "" }
                    let text = "{" + labels.keys.sorted().map { "\($0)=\"\(labels[$0] ?? "")\"" }.joined(separator: ", ") + "}"
                    for v in stream["values"]?.arrayValue ?? [] {
                        guard let pair = v.arrayValue, pair.count >= 2, let ts = pair[0].stringValue.flatMap({ Int64($0) }),
                              let line = pair[1].stringValue else { continue }
                        lines.append((ts, text, line))
                    }
                }
                lines.sort { direction == "forward" ? $0.0 < $1.0 : $0.0 > $1.0 }
                lines.removeAll { $0.0 == start && printedAtLast.contains($0.1 + $0.2) }
                var out = ""
                for (ts, labels, line) in lines {
                    if raw {
                        out += line + "\n"
                    } else {
                        let date = Date(timeIntervalSince1970: Double(ts) / 1e9).formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
                        out += "\(date) \(labels) \(line)\n"
                    }
                }
                // Unbuffered, so a follower's lines show as they come.
                FileHandle.standardOutput.write(Data(out.utf8))
                guard follow else { return }
                if let last = lines.map(\.0).max() {
                    if last != start { printedAtLast = [] }
                    start = last
                    printedAtLast.formUnion(lines.filter { $0.0 == last }.map { $0.1 + $0.2 })
                }
                direction = "forward"
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}
