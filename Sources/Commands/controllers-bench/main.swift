// controllers-bench: drives a running controlplane for scripts/bench-controllers.
//
//   controllers-bench jobs     --kubeconfig K [--nodes M] [--count N] [--concurrency C] [--pid PID]
//       M simulated nodes whose pods this driver plays the kubelet for (a
//       Job's pod succeeds at once, any other pod runs and is ready); as the
//       reference, N Deployments of one replica until all are available;
//       then N Jobs of one pod until all are Complete. Prints both rates.
//   controllers-bench cronjobs --kubeconfig K [--nodes M] [--count N] [--firing F] [--pid PID]
//       N CronJobs, F of them every minute and the rest once a year; follows
//       the Jobs created over two minute boundaries and prints how late each
//       came after its scheduled time (the controller's lag with N in its queue).
//
// Lines starting with RESULT are read by the script to compute ratios.
import Foundation
import KubeAPI
import BenchSupport

struct Options {
    var command = ""
    var kubeconfig = ""
    var nodes = 50
    var count = 1_000
    var firing = 100
    var concurrency = 32
    var pid: Int32 = 0
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    o.command = args.popFirst() ?? ""
    while let a = args.popFirst() {
        let v = args.popFirst() ?? ""
        switch a {
        case "--kubeconfig": o.kubeconfig = v
        case "--nodes": o.nodes = Int(v) ?? o.nodes
        case "--count": o.count = Int(v) ?? o.count
        case "--firing": o.firing = Int(v) ?? o.firing
        case "--concurrency": o.concurrency = Int(v) ?? o.concurrency
        case "--pid": o.pid = Int32(v) ?? 0
        default:
            say("unknown option \(a)")
            exit(2)
        }
    }
    return o
}

let podSpec: JSONValue = [
    "terminationGracePeriodSeconds": 0,
    "containers": [["name": "app", "image": "registry.local/app:1.0", "resources": ["requests": ["cpu": "10m", "memory": "16Mi"]]]],
]

func namespace(_ client: KubeClient, _ name: String) async throws {
    try await post(client, client.url(apiVersion: "v1", resource: "namespaces", namespace: nil),
                   ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
}

/// The status a kubelet would report for a pod that started now and is
/// running and ready, or (`succeeded`) already exited 0.
func status(_ p: Pod, succeeded: Bool, ip: String) -> JSONValue {
    let now = JSONValue.string(Timestamp().description)
    let state: JSONValue = succeeded ? ["terminated": ["exitCode": 0, "reason": "Completed", "startedAt": now, "finishedAt": now]]
        : ["running": ["startedAt": now]]
    let ready: JSONValue = succeeded ? "False" : "True"
    return ["status": [
        "phase": succeeded ? "Succeeded" : "Running", "podIP": .string(ip), "hostIP": "192.0.2.10", "startTime": now,
        "conditions": [["type": "PodScheduled", "status": "True"], ["type": "ContainersReady", "status": ready, "lastTransitionTime": now],
                       ["type": "Ready", "status": ready, "lastTransitionTime": now]],
        "containerStatuses": .array((p.spec?.containers ?? []).map { c in
            ["name": .string(c.name ?? ""), "image": .string(c.image ?? ""), "imageID": "", "ready": .bool(!succeeded), "restartCount": 0,
             "started": .bool(!succeeded), "state": state]
        }),
    ]]
}

/// Plays the kubelet of the simulated nodes: a bound pod of a Job succeeds,
/// any other runs and is ready (one status patch each, `concurrency` at a time).
func playKubelet(_ client: KubeClient, concurrency: Int) async {
    var seen: Set<String> = []
    var ips = 0
    await withTaskGroup(of: Void.self) { group in
        var inflight = 0
        while !Task.isCancelled {
            do {
                for try await e in client.watch(Pod.self, namespace: "", keepUnknownFields: false) {
                    guard let p = e.object, let uid = p.metadata.uid, !(p.spec?.nodeName ?? "").isEmpty,
                          (p.status?.phase ?? "Pending") == "Pending", p.metadata.deletionTimestamp == nil, !seen.contains(uid) else { continue }
                    seen.insert(uid)
                    ips += 1
                    let body = status(p, succeeded: p.metadata.ownerReferences?.contains { $0.kind == "Job" } ?? false,
                                      ip: "10.250.\(ips / 250 % 250).\(ips % 250 + 2)")
                    if inflight >= concurrency {
                        await group.next()
                        inflight -= 1
                    }
                    inflight += 1
                    group.addTask {
                        _ = try? await client.patch(Pod.self, name: p.name, namespace: p.namespace, type: .merge, body, subresource: "status")
                    }
                }
            } catch {
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        group.cancelAll()
    }
}

/// Polls until `done` holds for all `count` objects listed; returns when the last did.
func waitAll<T: KubeObject>(_ client: KubeClient, _ type: T.Type, namespace: String, count: Int, timeout: Double,
                            _ done: (T) -> Bool) async throws -> Double {
    let deadline = now() + timeout
    var finished = 0
    while now() < deadline {
        let (items, _) = try await client.listAll(type, namespace: namespace, keepUnknownFields: false)
        finished = items.filter(done).count
        if finished >= count { return now() }
        try await Task.sleep(for: .milliseconds(250))
    }
    throw BenchError(description: "only \(finished) of \(count) \(T.resource) finished within \(Int(timeout)) s (see the controlplane log)")
}

func jobs(_ client: KubeClient, _ o: Options) async throws {
    say("== \(o.count) Deployments of one replica (the reference), then \(o.count) Jobs of one pod, on \(o.nodes) simulated nodes ==")
    try await makeNodes(client, count: o.nodes, concurrency: o.concurrency)
    let kubelet = Task { await playKubelet(client, concurrency: o.concurrency) }
    defer { kubelet.cancel() }
    try await namespace(client, "bench-deploy")
    try await namespace(client, "bench-jobs")

    var t0 = now()
    var r = await runConcurrently(count: o.count, concurrency: o.concurrency) { i in
        let labels: JSONValue = ["app": .string("d\(i)")]
        try await post(client, client.url(apiVersion: "apps/v1", resource: "deployments", namespace: "bench-deploy"),
                       ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string("d-\(i)")],
                        "spec": ["replicas": 1, "selector": ["matchLabels": labels], "template": ["metadata": ["labels": labels], "spec": podSpec]]])
    }
    guard r.errors == 0 else { throw BenchError(description: "\(r.errors) Deployment creations failed, first: \(r.first ?? "")") }
    var done = try await waitAll(client, Deployment.self, namespace: "bench-deploy", count: o.count, timeout: 900) {
        ($0.status?.availableReplicas ?? 0) >= 1
    }
    let deployRate = Double(o.count) / (done - t0)
    say(String(format: "deployments:       %d available %.2f s after the first create = %.1f deployments/s", o.count, done - t0, deployRate))
    say(String(format: "RESULT deployments %.2f", deployRate))

    t0 = now()
    r = await runConcurrently(count: o.count, concurrency: o.concurrency) { i in
        try await post(client, client.url(apiVersion: "batch/v1", resource: "jobs", namespace: "bench-jobs"),
                       ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": .string("j-\(i)")],
                        "spec": ["backoffLimit": 0, "template": ["spec": podSpec.merging(["restartPolicy": "Never"])]]])
    }
    guard r.errors == 0 else { throw BenchError(description: "\(r.errors) Job creations failed, first: \(r.first ?? "")") }
    done = try await waitAll(client, Job.self, namespace: "bench-jobs", count: o.count, timeout: 900) { j in
        j.status?.conditions?.contains { $0.type == "Complete" && $0.status == "True" } ?? false
    }
    let jobRate = Double(o.count) / (done - t0)
    say(String(format: "jobs:              %d Complete %.2f s after the first create = %.1f jobs/s", o.count, done - t0, jobRate))
    say("controlplane RSS:  \(rssMB(o.pid))")
    say(String(format: "RESULT jobs %.2f", jobRate))
}

