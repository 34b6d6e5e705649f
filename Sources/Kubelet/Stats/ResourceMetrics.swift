import Foundation

/// `/metrics/resource`: the summary's CPU and memory in the Prometheus text
/// format and under the names the Kubernetes kubelet uses (what
/// metrics-server scrapes), each sample with its collection timestamp.
public enum ResourceMetrics {
    public static func render(_ s: StatsSummary) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Double, time: String?)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples {
                let labels = sample.labels.isEmpty ? "" : "{\(sample.labels)}"
                let ts = sample.time.flatMap(milliseconds).map { " \($0)" } ?? ""
                out += "\(name)\(labels) \(format(sample.value))\(ts)\n"
            }
        }
        func containerLabels(_ p: StatsSummary.PodStats, _ c: StatsSummary.ContainerStats) -> String {
            "container=\"\(escape(c.name))\",namespace=\"\(escape(p.podRef.namespace))\",pod=\"\(escape(p.podRef.name))\""
        }
        func podLabels(_ p: StatsSummary.PodStats) -> String {
            "namespace=\"\(escape(p.podRef.namespace))\",pod=\"\(escape(p.podRef.name))\""
        }
        let containers = s.pods.flatMap { p in p.containers.map { (p, $0) } }
        family("container_cpu_usage_seconds_total", "counter", "[STABLE] Cumulative cpu time consumed by the container in core-seconds",
               containers.compactMap { p, c in c.cpu?.usageCoreNanoSeconds.map { (containerLabels(p, c), Double($0) / 1e9, c.cpu?.time) } })
        family("container_memory_working_set_bytes", "gauge", "[STABLE] Current working set of the container in bytes",
               containers.compactMap { p, c in c.memory?.workingSetBytes.map { (containerLabels(p, c), Double($0), c.memory?.time) } })
        family("container_start_time_seconds", "gauge", "[STABLE] Start time of the container since unix epoch in seconds",
               containers.compactMap { p, c in c.startTime.flatMap(seconds).map { (containerLabels(p, c), $0, nil) } })
        family("node_cpu_usage_seconds_total", "counter", "[STABLE] Cumulative cpu time consumed by the node in core-seconds",
               s.node.cpu?.usageCoreNanoSeconds.map { [("", Double($0) / 1e9, s.node.cpu?.time)] } ?? [])
        family("node_memory_working_set_bytes", "gauge", "[STABLE] Current working set of the node in bytes",
               s.node.memory?.workingSetBytes.map { [("", Double($0), s.node.memory?.time)] } ?? [])
        family("pod_cpu_usage_seconds_total", "counter", "[STABLE] Cumulative cpu time consumed by the pod in core-seconds",
               s.pods.compactMap { p in p.cpu?.usageCoreNanoSeconds.map { (podLabels(p), Double($0) / 1e9, p.cpu?.time) } })
        family("pod_memory_working_set_bytes", "gauge", "[STABLE] Current working set of the pod in bytes",
               s.pods.compactMap { p in p.memory?.workingSetBytes.map { (podLabels(p), Double($0), p.memory?.time) } })
        family("resource_scrape_error", "gauge", "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise", [("", 0, nil)])
        return out
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }

    static func seconds(_ rfc3339: String) -> Double? {
        (try? Date(rfc3339, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))?.timeIntervalSince1970
            ?? (try? Date(rfc3339, strategy: Date.ISO8601FormatStyle()))?.timeIntervalSince1970
    }

    static func milliseconds(_ rfc3339: String) -> Int64? {
        seconds(rfc3339).map { Int64($0 * 1000) }
    }
}
