import Foundation
import KubeAPI
import Testing
import TestSupport

/// PodDisruptionBudgets through the real kubectl: `kubectl create pdb`, the
/// disruption controller's status and the eviction subresource's refusals
/// (pods made Running and Ready by writing their status, as no kubelet runs).
@Suite(.requires(.product("controlplane"), .kubectl))
struct DisruptionBudgetKubectlTests {
    static func pod(_ name: String, app: String = "web") -> String {
        "apiVersion: v1\nkind: Pod\nmetadata: {name: \(name), labels: {app: \(app)}}\nspec:\n  containers: [{name: c, image: busybox:1.36}]\n"
    }

    static func makeRunning(_ c: ClusterFixture, _ name: String, ready: Bool = true) throws {
        let status = #"{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"\#(ready ? "True" : "False")"}]}}"#
        let r = try c.kubectl("patch", "pod", name, "--subresource=status", "--type=merge", "-p", status)
        #expect(r.status == 0, "\(r.output)")
    }

    static func waitFor(_ c: ClusterFixture, _ jsonpath: String, of object: String, _ expected: String) async throws -> Bool {
        await Harness.waitUntil {
            (try? c.kubectl("get", object, "-o", "jsonpath=\(jsonpath)").stdout) == expected
        }
    }

    static func evict(_ client: KubeClient, _ pod: String) async -> Status? {
        do throws(KubeClientError) {
            try await client.evict(pod: pod, namespace: "default")
            return nil
        } catch {
            if case .status(let s) = error { return s }
            return Status(message: "\(error)", reason: "Transport", code: 0)
        }
    }

    @Test func budgetsGuardEvictions() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl("create", "pdb", "web", "--selector=app=web", "--min-available=2")
            #expect(r.status == 0 && r.stdout.contains("poddisruptionbudget.policy/web created"), "\(r.output)")
            for name in ["web-1", "web-2", "web-3"] {
                r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod(name))
                #expect(r.status == 0, "\(r.output)")
                try Self.makeRunning(c, name)
            }
            #expect(try await Self.waitFor(c, "{.status.currentHealthy}/{.status.desiredHealthy}/{.status.expectedPods}/{.status.disruptionsAllowed}",
                                           of: "pdb/web", "3/2/3/1"))
            r = try c.kubectl("get", "pdb", "web")
            #expect(r.stdout.contains("MIN AVAILABLE") && r.stdout.contains("MAX UNAVAILABLE") && r.stdout.contains("ALLOWED DISRUPTIONS"), "\(r.output)")
            #expect(r.stdout.contains("N/A"), "\(r.output)")
            r = try c.kubectl("explain", "pdb.spec.minAvailable")
            #expect(r.status == 0 && r.stdout.contains("An eviction is allowed if at least"), "\(r.output)")
            r = try c.kubectl("get", "pdb", "web", "-o", "jsonpath={.status.conditions[0].type}={.status.conditions[0].reason}")
            #expect(r.stdout == "DisruptionAllowed=SufficientPods", "\(r.output)")

            let client = try c.client()
            do {
                try await Self.evictions(c, client)
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
        }
    }

    static func evictions(_ c: ClusterFixture, _ client: KubeClient) async throws {
        do {
            var r: CommandResult
            // The one allowed disruption is taken.
            #expect(await Self.evict(client, "web-1") == nil)
            #expect(await Harness.waitUntil { (try? c.kubectl("get", "pod", "web-1").status) != 0 })
            // The budget is exhausted: 429 with upstream's message and cause.
            let refused = await Self.evict(client, "web-2")
            #expect(refused?.code == 429 && refused?.message == "Cannot evict pod as it would violate the pod's disruption budget.", "\(String(describing: refused))")
            #expect(refused?.details?.causes?.first?.reason == "DisruptionBudget")
            #expect(try c.kubectl("get", "pod", "web-2").status == 0)
            // A replacement becomes Ready: the eviction is admitted again.
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod("web-4"))
            try Self.makeRunning(c, "web-4")
            #expect(try await Self.waitFor(c, "{.status.disruptionsAllowed}", of: "pdb/web", "1"))
            #expect(await Self.evict(client, "web-2") == nil)

            // A not-ready pod goes with AlwaysAllow even when the budget is spent.
            r = try c.kubectl("create", "pdb", "db", "--selector=app=db", "--max-unavailable=0")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("patch", "pdb", "db", "--type=merge", "-p", #"{"spec":{"unhealthyPodEvictionPolicy":"AlwaysAllow"}}"#)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod("db-1", app: "db"))
            try Self.makeRunning(c, "db-1", ready: false)
            #expect(try await Self.waitFor(c, "{.status.observedGeneration}", of: "pdb/db", "2"))
            #expect(await Self.evict(client, "db-1") == nil)

            // Two budgets over one pod: 500.
            r = try c.kubectl("create", "pdb", "web-too", "--selector=app=web", "--max-unavailable=1")
            #expect(r.status == 0, "\(r.output)")
            let twice = await Self.evict(client, "web-3")
            #expect(twice?.code == 500 && twice?.message == "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
                    "\(String(describing: twice))")

            // Upstream's validation through kubectl.
            r = try c.kubectl(["apply", "-f", "-"], stdin: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: bad}\nspec: {minAvailable: -1}\n")
            #expect(r.status != 0 && r.stderr.contains("spec.minAvailable: Invalid value: -1: must be greater than or equal to 0"), "\(r.output)")
        }
    }
}
