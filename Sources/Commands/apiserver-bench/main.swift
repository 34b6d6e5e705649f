// apiserver-bench: drives a running controlplane with the KubeAPI client and
// prints create, list and watch figures; with --etcd it also measures raw
// etcd puts through the same HTTP stack for reference. Invoked by
// scripts/bench-apiserver, which starts and stops the processes.
import AsyncHTTPClient
import Foundation
import KubeAPI
import MiniControlPlane
import NIOCore
import Synchronization

struct Options {
    var kubeconfig = ""
    var pods = 10_000
    var concurrency = 32
    var watchers = 100
    var updates = 1_000
    var pid: Int32 = 0
    var etcd: String?
    var label = ""
    /// RoleBindings for the RBAC phase (0 skips it).
    var rbacBindings = 10_000
    /// Custom objects (and as many ConfigMaps) for the extension phase (0 skips it).
    var customObjects = 4_000
}

func parseOptions() -> Options {
    var o = Options()
    var args = CommandLine.arguments.dropFirst()
    while let a = args.popFirst() {
        let v = args.popFirst() ?? ""
        switch a {
        case "--kubeconfig": o.kubeconfig = v
        case "--pods": o.pods = Int(v) ?? o.pods
        case "--concurrency": o.concurrency = Int(v) ?? o.concurrency
        case "--watchers": o.watchers = Int(v) ?? o.watchers
        case "--updates": o.updates = Int(v) ?? o.updates
        case "--pid": o.pid = Int32(v) ?? 0
        case "--etcd": o.etcd = v
        case "--label": o.label = v
        case "--rbac-bindings": o.rbacBindings = Int(v) ?? o.rbacBindings
        case "--custom-objects": o.customObjects = Int(v) ?? o.customObjects
        default: say("unknown option \(a)"); exit(2)
        }
    }
    return o
}

/// A value behind a lock, shareable between tasks.
final class Locked<T: Sendable>: Sendable {
    private let m: Mutex<T>
    init(_ v: T) { m = Mutex(v) }
    func withLock<R: Sendable>(_ body: (inout T) -> R) -> R { m.withLock { body(&$0) } }
}

/// Prints a line at once (stdout to a pipe would otherwise be block-buffered).
func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }

func now() -> Double { Date().timeIntervalSince1970 }

func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
}

func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1000) }

func rssMB(_ pid: Int32) -> String {
    guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return "n/a" }
    let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    return String(format: "%.1f MB", kb / 1024)
}

func podTemplate(_ i: Int) -> Pod {
    var c = Container(name: "app", image: "registry.local/app:1.0")
    c.ports = [ContainerPort(containerPort: 8080, name: "http")]
    c.env = [EnvVar(name: "INDEX", value: String(i))]
    c.resources = ResourceRequirements(limits: ["cpu": "100m", "memory": "64Mi"], requests: ["cpu": "50m", "memory": "32Mi"])
    var spec = PodSpec(containers: [c])
    spec.nodeName = "bench-node-\(i % 10)"
    return Pod(metadata: ObjectMeta(name: "bench-\(i)", namespace: "default", labels: ["app": "bench", "shard": String(i % 10)]), spec: spec)
}

/// Runs `count` jobs on `concurrency` workers; returns per-job latencies.
func runConcurrently(count: Int, concurrency: Int, _ job: @escaping @Sendable (Int) async throws -> Void) async -> (latencies: [Double], errors: Int) {
    let next = Locked(0)
    return await withTaskGroup(of: ([Double], Int).self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var lat: [Double] = []
                var errs = 0
                while true {
                    let i = next.withLock { (v: inout Int) -> Int in v += 1; return v - 1 }
                    if i >= count { break }
                    let t0 = now()
                    do { try await job(i) } catch { errs += 1 }
                    lat.append(now() - t0)
                }
                return (lat, errs)
            }
        }
        var all: [Double] = []
        var errors = 0
        for await (l, e) in group {
            all += l
            errors += e
        }
        return (all, errors)
    }
}

func rawEtcd(_ endpoint: String, count: Int, concurrency: Int) async {
    let client = HTTPClient(eventLoopGroupProvider: .singleton)
    let value = Data(JSONWriter.bytes(KubeCodec.encodeObject(podTemplate(0)))).base64EncodedString()
    let t0 = now()
    let (lat, errs) = await runConcurrently(count: count, concurrency: concurrency) { i in
        var req = HTTPClientRequest(url: endpoint + "/v3/kv/put")
        req.method = .POST
        let key = Data("/bench/raw/\(i)".utf8).base64EncodedString()
        req.body = .bytes(ByteBuffer(string: #"{"key":"\#(key)","value":"\#(value)"}"#))
        let resp = try await client.execute(req, timeout: .seconds(30))
        _ = try await resp.body.collect(upTo: 1 << 20)
        guard resp.status == .ok else { throw KubeClientError.transport("etcd put \(resp.status)") }
    }
    let elapsed = now() - t0
    say(String(format: "raw etcd puts:     %d in %.2f s = %.0f puts/s  p50 %@  p99 %@  errors %d", count, elapsed, Double(count) / elapsed,
                 ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99)), errs))
    try? await client.shutdown()
}