func cronJobs(_ client: KubeClient, _ o: Options) async throws {
    say("== \(o.count) CronJobs, \(o.firing) of them every minute, on \(o.nodes) simulated nodes ==")
    try await makeNodes(client, count: o.nodes, concurrency: o.concurrency)
    let kubelet = Task { await playKubelet(client, concurrency: o.concurrency) }
    defer { kubelet.cancel() }
    try await namespace(client, "bench-cron")
    let t0 = now()
    let r = await runConcurrently(count: o.count, concurrency: o.concurrency) { i in
        try await post(client, client.url(apiVersion: "batch/v1", resource: "cronjobs", namespace: "bench-cron"),
                       ["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": .string("c-\(i)")],
                        "spec": ["schedule": i < o.firing ? "* * * * *" : "0 0 1 1 *", "successfulJobsHistoryLimit": 1,
                                 "jobTemplate": ["spec": ["template": ["spec": podSpec.merging(["restartPolicy": "Never"])]]]]])
    }
    guard r.errors == 0 else { throw BenchError(description: "\(r.errors) CronJob creations failed, first: \(r.first ?? "")") }
    say(String(format: "cronjobs:          %d created in %.2f s", o.count, now() - t0))
    // Jobs scheduled for the next two minute boundaries after every CronJob exists.
    let first = (now() / 60).rounded(.up) * 60
    let wanted = Set([first, first + 60])
    var lags: [Double] = []
    let deadline = first + 60 + 60
    let watch = Task { () -> [Double] in
        var out: [Double] = []
        do {
            for try await e in client.watch(Job.self, namespace: "bench-cron", keepUnknownFields: false) {
                guard case .added(let j) = e, let text = j.metadata.annotations?[CronJob.scheduledTimestampAnnotation],
                      let scheduled = Timestamp(rfc3339: text)?.date.timeIntervalSince1970, wanted.contains(scheduled) else { continue }
                out.append(now() - scheduled)
                if out.count >= 2 * o.firing { break }
            }
        } catch {}
        return out
    }
    let timer = Task { try? await Task.sleep(for: .seconds(max(1, deadline - now()))); watch.cancel() }
    lags = await watch.value
    timer.cancel()
    guard !lags.isEmpty else { throw BenchError(description: "no Job was created for the minutes at \(Int(first)) and \(Int(first) + 60)") }
    let p99 = percentile(lags, 0.99)
    say(String(format: "schedule lag:      %d of %d Jobs created; after their scheduled time p50 %@  p99 %@  max %@", lags.count, 2 * o.firing,
               ms(percentile(lags, 0.5)), ms(p99), ms(lags.max() ?? 0)))
    say("controlplane RSS:  \(rssMB(o.pid))")
    say(String(format: "RESULT cronlag %.3f", p99))
    say(String(format: "RESULT cronjobs %d", lags.count))
}

extension JSONValue {
    /// The object with `other`'s members added.
    func merging(_ other: JSONValue) -> JSONValue {
        var out = self
        for (k, v) in other.objectValue ?? [:] { out[k] = v }
        return out
    }
}

let opts = parseOptions()
await runDriver("controllers-bench", kubeconfig: opts.kubeconfig, command: opts.command, commands: ["jobs": { try await jobs($0, opts) }, "cronjobs": { try await cronJobs($0, opts) }])
