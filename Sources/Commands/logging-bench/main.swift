import BenchSupport
import ClusterLogs
import Foundation
import Glibc
import Kubelet
import KubeAPI
import Logging

// Driver for scripts/bench-logging (not run in CI), against a running
// control plane:
//
//   logging-bench ingest --kubeconfig K LINES FILE   push LINES lines (1 MiB batches, 2 in flight), lines/s;
//                                                    the same lines, as text, into FILE (grep's reference)
//   logging-bench query --kubeconfig K               label, text and regex queries: p50/p99
//   logging-bench shipper --kubeconfig K DIR RATE SECONDS
//                                                    a LogShipper over a CRI file written at RATE lines/s:
//                                                    this process's CPU with and without it

let args = CommandLine.arguments
func arg(_ i: Int) -> String { args.count > i ? args[i] : "" }
guard let k = args.firstIndex(of: "--kubeconfig"), k + 1 < args.count else {
    say("usage: logging-bench ingest|query|shipper --kubeconfig FILE …")
    exit(2)
}
let kubeconfig = args[k + 1]
let rest = args.enumerated().filter { $0.offset != k && $0.offset != k + 1 }.map(\.element)

enum Bench {
/// Line `i`: an access-log-like line; one in 100,000 carries a rare word.
static func line(_ i: Int) -> String {
    let rare = i % 100_000 == 77 ? " needle-rare" : ""
    return "10.244.\(i % 200).\(i % 250) - - [07/Dec/2026:19:00:00 +0000] \"GET /api/items/\(i % 5000) HTTP/1.1\" \(i % 50 == 0 ? 500 : 200) \(i % 9000) \"-\" \"bench/1.0\" req=\(i)\(rare)"
}

/// This process's CPU time so far.
static func cpuSeconds() -> Double {
    var u = rusage()
    getrusage(RUSAGE_SELF.rawValue, &u)
    return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
}
}

await runDriver("logging-bench", kubeconfig: kubeconfig, command: arg(1), commands: [
    "ingest": { client in
        let total = Int(rest.count > 2 ? rest[2] : "") ?? 1_000_000
        let file = rest.count > 3 ? rest[3] : "/dev/null"
        let perBatch = 5000
        let batches = (total + perBatch - 1) / perBatch
        let base = Int64((Date().timeIntervalSince1970 - 1800) * 1e9)
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let out = FileHandle(forWritingAtPath: file)
        let started = now()
        let r = await runConcurrently(count: batches, concurrency: 2) { b in
            var streams: [LogStream] = []
            for s in 0..<10 {
                let labels = ["namespace": "bench", "pod": "web-\(s)", "container": "app", "node": "node-\(s % 3)", "app": "web"]
                let entries = stride(from: b * perBatch + s, to: min((b + 1) * perBatch, total), by: 10).map { i in
                    LogEntry(timestamp: base + Int64(i) * 1000, line: Bench.line(i))
                }
                streams.append(LogStream(labels: labels, entries: entries))
            }
            _ = try await client.request(.POST, client.server + "/loki/api/v1/push", body: LokiAPI.pushBody(streams), timeout: .seconds(120))
        }
        let seconds = now() - started
        guard r.errors == 0 else { throw BenchError(description: "\(r.errors) pushes failed, first: \(r.first ?? "")") }
        // The reference's input: the same lines in a flat file.
        var text = ""
        for i in 0..<total {
            text += Bench.line(i) + "\n"
            if text.utf8.count > 8 << 20 { out?.write(Data(text.utf8)); text = "" }
        }
        out?.write(Data(text.utf8))
        try? out?.close()
        say(String(format: "ingest: %d lines in %.1f s: %.0f lines/s (push p50 %@, p99 %@ per 5,000-line batch)",
                   total, seconds, Double(total) / seconds, ms(percentile(r.latencies, 0.5)), ms(percentile(r.latencies, 0.99))))
    },
    "query": { client in
        let queries: [(String, String)] = [
            ("newest 100 lines of one pod", #"{namespace="bench", pod="web-3"}"#),
            ("a rare word, one pod", #"{namespace="bench", pod="web-7"} |= "needle-rare""#),
            ("a rare word, every stream", #"{namespace="bench"} |= "needle-rare""#),
            ("a common word and a regex", #"{app="web"} |= "HTTP/1.1\" 500" |~ "items/4[0-9]{3}""#),
        ]
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        for (name, q) in queries {
            var latencies: [Double] = []
            var found = 0
            for _ in 0..<30 {
                let t = now()
                let body = try await client.request(.GET, client.server + "/loki/api/v1/query_range?limit=100&since=24h&query=" + (q.addingPercentEncoding(withAllowedCharacters: allowed) ?? q))
                latencies.append(now() - t)
                found = (try JSONParser.parse(body))[path: ["data", "result"]]?.arrayValue?.reduce(0) { $0 + ($1["values"]?.arrayValue?.count ?? 0) } ?? 0
            }
            say("query \(name): \(found) lines, p50 \(ms(percentile(latencies, 0.5))), p99 \(ms(percentile(latencies, 0.99)))")
        }
    },
    "shipper": { client in
        let dir = rest.count > 2 ? rest[2] : "/tmp/logging-bench"
        let rate = Int(rest.count > 3 ? rest[3] : "") ?? 1000
        let seconds = Double(rest.count > 4 ? rest[4] : "") ?? 20
        func write(for duration: Double, file: String) async {
            _ = FileManager.default.createFile(atPath: file, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: file) else { return }
            let start = now()
            var i = 0
            while now() - start < duration {
                // A tenth of a second's lines at a time.
                var text = ""
                for _ in 0..<max(1, rate / 10) {
                    text += "2026-12-07T19:00:00.000000000Z stdout F " + Bench.line(i) + "\n"
                    i += 1
                }
                handle.write(Data(text.utf8))
                try? await Task.sleep(for: .milliseconds(100))
            }
            try? handle.close()
        }
        // Without the shipper: what the writer costs.
        try FileManager.default.createDirectory(atPath: dir + "/idle/bench_writer_u0/app", withIntermediateDirectories: true)
        var t0 = Bench.cpuSeconds()
        await write(for: seconds, file: dir + "/idle/bench_writer_u0/app/0.log")
        let writer = Bench.cpuSeconds() - t0
        // With it.
        try FileManager.default.createDirectory(atPath: dir + "/pods/bench_shipped_u1/app", withIntermediateDirectories: true)
        let shipper = LogShipper(directory: dir + "/pods", nodeName: "bench-node", positionsPath: dir + "/positions.json",
                                 podLabels: { _ in ["app": "shipped"] },
                                 push: { body in _ = try await client.request(.POST, client.server + "/loki/api/v1/push", body: body, timeout: .seconds(10)) },
                                 logger: Logger(label: "bench"))
        let task = Task { await shipper.run() }
        t0 = Bench.cpuSeconds()
        await write(for: seconds, file: dir + "/pods/bench_shipped_u1/app/0.log")
        try? await Task.sleep(for: .seconds(1))
        let both = Bench.cpuSeconds() - t0
        task.cancel()
        await task.value
        let counters = await shipper.counters
        let share = max(0, both - writer) / (seconds + 1) * 100
        say(String(format: "shipper: %d lines/s for %.0f s: %.2f %% of a core (%.2f %% per 1,000 lines/s); %d lines shipped, %d dropped",
                   rate, seconds, share, share / (Double(rate) / 1000), counters.shippedLines, counters.droppedLines))
    },
])
