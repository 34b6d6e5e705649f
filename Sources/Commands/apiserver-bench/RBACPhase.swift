import Foundation
import KubeAPI
import MiniControlPlane

/// Pod creates by a service account that RBAC authorizes through one of
/// `bindings` RoleBindings, against the same creates by the admin (whom
/// `system:masters` lets through without RBAC) in the same run; then the
/// authorizer's own decision times, in process.
func rbacPhase(_ admin: KubeClient, config: KubeConfig, bindings: Int, pods: Int, concurrency: Int) async {
    let ns = "bench-rbac"
    say("== RBAC: \(bindings) RoleBindings, \(pods) pod creates as admin and as a service account ==")
    @Sendable func post(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        try JSONParser.parse(try await admin.request(.POST, config.server + path, body: JSONWriter.bytes(body)))
    }
    let token: String
    do {
        _ = try await post("/api/v1/namespaces", ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]])
        _ = try await post("/api/v1/namespaces/\(ns)/serviceaccounts", ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": "bench"]])
        _ = try await post("/apis/rbac.authorization.k8s.io/v1/clusterroles", [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": "bench-pod-writer"],
            "rules": [["apiGroups": [""], "resources": ["pods"], "verbs": ["create"]]],
        ])
        let t0 = now()
        let (_, errs) = await runConcurrently(count: bindings, concurrency: concurrency) { i in
            let subject: JSONValue = i == bindings / 2
                ? ["kind": "ServiceAccount", "name": "bench", "namespace": .string(ns)]
                : ["kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": .string("user-\(i)")]
            _ = try await post("/apis/rbac.authorization.k8s.io/v1/namespaces/\(ns)/rolebindings", [
                "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": ["name": .string("b-\(i)")],
                "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "bench-pod-writer"],
                "subjects": [subject],
            ])
        }
        say(String(format: "rolebindings:      %d in %.2f s  errors %d", bindings, now() - t0, errs))
        let tr = try await post("/api/v1/namespaces/\(ns)/serviceaccounts/bench/token",
                                ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": ["expirationSeconds": 3600]])
        token = tr[path: ["status", "token"]]?.stringValue ?? ""
    } catch {
        say("RBAC phase setup failed: \(error)")
        return
    }
    var saConfig = config
    saConfig.token = token
    guard let sa = try? KubeClient(config: saConfig) else { say("cannot make the service account's client"); return }
    // Wait until the service account's binding is in the authorizer's index.
    for _ in 0..<100 {
        var p = podTemplate(0)
        p.metadata.name = "sa-probe"
        p.metadata.namespace = ns
        if (try? await sa.create(p)) != nil { break }
        try? await Task.sleep(for: .milliseconds(100))
    }
    /// One round of creates; returns the seconds it took and its latencies.
    func round(_ c: KubeClient, _ prefix: String, _ count: Int) async -> (Double, [Double], Int) {
        let t0 = now()
        let (lat, errs) = await runConcurrently(count: count, concurrency: concurrency) { i in
            var p = podTemplate(i)
            p.metadata.name = "\(prefix)-\(i)"
            p.metadata.namespace = ns
            _ = try await c.create(p)
        }
        return (now() - t0, lat, errs)
    }
    // Rounds in the order admin, sa, sa, admin, so that the store growing
    // during the run weighs on both sides alike.
    var seconds = ["admin": 0.0, "sa": 0.0], latencies = ["admin": [Double](), "sa": [Double]()], errors = ["admin": 0, "sa": 0]
    let perRound = max(1, pods / 2)
    for (n, who) in ["admin", "sa", "sa", "admin"].enumerated() {
        let (t, lat, errs) = await round(who == "admin" ? admin : sa, "\(who)-\(n)", perRound)
        seconds[who, default: 0] += t
        latencies[who, default: []] += lat
        errors[who, default: 0] += errs
    }
    for who in ["admin", "sa"] {
        let count = perRound * 2, t = seconds[who] ?? 1, lat = latencies[who] ?? []
        say(String(format: "creates as %@: %d in %.2f s = %.0f creates/s  p50 %@  p99 %@  errors %d", who, count, t, Double(count) / t,
                   ms(percentile(lat, 0.5)), ms(percentile(lat, 0.99)), errors[who] ?? 0))
    }
    let adminRate = Double(perRound * 2) / (seconds["admin"] ?? 1), saRate = Double(perRound * 2) / (seconds["sa"] ?? 1)
    say(String(format: "Node,RBAC/admin create throughput ratio: %.2f (target >= 0.9)", saRate / adminRate))
    await sa.shutdown()
    do {
        let (times, allowed) = try AuthorizerBenchmark.decisionTimes(bindings: bindings, decisions: 200_000)
        say(String(format: "authorizer decisions (in process, %d bindings): %d, %d allowed, p50 %.1f µs  p99 %.1f µs (target <= 50 µs)  max %.1f µs",
                   bindings, times.count, allowed, percentile(times, 0.5) * 1e6, percentile(times, 0.99) * 1e6, (times.max() ?? 0) * 1e6))
    } catch {
        say("authorizer benchmark failed: \(error)")
    }
}
