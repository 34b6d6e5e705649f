import Foundation
import HTTPServing
public import Runtime

/// `/metrics/cadvisor`: container metrics under cAdvisor's names and labels
/// (`container`, `image`, `name`, `namespace`, `pod`, and `interface` or
/// `device`), what Prometheus' stock kubelet job, kube-prometheus' rules and
/// Grafana's dashboards query. Figures are the `/stats/summary` ones of the
/// same collection, so both agree. Pod-level series carry `container=""`
/// (the pod's cgroup), as cAdvisor reports a pod's cgroup; network counters
/// are per pod and interface, since a pod's containers share its namespace.
public enum CadvisorMetrics {
    /// What the summary does not say about a running container.
    public struct ContainerInfo: Sendable {
        public var id: String
        public var image: String
    }

    /// - Parameters:
    ///   - containers: by pod UID, then container name.
    ///   - device: the filesystem containers' writable layers and logs live on.
    ///   - blockIO: by pod UID, then container name (``StatsProvider/blockIO``).
    public static func render(_ s: StatsSummary, containers: [String: [String: ContainerInfo]], device: String,
                              machineCores: Int, machineMemory: Int64,
                              blockIO: [String: [String: ContainerStats.Blkio]] = [:],
                              deviceName: (UInt64, UInt64) -> String = Self.blockDeviceName) -> String {
        typealias Sample = PrometheusExposition.Sample
        var out = PrometheusExposition()
        struct Row {
            var labels: [(String, String)]
            var cpu: StatsSummary.CPU?
            var memory: StatsSummary.Memory?
            var container: StatsSummary.ContainerStats?
        }
        var rows: [Row] = []
        for p in s.pods {
            let known = containers[p.podRef.uid] ?? [:]
            for c in p.containers {
                let info = known[c.name]
                rows.append(Row(labels: [("container", c.name), ("image", info?.image ?? ""), ("name", info?.id ?? ""),
                                         ("namespace", p.podRef.namespace), ("pod", p.podRef.name)],
                                cpu: c.cpu, memory: c.memory, container: c))
            }
            rows.append(Row(labels: [("container", ""), ("image", ""), ("name", ""), ("namespace", p.podRef.namespace), ("pod", p.podRef.name)],
                            cpu: p.cpu, memory: p.memory))
        }
        func ms(_ time: String?) -> Int64? { ResourceMetrics.milliseconds(time) }
        func memory(_ name: String, _ help: String, _ value: KeyPath<StatsSummary.Memory, UInt64?>) {
            out.family(name, .gauge, help, rows.compactMap { r in
                r.memory.flatMap { m in m[keyPath: value].map { Sample(r.labels, Double($0), timestampMilliseconds: ms(m.time)) } }
            })
        }
        out.family("container_cpu_usage_seconds_total", .counter, "Cumulative cpu time consumed in seconds.", rows.compactMap { r in
            r.cpu.flatMap { c in c.usageCoreNanoSeconds.map { Sample(r.labels, Double($0) / 1e9, timestampMilliseconds: ms(c.time)) } }
        })
        memory("container_memory_working_set_bytes", "Current working set in bytes.", \.workingSetBytes)
        memory("container_memory_usage_bytes", "Current memory usage in bytes, including all memory regardless of when it was accessed", \.usageBytes)
        memory("container_memory_rss", "Size of RSS in bytes.", \.rssBytes)
        out.family("container_memory_failures_total", .counter, "Cumulative count of memory allocation failures.", rows.flatMap { r -> [Sample] in
            guard let m = r.memory else { return [] }
            return [("pgfault", m.pageFaults), ("pgmajfault", m.majorPageFaults)].compactMap { kind, value in
                value.map { Sample(r.labels + [("failure_type", kind), ("scope", "container")], Double($0), timestampMilliseconds: ms(m.time)) }
            }
        })
        // cAdvisor reports 0 for a cgroup without a memory limit.
        out.family("container_spec_memory_limit_bytes", .gauge, "Memory limit for the container.", rows.compactMap { r in
            r.memory.map { m in Sample(r.labels, m.availableBytes.map { Double($0 + (m.workingSetBytes ?? 0)) } ?? 0) }
        })
        let withFS = rows.filter { $0.container != nil }
        // The writable layer, as cAdvisor measures a container's filesystem (its logs are apart).
        out.family("container_fs_usage_bytes", .gauge, "Number of bytes that are consumed by the container on this filesystem.", withFS.compactMap { r in
            guard let rootfs = r.container?.rootfs, let used = rootfs.usedBytes else { return nil }
            return Sample(r.labels + [("device", device)], Double(used), timestampMilliseconds: ms(rootfs.time))
        })
        // Block I/O per container and device, as cAdvisor's diskIO counters.
        var io: [(labels: [(String, String)], entries: ContainerStats.Blkio)] = []
        for p in s.pods {
            for c in p.containers {
                guard let blkio = blockIO[p.podRef.uid]?[c.name] else { continue }
                let info = containers[p.podRef.uid]?[c.name]
                io.append(([("container", c.name), ("image", info?.image ?? ""), ("name", info?.id ?? ""),
                            ("namespace", p.podRef.namespace), ("pod", p.podRef.name)], blkio))
            }
        }
        for (metric, help, op, bytes) in [
            ("container_fs_reads_bytes_total", "Cumulative count of bytes read", "Read", true),
            ("container_fs_writes_bytes_total", "Cumulative count of bytes written", "Write", true),
            ("container_fs_reads_total", "Cumulative count of reads completed", "Read", false),
            ("container_fs_writes_total", "Cumulative count of writes completed", "Write", false),
        ] {
            out.family(metric, .counter, help, io.flatMap { row in
                (bytes ? row.entries.ioServiceBytesRecursive : row.entries.ioServicedRecursive).filter { $0.op == op }.map { e in
                    Sample(row.labels + [("device", deviceName(e.major, e.minor))], Double(e.value))
                }
            })
        }
        out.family("container_start_time_seconds", .gauge, "Start time of the container since unix epoch in seconds.", rows.compactMap { r in
            r.container?.startTime.flatMap(ResourceMetrics.seconds).map { Sample(r.labels, $0) }
        })
        out.family("container_last_seen", .gauge, "Last time a container was seen by the exporter", rows.compactMap { r in
            (r.cpu?.time ?? r.memory?.time).flatMap(ResourceMetrics.seconds).map { Sample(r.labels, $0.rounded(.down)) }
        })
        let networks: [(labels: [(String, String)], time: String, interface: StatsSummary.Interface)] = s.pods.flatMap { p in
            (p.network?.interfaces ?? []).map { i in
                ([("container", ""), ("image", ""), ("interface", i.name), ("name", ""), ("namespace", p.podRef.namespace), ("pod", p.podRef.name)],
                 p.network?.time ?? "", i)
            }
        }
        for (metric, help, value) in [
            ("container_network_receive_bytes_total", "Cumulative count of bytes received", \StatsSummary.Interface.rxBytes),
            ("container_network_receive_errors_total", "Cumulative count of errors encountered while receiving", \StatsSummary.Interface.rxErrors),
            ("container_network_transmit_bytes_total", "Cumulative count of bytes transmitted", \StatsSummary.Interface.txBytes),
            ("container_network_transmit_errors_total", "Cumulative count of errors encountered while transmitting", \StatsSummary.Interface.txErrors),
        ] {
            out.family(metric, .counter, help, networks.compactMap { n in
                n.interface[keyPath: value].map { Sample(n.labels, Double($0), timestampMilliseconds: ms(n.time)) }
            })
        }
        out.family("machine_cpu_cores", .gauge, "Number of logical CPU cores.", [Sample([], Double(machineCores))])
        out.family("machine_memory_bytes", .gauge, "Amount of memory installed on the machine.", [Sample([], Double(machineMemory))])
        return out.text
    }

    /// `/dev/NAME` of a block device (what `/sys/dev/block/MAJ:MIN` links to), or `MAJ:MIN`.
    public static func blockDeviceName(_ major: UInt64, _ minor: UInt64) -> String {
        let link = "/sys/dev/block/\(major):\(minor)"
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else { return "\(major):\(minor)" }
        return "/dev/" + (target as NSString).lastPathComponent
    }
}