let opts = parseOptions()
if let etcd = opts.etcd, opts.kubeconfig.isEmpty {
    await rawEtcd(etcd, count: opts.pods, concurrency: opts.concurrency)
    exit(0)
}
guard let config = try? KubeConfig.load(path: opts.kubeconfig), let client = try? KubeClient(config: config) else {
    say("cannot load kubeconfig \(opts.kubeconfig)")
    exit(1)
}
say("== \(opts.label): \(opts.pods) pod creates from \(opts.concurrency) concurrent clients ==")
let t0 = now()
let (lat, errs) = await runConcurrently(count: opts.pods, concurrency: opts.concurrency) { i in
    _ = try await client.create(podTemplate(i))
}
let elapsed = now() - t0
say(String(format: "creates:           %d in %.2f s = %.0f creates/s  p50 %@  p99 %@  errors %d", opts.pods, elapsed, Double(opts.pods) / elapsed,
             ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99)), errs))
say("controlplane RSS after creates: \(rssMB(opts.pid))")

// The same pods created by server-side apply (PATCH application/apply-patch+yaml
// to names that do not exist yet): merge, field ownership and managedFields on
// top of defaulting and validation, as a ratio to the plain creates above.
let t1 = now()
let (applyLat, applyErrs) = await runConcurrently(count: opts.pods, concurrency: opts.concurrency) { i in
    var pod = podTemplate(i)
    pod.metadata.name = "bench-apply-\(i)"
    let url = client.url(apiVersion: "v1", resource: "pods", namespace: "default", name: "bench-apply-\(i)") + "?fieldManager=bench"
    _ = try await client.request(.PATCH, url, body: JSONWriter.bytes(KubeCodec.encodeObject(pod)), contentType: "application/apply-patch+yaml")
}
let applyElapsed = now() - t1
say(String(format: "apply creates:     %d in %.2f s = %.0f creates/s  p50 %@  p99 %@  errors %d", opts.pods, applyElapsed,
             Double(opts.pods) / applyElapsed, ms(percentile(applyLat, 0.5)), ms(percentile(applyLat, 0.99)), applyErrs))
say(String(format: "apply/create throughput ratio: %.2f (target >= 0.8)", elapsed / applyElapsed))

var listTimes: [Double] = []
var listRV = ""
var parseTime = 0.0
for _ in 0..<3 {
    let t = now()
    let url = client.url(apiVersion: "v1", resource: "pods", namespace: "default")
    let bytes = (try? await client.request(.GET, url)) ?? []
    listTimes.append(now() - t)
    let p0 = now()
    if let v = try? JSONParser.parse(bytes) {
        listRV = v[path: ["metadata", "resourceVersion"]]?.stringValue ?? ""
        parseTime = now() - p0
        if listTimes.count == 1 { say("list returned \(v["items"]?.arrayValue?.count ?? 0) pods, \(bytes.count / 1024) KiB") }
    }
}
say("list all pods:     median \(ms(percentile(listTimes, 0.5))) until the last byte (runs: \(listTimes.map(ms).joined(separator: ", "))); client JSON parse \(ms(parseTime))")

// Watch fan-out: watchers see every update; latency from the update's send time.
let sendTimes = Locked<[String: Double]>([:])
let received = Locked<[Double]>([])
let ready = Locked(0)
let watchRV = listRV
let watchTask = Task {
    await withTaskGroup(of: Void.self) { group in
        for _ in 0..<opts.watchers {
            group.addTask {
                guard let wc = try? KubeClient(config: config) else { return }
                var o = ListOptions(labelSelector: nil, resourceVersion: watchRV)
                o.fieldSelector = nil
                ready.withLock { $0 += 1 }
                var seen = 0
                do {
                    for try await e in wc.watch(Pod.self, namespace: "default", options: o) {
                        guard case .modified(let p) = e, let tag = p.metadata.annotations?["bench-update"] else { continue }
                        let t = now()
                        if let sent = sendTimes.withLock({ $0[tag] }) { received.withLock { $0.append(t - sent) } }
                        seen += 1
                        if seen == opts.updates { break }
                    }
                } catch {}
                await wc.shutdown()
            }
        }
    }
}
while ready.withLock({ $0 }) < opts.watchers { try? await Task.sleep(for: .milliseconds(50)) }
try? await Task.sleep(for: .seconds(1))
say("== \(opts.watchers) watchers, \(opts.updates) updates ==")
let u0 = now()
let (ulat, uerrs) = await runConcurrently(count: opts.updates, concurrency: 8) { i in
    let tag = "u\(i)"
    sendTimes.withLock { $0[tag] = now() }
    _ = try await client.patch(Pod.self, name: "bench-\(i % opts.pods)", namespace: "default", type: .merge,
                               ["metadata": ["annotations": ["bench-update": .string(tag)]]])
}
let deadline = now() + 120
while received.withLock({ $0.count }) < opts.watchers * opts.updates && now() < deadline {
    try? await Task.sleep(for: .milliseconds(100))
}
watchTask.cancel()
let deliveries = received.withLock { $0 }
say(String(format: "updates:           %d in %.2f s  p50 %@  p99 %@  errors %d", opts.updates, now() - u0,
             ms(percentile(ulat, 0.5)), ms(percentile(ulat, 0.99)), uerrs))
say("watch deliveries:  \(deliveries.count) of \(opts.watchers * opts.updates)  latency p50 \(ms(percentile(deliveries, 0.5)))  p99 \(ms(percentile(deliveries, 0.99)))")
say("controlplane RSS after watch: \(rssMB(opts.pid))")
if opts.customObjects > 0 {
    await extensionPhase(client, config: config, dataDir: URL(fileURLWithPath: opts.kubeconfig).deletingLastPathComponent(),
                         count: opts.customObjects, concurrency: opts.concurrency)
}
if opts.rbacBindings > 0 { await rbacPhase(client, config: config, bindings: opts.rbacBindings, pods: opts.pods / 2, concurrency: opts.concurrency) }
await client.shutdown()
