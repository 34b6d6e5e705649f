import Foundation
import HTTPServing

/// `/metrics/resource`: the summary's CPU and memory in the Prometheus text
/// format and under the names the Kubernetes kubelet uses (what
/// metrics-server scrapes), each sample with its collection timestamp.
public enum ResourceMetrics {
    public static func render(_ s: StatsSummary) -> String {
        var out = PrometheusExposition()
        typealias Sample = PrometheusExposition.Sample
        func containerLabels(_ p: StatsSummary.PodStats, _ c: StatsSummary.ContainerStats) -> [(String, String)] {
            [("container", c.name), ("namespace", p.podRef.namespace), ("pod", p.podRef.name)]
        }
        func podLabels(_ p: StatsSummary.PodStats) -> [(String, String)] {
            [("namespace", p.podRef.namespace), ("pod", p.podRef.name)]
        }
        let containers = s.pods.flatMap { p in p.containers.map { (p, $0) } }
        out.family("container_cpu_usage_seconds_total", .counter, "[STABLE] Cumulative cpu time consumed by the container in core-seconds",
                   containers.compactMap { p, c in c.cpu?.usageCoreNanoSeconds.map { Sample(containerLabels(p, c), Double($0) / 1e9, timestampMilliseconds: milliseconds(c.cpu?.time)) } })
        out.family("container_memory_working_set_bytes", .gauge, "[STABLE] Current working set of the container in bytes",
                   containers.compactMap { p, c in c.memory?.workingSetBytes.map { Sample(containerLabels(p, c), Double($0), timestampMilliseconds: milliseconds(c.memory?.time)) } })
        out.family("container_start_time_seconds", .gauge, "[STABLE] Start time of the container since unix epoch in seconds",
                   containers.compactMap { p, c in c.startTime.flatMap(seconds).map { Sample(containerLabels(p, c), $0) } })
        out.family("node_cpu_usage_seconds_total", .counter, "[STABLE] Cumulative cpu time consumed by the node in core-seconds",
                   s.node.cpu?.usageCoreNanoSeconds.map { [Sample([], Double($0) / 1e9, timestampMilliseconds: milliseconds(s.node.cpu?.time))] } ?? [])
        out.family("node_memory_working_set_bytes", .gauge, "[STABLE] Current working set of the node in bytes",
                   s.node.memory?.workingSetBytes.map { [Sample([], Double($0), timestampMilliseconds: milliseconds(s.node.memory?.time))] } ?? [])
        out.family("pod_cpu_usage_seconds_total", .counter, "[STABLE] Cumulative cpu time consumed by the pod in core-seconds",
                   s.pods.compactMap { p in p.cpu?.usageCoreNanoSeconds.map { Sample(podLabels(p), Double($0) / 1e9, timestampMilliseconds: milliseconds(p.cpu?.time)) } })
        out.family("pod_memory_working_set_bytes", .gauge, "[STABLE] Current working set of the pod in bytes",
                   s.pods.compactMap { p in p.memory?.workingSetBytes.map { Sample(podLabels(p), Double($0), timestampMilliseconds: milliseconds(p.memory?.time)) } })
        out.family("resource_scrape_error", .gauge, "[STABLE] 1 if there was an error while getting container metrics, 0 otherwise", [Sample([], 0)])
        return out.text
    }

    static func seconds(_ rfc3339: String) -> Double? {
        (try? Date(rfc3339, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))?.timeIntervalSince1970
            ?? (try? Date(rfc3339, strategy: Date.ISO8601FormatStyle()))?.timeIntervalSince1970
    }

    static func milliseconds(_ rfc3339: String?) -> Int64? {
        rfc3339.flatMap(seconds).map { Int64($0 * 1000) }
    }
}
