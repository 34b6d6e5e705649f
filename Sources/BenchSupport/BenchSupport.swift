// Helpers of the benchmark drivers (scheduler-bench, controllers-bench):
// output, timing, concurrency and the simulated nodes they create.
import Foundation
public import KubeAPI
import Synchronization

/// Why a benchmark could not go on.
public struct BenchError: Error, CustomStringConvertible {
    public var description: String
    public init(description: String) { self.description = description }
}

/// Prints a line at once (stdout to a pipe would otherwise be block-buffered).
public func say(_ s: String) { FileHandle.standardOutput.write(Data((s + "\n").utf8)) }

/// Seconds since the epoch.
public func now() -> Double { Date().timeIntervalSince1970 }

/// The `p` quantile (0…1) of `xs`.
public func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
}

/// Seconds as milliseconds, for output.
public func ms(_ s: Double) -> String { String(format: "%.2f ms", s * 1000) }

/// The resident set size of a process, for output.
public func rssMB(_ pid: Int32) -> String {
    guard pid > 0, let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return "n/a" }
    let kb = Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    return String(format: "%.1f MB", kb / 1024)
}

/// Hands out 0, 1, 2, ... to concurrent workers.
public final class Counter: Sendable {
    private let value = Mutex(0)

    public init() {}

    /// The next number.
    public func take() -> Int {
        value.withLock { v in
            v += 1
            return v - 1
        }
    }
}

/// Runs `count` jobs on `concurrency` workers; returns per-job latencies and the first error.
public func runConcurrently(count: Int, concurrency: Int, _ job: @escaping @Sendable (Int) async throws -> Void) async -> (latencies: [Double], errors: Int, first: String?) {
    let next = Counter()
    return await withTaskGroup(of: ([Double], Int, String?).self) { group in
        for _ in 0..<concurrency {
            group.addTask {
                var lat: [Double] = []
                var errs = 0
                var first: String?
                while true {
                    let i = next.take()
                    if i >= count { break }
                    let t0 = now()
                    do { try await job(i) } catch {
                        errs += 1
                        if first == nil { first = "\(error)" }
                    }
                    lat.append(now() - t0)
                }
                return (lat, errs, first)
            }
        }
        var all: [Double] = []
        var errors = 0
        var first: String?
        for await (l, e, f) in group {
            all += l
            errors += e
            first = first ?? f
        }
        return (all, errors, first)
    }
}

/// POSTs a JSON object.
public func post(_ client: KubeClient, _ url: String, _ body: JSONValue) async throws {
    _ = try await client.request(.POST, url, body: JSONWriter.bytes(body))
}

/// The simulated node `bench-node-I` (labels for hostname and one of ten zones).
public func node(_ i: Int) -> JSONValue {
    let name = "bench-node-\(i)"
    return ["apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": ["kubernetes.io/hostname": .string(name), "topology.kubernetes.io/zone": .string("zone-\(i % 10)")]]]
}

/// A simulated node's status: capacity for many pods, Ready.
public let nodeStatus: JSONValue = {
    let resources: JSONValue = ["cpu": "32", "memory": "128Gi", "pods": "110"]
    let stamp = JSONValue.string(Timestamp().description)
    return ["status": ["capacity": resources, "allocatable": resources,
                       "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": stamp, "lastTransitionTime": stamp]],
                       "addresses": [["type": "InternalIP", "address": "192.0.2.10"]]]]
}()

/// Creates `count` simulated nodes (`bench-node-I`, capacity and a Ready status, no kubelet).
public func makeNodes(_ client: KubeClient, count: Int, concurrency: Int) async throws {
    let r = await runConcurrently(count: count, concurrency: concurrency) { i in
        try await post(client, client.url(apiVersion: "v1", resource: "nodes", namespace: nil), node(i))
        _ = try await client.request(.PATCH, client.url(apiVersion: "v1", resource: "nodes", namespace: nil, name: "bench-node-\(i)", subresource: "status"),
                                     body: JSONWriter.bytes(nodeStatus), contentType: PatchType.merge.rawValue)
    }
    guard r.errors == 0 else { throw BenchError(description: "\(r.errors) node creations failed, first: \(r.first ?? "")") }
}

/// Runs `command` of a benchmark driver (one of `commands`) against the
/// cluster of `kubeconfig`; exits 1 with the error on failure.
public func runDriver(_ name: String, kubeconfig: String, command: String,
                      commands: [String: @Sendable (KubeClient) async throws -> Void]) async {
    let client: KubeClient
    do {
        client = try KubeClient(config: try KubeConfig.load(path: kubeconfig))
    } catch {
        say("cannot load kubeconfig \(kubeconfig): \(error)")
        exit(1)
    }
    do {
        guard let run = commands[command] else {
            throw BenchError(description: "usage: \(name) \(commands.keys.sorted().joined(separator: "|")) --kubeconfig FILE [options]")
        }
        try await run(client)
    } catch {
        say("\(name): \(error)")
        await client.shutdown()
        exit(1)
    }
    await client.shutdown()
}
