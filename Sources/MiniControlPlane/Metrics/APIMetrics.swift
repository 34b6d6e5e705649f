import Foundation
import Synchronization

/// Request counts and latency histograms by verb, resource and code, in the
/// Prometheus text format under the names the Kubernetes API server uses.
final class APIMetrics: Sendable {
    static let buckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    private struct Histogram {
        var counts = [UInt64](repeating: 0, count: APIMetrics.buckets.count)
        var sum = 0.0
        var count: UInt64 = 0
    }

    private struct State {
        var requests: [String: UInt64] = [:]
        var latency: [String: Histogram] = [:]
        var watchers = 0
    }

    private let state = Mutex(State())

    /// Records one finished request.
    func record(verb: String, resource: String, code: Int, seconds: Double) {
        let v = verb.uppercased()
        state.withLock { s in
            s.requests["verb=\"\(v)\",resource=\"\(resource)\",code=\"\(code)\"", default: 0] += 1
            var h = s.latency["verb=\"\(v)\",resource=\"\(resource)\"", default: Histogram()]
            for (i, b) in Self.buckets.enumerated() where seconds <= b { h.counts[i] += 1 }
            h.sum += seconds
            h.count += 1
            s.latency["verb=\"\(v)\",resource=\"\(resource)\""] = h
        }
    }

    /// Counts open watches.
    func watchStarted() { state.withLock { $0.watchers += 1 } }
    func watchEnded() { state.withLock { $0.watchers -= 1 } }

    /// The Prometheus exposition text.
    func render() -> String {
        state.withLock { s in
            var out = "# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, resource and HTTP response code.\n"
            out += "# TYPE apiserver_request_total counter\n"
            for k in s.requests.keys.sorted() { out += "apiserver_request_total{\(k)} \(s.requests[k] ?? 0)\n" }
            out += "# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb and resource.\n"
            out += "# TYPE apiserver_request_duration_seconds histogram\n"
            for k in s.latency.keys.sorted() {
                guard let h = s.latency[k] else { continue }
                for (i, b) in Self.buckets.enumerated() {
                    out += "apiserver_request_duration_seconds_bucket{\(k),le=\"\(b)\"} \(h.counts[i])\n"
                }
                out += "apiserver_request_duration_seconds_bucket{\(k),le=\"+Inf\"} \(h.count)\n"
                out += "apiserver_request_duration_seconds_sum{\(k)} \(h.sum)\n"
                out += "apiserver_request_duration_seconds_count{\(k)} \(h.count)\n"
            }
            out += "# HELP apiserver_longrunning_requests Number of open watch requests.\n# TYPE apiserver_longrunning_requests gauge\n"
            out += "apiserver_longrunning_requests{verb=\"WATCH\"} \(s.watchers)\n"
            return out
        }
    }
}
