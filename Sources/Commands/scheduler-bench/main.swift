// scheduler-bench: drives a running controlplane for scripts/bench-scheduler.
//
//   scheduler-bench setup   --kubeconfig K --nodes M --pods N [--anti-affinity] [--concurrency C]
//       creates M simulated nodes (Node objects with capacity and a Ready
//       status, no kubelet) and N pending pods, and, as the reference, N pods
//       that a scheduler ignores (schedulerName bench-manual) which it then
//       binds itself through pods/NAME/binding: the API's own create and
//       binding throughput, the floor any scheduler pays per pod.
//   scheduler-bench measure --kubeconfig K --pods N --pid PID
//       against a controlplane restarted with the scheduler on, follows the
//       scheduler's counters on /metrics until N pods are bound and prints
//       pods/s, the per-pod scheduling latency quantiles and the RSS.
//   scheduler-bench live    --kubeconfig K --pods N --already B --pid PID
//       creates N more pods while the scheduler runs and measures from the
//       first create until they are all bound (end to end, creation included).
//
// Lines starting with RESULT are read by the script to compute ratios.
import Foundation
import KubeAPI
import BenchSupport

struct Options {
    var command = ""
    var kubeconfig = ""
    var nodes = 1_000
    var pods = 10_000
    var concurrency = 32
    var antiAffinity = false
    var already = 0
    var pid: Int32 = 0
    var namespace = "default"
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    o.command = args.popFirst() ?? ""
    while let a = args.popFirst() {
        if a == "--anti-affinity" {
            o.antiAffinity = true
            continue
        }
        let v = args.popFirst() ?? ""
        switch a {
        case "--kubeconfig": o.kubeconfig = v
        case "--nodes": o.nodes = Int(v) ?? o.nodes
        case "--pods": o.pods = Int(v) ?? o.pods
        case "--concurrency": o.concurrency = Int(v) ?? o.concurrency
        case "--already": o.already = Int(v) ?? 0
        case "--pid": o.pid = Int32(v) ?? 0
        case "--namespace": o.namespace = v
        default:
            say("unknown option \(a)")
            exit(2)
        }
    }
    return o
}

/// A pod with requests; with `groups`, required anti-affinity to its group on each host.
func pod(_ name: String, namespace: String, index: Int, groups: Int?, schedulerName: String? = nil) -> JSONValue {
    let group = "g\(index % max(groups ?? 10, 1))"
    var spec: JSONValue = [
        "terminationGracePeriodSeconds": 0,
        "containers": [["name": "app", "image": "registry.local/app:1.0",
                        "resources": ["requests": ["cpu": "100m", "memory": "128Mi"], "limits": ["cpu": "200m", "memory": "256Mi"]]]],
    ]
    if let schedulerName { spec["schedulerName"] = .string(schedulerName) }
    if groups != nil {
        spec["affinity"] = ["podAntiAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": [
            ["labelSelector": ["matchLabels": ["group": .string(group)]], "topologyKey": "kubernetes.io/hostname"],
        ]]]
    }
    return ["apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": ["app": "bench", "group": .string(group)]],
            "spec": spec]
}

/// The scheduler's bound-pod counter and latency quantiles from /metrics.
struct SchedulerSample {
    var scheduled = 0
    var attemptP50 = 0.0, attemptP99 = 0.0
    var sliP50 = 0.0, sliP99 = 0.0

    static func read(_ client: KubeClient) async -> SchedulerSample? {
        guard let bytes = try? await client.request(.GET, client.config.server + "/metrics") else { return nil }
        var s = SchedulerSample()
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("scheduler_") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let v = Double(parts[1]) else { continue }
            switch parts[0] {
            case #"scheduler_schedule_attempts_total{result="scheduled"}"#: s.scheduled = Int(v)
            case #"scheduler_scheduling_attempt_duration_seconds{quantile="0.5"}"#: s.attemptP50 = v
            case #"scheduler_scheduling_attempt_duration_seconds{quantile="0.99"}"#: s.attemptP99 = v
            case #"scheduler_pod_scheduling_sli_duration_seconds{quantile="0.5"}"#: s.sliP50 = v
            case #"scheduler_pod_scheduling_sli_duration_seconds{quantile="0.99"}"#: s.sliP99 = v
            default: break
            }
        }
        return s
    }
}

/// Polls /metrics until `target` pods are bound; returns (first sample with progress, its count, time of the last).
func follow(_ client: KubeClient, target: Int, timeout: Double) async throws -> (first: Double, firstCount: Int, last: Double, sample: SchedulerSample) {
    let deadline = now() + timeout
    var first: (Double, Int)?
    var last = SchedulerSample()
    while now() < deadline {
        if let s = await SchedulerSample.read(client) {
            last = s
            if first == nil, s.scheduled > 0 { first = (now(), s.scheduled) }
            if s.scheduled >= target, let first { return (first.0, first.1, now(), s) }
        }
        try await Task.sleep(for: .milliseconds(50))
    }
    throw BenchError(description: "only \(last.scheduled) of \(target) pods were bound within \(Int(timeout)) s (see the controlplane log)")
}

