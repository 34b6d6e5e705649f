import Foundation
import KubeAPI

/// Loki's HTTP API bodies: the JSON push (`POST /loki/api/v1/push`) and
/// the answers of `query_range`, `query`, `labels` and `label/NAME/values`,
/// field for field, so Grafana, logcli and JSON shippers (Fluent Bit's and
/// Vector's Loki outputs) talk to the store as to Loki.
public enum LokiAPI {
    /// The largest push body read: the API server's request limit (Loki's `max_recv_msg_size` is 100 MiB; a node's batch is 1 MiB).
    public static let maxPushBytes = 3 * 1024 * 1024

    /// Parses `{"streams":[{"stream":{…},"values":[["<ns>","line"(, {metadata})]…]}]}`.
    public static func parsePush(_ body: [UInt8]) throws(LogRefusal) -> [LogStream] {
        guard body.count <= maxPushBytes else { throw LogRefusal("push of \(body.count) bytes is over the limit of \(maxPushBytes)") }
        let value: JSONValue
        do { value = try JSONParser.parse(body) } catch { throw LogRefusal("loghttp.PushRequest: \(error)") }
        guard let streams = value["streams"]?.arrayValue else { throw LogRefusal("loghttp.PushRequest: no \"streams\" array") }
        var out: [LogStream] = []
        for (i, s) in streams.enumerated() {
            guard let labels = s["stream"]?.objectValue else { throw LogRefusal("streams[\(i)]: no \"stream\" object of labels") }
            var map: [String: String] = [:]
            for (k, v) in labels {
                guard let text = v.stringValue else { throw LogRefusal("streams[\(i)].stream.\(k): label values are strings") }
                map[k] = text
            }
            var entries: [LogEntry] = []
            for (j, pair) in (s["values"]?.arrayValue ?? []).enumerated() {
                guard let a = pair.arrayValue, a.count >= 2, let ts = a[0].stringValue, let nanos = Int64(ts), let line = a[1].stringValue else {
                    throw LogRefusal("streams[\(i)].values[\(j)]: want [\"<unix epoch in nanoseconds>\", \"<log line>\"]")
                }
                entries.append(.init(timestamp: nanos, line: line))
            }
            out.append(.init(labels: map, entries: entries))
        }
        return out
    }

    /// The JSON push body of some streams (what a shipper sends).
    public static func pushBody(_ streams: [LogStream]) -> [UInt8] {
        JSONWriter.bytes(["streams": .array(streams.map(streamJSON))])
    }

    /// One stream as Loki writes it everywhere: `{"stream":{labels},"values":[["ns", "line"], …]}`.
    static func streamJSON(_ s: LogStream) -> JSONValue {
        ["stream": .object(s.labels.mapValues(JSONValue.string)),
         "values": .array(s.entries.map { [.string(String($0.timestamp)), .string($0.line)] })]
    }

    /// A query's answer: `{"status":"success","data":{"resultType":"streams","result":[…],"stats":{…}}}`.
    public static func streamsResult(_ streams: [LogStream]) -> [UInt8] {
        let lines = streams.reduce(0) { $0 + $1.entries.count }
        let bytes = streams.reduce(0) { $0 + $1.entries.reduce(0) { $0 + $1.line.utf8.count } }
        let value: JSONValue = ["status": "success", "data": [
            "resultType": "streams",
            "result": .array(streams.map(streamJSON)),
            "stats": ["summary": ["totalLinesProcessed": .int(Int64(lines)), "totalBytesProcessed": .int(Int64(bytes))]],
        ]]
        return JSONWriter.bytes(value)
    }

    /// One message of Loki's tail websocket: `{"streams":[{"stream":{…},"values":[[ts, line]]}],"dropped_entries":null}`.
    public static func tailMessage(_ streams: [LogStream]) -> [UInt8] {
        JSONWriter.bytes(["streams": .array(streams.map(streamJSON)), "dropped_entries": .null])
    }

    /// `{"status":"success","data":[…]}` (labels, label values).
    public static func stringsResult(_ items: [String]) -> [UInt8] {
        JSONWriter.bytes(["status": "success", "data": .array(items.map(JSONValue.string))])
    }

    /// Loki's error body for a 400: `{"status":"error","errorType":"bad_data","error":"…"}`… as text, which is what Loki sends.
    public static func errorText(_ message: String) -> String { message + "\n" }

    /// The latest time a parameter may name (year 2262 is where nanoseconds in an Int64 end).
    public static let maxTime: Int64 = 9_000_000_000_000_000_000

    /// A time parameter as Loki takes it: a number of 10 digits or fewer (a
    /// fraction allowed) is seconds, a longer one nanoseconds; else RFC 3339.
    /// Nil when absent; throws when unreadable. Clamped to [0, ``maxTime``].
    public static func time(_ text: String?, name: String) throws(LogRefusal) -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        let integerDigits = text.prefix { $0.isNumber || $0 == "-" }.count
        if integerDigits > 10, let n = Int64(text) { return min(max(n, 0), maxTime) }
        if let seconds = Double(text), seconds.isFinite { return clamp(seconds) }
        if let date = try? Date(text, strategy: .iso8601) { return clamp(date.timeIntervalSince1970) }
        throw LogRefusal("invalid \(name) '\(text)': want nanoseconds, seconds or RFC 3339")
    }

    /// Seconds as nanoseconds in [0, ``maxTime``].
    public static func clamp(_ seconds: Double) -> Int64 {
        let nanos = seconds * 1e9
        guard nanos.isFinite, nanos > 0 else { return 0 }
        return nanos >= Double(maxTime) ? maxTime : Int64(nanos)
    }

    /// `since=1h`-style durations (Go's: h, m, s, ms, and d); nil when unreadable or longer than 300 years.
    public static func duration(_ text: String) -> Double? {
        var total = 0.0
        var number = ""
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            number = String(rest.prefix { $0.isNumber || $0 == "." })
            rest = rest.dropFirst(number.count)
            let unit = String(rest.prefix { $0.isLetter })
            rest = rest.dropFirst(unit.count)
            guard let n = Double(number) else { return nil }
            switch unit {
            case "h": total += n * 3600
            case "m": total += n * 60
            case "s": total += n
            case "ms": total += n / 1000
            case "d": total += n * 86400
            default: return nil
            }
        }
        return total.isFinite && total <= 300 * 365 * 86400 ? total : nil
    }
}
