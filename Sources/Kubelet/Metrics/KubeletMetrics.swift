import Foundation
import Runtime
public import Prometheus
import LinuxSystem
import Synchronization

/// The kubelet's own Prometheus metrics (`/metrics`), named as the
/// Kubernetes kubelet names them so existing dashboards and alerts apply:
/// pod worker and sync latency, probe results, runtime operation latency
/// and errors, running pods and containers.
public final class KubeletMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The volume gauges set at the last scrape, to drop those of claims gone since.
    let volumeGauges = Mutex<[VolumeKey: [Gauge]]>([:])

    struct VolumeKey: Hashable, Sendable {
        var namespace: String
        var claim: String
    }
    static let buckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30].map { .milliseconds(Int($0 * 1000)) }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
    }

    func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: metric, unitName: unit, helpText: help)
    }

    /// One pod worker sync (`operation_type` sync, create, terminate).
    public func podWorker(_ operation: String, seconds: Double) {
        registry.makeDurationHistogram(
            descriptor: name("kubelet_pod_worker_duration", "seconds", "Duration in seconds to sync a single pod, by operation type."),
            labels: [("operation_type", operation)], buckets: Self.buckets).record(.nanoseconds(Int64(seconds * 1e9)))
    }

    /// Time from a pod's creation on the API server to all of its containers running.
    public func podStarted(seconds: Double) {
        registry.makeDurationHistogram(
            descriptor: name("kubelet_pod_start_duration", "seconds", "Duration in seconds from the kubelet seeing a pod to the pod starting."),
            labels: [], buckets: Self.buckets).record(.nanoseconds(Int64(seconds * 1e9)))
    }

    /// One probe result.
    public func probe(kind: String, result: String, pod: String, namespace: String, container: String) {
        registry.makeCounter(
            descriptor: name("prober_probe", "total", "Cumulative number of liveness, readiness or startup probes by result."),
            labels: [("probe_type", kind), ("result", result), ("container", container), ("pod", pod), ("namespace", namespace)]).increment()
    }

    /// One runtime operation (create_container, start_container, stop_container, remove_container, exec, …).
    public func runtimeOperation(_ operation: String, seconds: Double, failed: Bool) {
        registry.makeDurationHistogram(
            descriptor: name("kubelet_runtime_operations_duration", "seconds", "Duration in seconds of runtime operations, by operation type."),
            labels: [("operation_type", operation)], buckets: Self.buckets).record(.nanoseconds(Int64(seconds * 1e9)))
        registry.makeCounter(descriptor: name("kubelet_runtime_operations", "total", "Cumulative number of runtime operations by operation type."),
                             labels: [("operation_type", operation)]).increment()
        if failed {
            registry.makeCounter(descriptor: name("kubelet_runtime_operations_errors", "total", "Cumulative number of runtime operation errors by operation type."),
                                 labels: [("operation_type", operation)]).increment()
        }
    }

    /// Times `body` as a runtime operation.
    public func timed<T>(_ operation: String, _ body: () throws -> T) rethrows -> T {
        let start = Monotonic.now()
        do {
            let value = try body()
            runtimeOperation(operation, seconds: Monotonic.now() - start, failed: false)
            return value
        } catch {
            runtimeOperation(operation, seconds: Monotonic.now() - start, failed: true)
            throw error
        }
    }

    /// Pods and containers by state, set just before each scrape.
    public func setRunning(pods: Int, containers: [String: Int]) {
        registry.makeGauge(descriptor: name("kubelet_running_pods", "", "Number of pods that have a running pod sandbox.")).set(Double(pods))
        for state in ["running", "created", "exited", "unknown"] {
            registry.makeGauge(descriptor: name("kubelet_running_containers", "", "Number of containers currently running, by state."),
                               labels: [("container_state", state)]).set(Double(containers[state] ?? 0))
        }
    }

    /// `kubelet_volume_stats_*` for each claim mounted on this node (one
    /// series per claim however many pods use it), set just before each
    /// scrape; the series of claims no longer mounted go.
    public func setVolumeStats(_ volumes: [StatsSummary.VolumeStats]) {
        var seen: [VolumeKey: StatsSummary.VolumeStats] = [:]
        for v in volumes {
            guard let ref = v.pvcRef else { continue }
            seen[VolumeKey(namespace: ref.namespace, claim: ref.name)] = v
        }
        let gauges: [(String, String, String, KeyPath<StatsSummary.VolumeStats, UInt64?>)] = [
            ("kubelet_volume_stats_capacity", "bytes", "Capacity in bytes of the volume", \.capacityBytes),
            ("kubelet_volume_stats_available", "bytes", "Number of available bytes in the volume", \.availableBytes),
            ("kubelet_volume_stats_used", "bytes", "Number of used bytes in the volume", \.usedBytes),
            ("kubelet_volume_stats_inodes", "", "Maximum number of inodes in the volume", \.inodes),
            ("kubelet_volume_stats_inodes_free", "", "Number of free inodes in the volume", \.inodesFree),
            ("kubelet_volume_stats_inodes_used", "", "Number of used inodes in the volume", \.inodesUsed),
        ]
        var made: [VolumeKey: [Gauge]] = [:]
        for (key, v) in seen {
            for (metric, unit, help, path) in gauges {
                guard let value = v[keyPath: path] else { continue }
                let gauge = registry.makeGauge(descriptor: name(metric, unit, help),
                                               labels: [("namespace", key.namespace), ("persistentvolumeclaim", key.claim)])
                gauge.set(Double(value))
                made[key, default: []].append(gauge)
            }
        }
        let gone = volumeGauges.withLock { previous in
            defer { previous = made }
            return previous.filter { made[$0.key] == nil }.values.joined()
        }
        for gauge in gone { registry.unregisterGauge(gauge) }
    }

    /// The exposition text.
    public func render() -> [UInt8] { registry.emitToBuffer() }
}