func setup(_ client: KubeClient, _ o: Options) async throws {
    let groups = o.antiAffinity ? (o.pods + o.nodes - 1) / o.nodes : nil
    say("== setup: \(o.nodes) nodes, \(o.pods) pods\(groups.map { " with required anti-affinity (\($0) groups, one pod of each per node)" } ?? " with requests"), \(o.concurrency) concurrent clients ==")
    var t0 = now()
    try await makeNodes(client, count: o.nodes, concurrency: o.concurrency)
    say(String(format: "nodes:             %d created and made Ready in %.2f s", o.nodes, now() - t0))
    let podsURL = client.url(apiVersion: "v1", resource: "pods", namespace: o.namespace)
    t0 = now()
    var r = await runConcurrently(count: o.pods, concurrency: o.concurrency) { i in
        try await post(client, podsURL, pod("bench-\(i)", namespace: o.namespace, index: i, groups: groups))
    }
    guard r.errors == 0 else { throw BenchError(description: "\(r.errors) pod creations failed, first: \(r.first ?? "")") }
    let createRate = Double(o.pods) / (now() - t0)
    say(String(format: "pending pods:      %d created in %.2f s = %.0f pods/s  p99 %@", o.pods, now() - t0, createRate, ms(percentile(r.latencies, 0.99))))
    say(String(format: "RESULT create %.1f", createRate))
    // The reference: the same pods, placed by this client with one binding each and no decision.
    try await post(client, client.url(apiVersion: "v1", resource: "namespaces", namespace: nil),
                   ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "bench-ref"]])
    let refURL = client.url(apiVersion: "v1", resource: "pods", namespace: "bench-ref")
    r = await runConcurrently(count: o.pods, concurrency: o.concurrency) { i in
        var p = pod("ref-\(i)", namespace: "bench-ref", index: i, groups: nil, schedulerName: "bench-manual")
        p.set(path: ["metadata", "labels"], to: ["app": "ref"])
        try await post(client, refURL, p)
    }
    guard r.errors == 0 else { throw BenchError(description: "\(r.errors) reference pod creations failed, first: \(r.first ?? "")") }
    t0 = now()
    r = await runConcurrently(count: o.pods, concurrency: o.concurrency) { i in
        try await client.bind(pod: "ref-\(i)", namespace: "bench-ref", node: "bench-node-\(i % o.nodes)")
    }
    guard r.errors == 0 else { throw BenchError(description: "\(r.errors) reference bindings failed, first: \(r.first ?? "")") }
    let bindRate = Double(o.pods) / (now() - t0)
    say(String(format: "reference binds:   %d pods/NAME/binding calls in %.2f s = %.0f pods/s  p99 %@ (no decisions: the API's floor)",
               o.pods, now() - t0, bindRate, ms(percentile(r.latencies, 0.99))))
    say(String(format: "RESULT bind %.1f", bindRate))
}

func measure(_ client: KubeClient, _ o: Options) async throws {
    say("== scheduler: \(o.pods) pending pods ==")
    let f = try await follow(client, target: o.pods, timeout: max(300, Double(o.pods) / 20))
    let rate = Double(o.pods - f.firstCount) / max(f.last - f.first, 0.001)
    say(String(format: "scheduled:         %d pods in %.2f s = %.0f pods/s (from the first binding to the last)", o.pods, f.last - f.first, rate))
    say("per-pod latency:   attempt (decision and binding) p50 \(ms(f.sample.attemptP50))  p99 \(ms(f.sample.attemptP99));"
        + " queue to bound p50 \(ms(f.sample.sliP50))  p99 \(ms(f.sample.sliP99)) (all pods queued at once)")
    say("controlplane RSS:  \(rssMB(o.pid))")
    say(String(format: "RESULT schedule %.1f", rate))
}

func live(_ client: KubeClient, _ o: Options) async throws {
    say("== end to end: \(o.pods) pods created while the scheduler runs ==")
    let podsURL = client.url(apiVersion: "v1", resource: "pods", namespace: o.namespace)
    let t0 = now()
    let r = await runConcurrently(count: o.pods, concurrency: o.concurrency) { i in
        try await post(client, podsURL, pod("live-\(i)", namespace: o.namespace, index: i, groups: nil))
    }
    guard r.errors == 0 else { throw BenchError(description: "\(r.errors) pod creations failed, first: \(r.first ?? "")") }
    let created = now()
    let f = try await follow(client, target: o.already + o.pods, timeout: max(300, Double(o.pods) / 20))
    let rate = Double(o.pods) / (f.last - t0)
    say(String(format: "created in %.2f s, all bound %.2f s after the first create = %.0f pods/s", created - t0, f.last - t0, rate))
    say("controlplane RSS:  \(rssMB(o.pid))")
    say(String(format: "RESULT live %.1f", rate))
}

let opts = parseOptions()
await runDriver("scheduler-bench", kubeconfig: opts.kubeconfig, command: opts.command, commands: ["setup": { try await setup($0, opts) }, "measure": { try await measure($0, opts) }, "live": { try await live($0, opts) }])
