import Foundation
import KubeAPI
import Testing
import TestSupport

/// PodDisruptionBudgets and preemption on a real control plane (etcd) with
/// simulated nodes: the budget's status follows its pods, evictions are
/// refused while it is spent and admitted once a replacement is Ready,
/// `kubectl drain` waits on it, and a high-priority pod preempts a
/// low-priority one on a full node.
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct DisruptionTests {
    static func rc(replicas: Int) -> String {
        """
        apiVersion: v1
        kind: ReplicationController
        metadata: {name: web}
        spec:
          replicas: \(replicas)
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: "nginx:1.25"}]}
        """
    }

    @Test func budgetStatusFollowsPodsAndGuardsEvictions() async throws {
        try await withCluster(nodes: [.init("n1")]) { cp, kubelet in
            try await cp.must("apply", "-f", "-", stdin: Self.rc(replicas: 3))
            try await cp.must("create", "pdb", "web", "--selector=app=web", "--max-unavailable=1")
            let status = { try await cp.must("get", "pdb", "web", "-o", "jsonpath={.status.expectedPods}/{.status.currentHealthy}/{.status.desiredHealthy}/{.status.disruptionsAllowed}") }
            _ = try await TestEnv.eventually { try await status() == "3/3/2/1" }
            #expect(try await status() == "3/3/2/1")
            // A pod not ready: no disruption allowed.
            let pods = try await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}").split(separator: " ").map(String.init)
            #expect(pods.count == 3)
            try await kubelet.setReady(pods[0], false)
            _ = try await TestEnv.eventually { try await status() == "3/2/2/0" }
            #expect(try await status() == "3/2/2/0")
            #expect(try await cp.must("get", "pdb", "web", "-o", "jsonpath={.status.conditions[0].reason}") == "InsufficientPods")
            let client = try cp.client()
            do {
                try await Self.evictions(cp, kubelet, client, pods: pods, status: status)
            } catch {
                await client.shutdown()
                throw error
            }
            await client.shutdown()
        }
    }

    static func evictions(_ cp: TestControlPlane, _ kubelet: FakeKubelet, _ client: KubeClient, pods: [String],
                          status: () async throws -> String) async throws {
        do {
            var refused: Status?
            do throws(KubeClientError) {
                try await client.evict(pod: pods[1], namespace: "default")
            } catch {
                if case .status(let s) = error { refused = s }
            }
            #expect(refused?.code == 429 && refused?.message == "Cannot evict pod as it would violate the pod's disruption budget.")
            // The pod is Ready again: one eviction is admitted; its replacement stays not ready for now.
            try await kubelet.setReady(pods[0], true)
            _ = try await TestEnv.eventually { try await status() == "3/3/2/1" }
            kubelet.state.withLock { $0.unreadyByDefault = true }
            try await client.evict(pod: pods[1], namespace: "default")
            _ = try await TestEnv.eventually { try await status() == "3/2/2/0" }
            #expect(try await status() == "3/2/2/0")
            refused = nil
            do throws(KubeClientError) {
                try await client.evict(pod: pods[2], namespace: "default")
            } catch {
                if case .status(let s) = error { refused = s }
            }
            #expect(refused?.code == 429, "\(String(describing: refused))")
            #expect(refused?.details?.causes?.first?.message == "The disruption budget web needs 2 healthy pods and has 2 currently")
            // The replacement becomes Ready: the budget allows one again and the eviction is admitted.
            let replacement = try await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")
                .split(separator: " ").map(String.init).filter { !pods.contains($0) }
            #expect(replacement.count == 1)
            for p in replacement { try await kubelet.setReady(p, true) }
            _ = try await TestEnv.eventually { try await status() == "3/3/2/1" }
            #expect(try await status() == "3/3/2/1")
            try await client.evict(pod: pods[2], namespace: "default")
        }
    }

    @Test func drainWaitsForTheBudget() async throws {
        try await withCluster(nodes: [.init("n1"), .init("n2")]) { cp, kubelet in
            try await cp.must("apply", "-f", "-", stdin: Self.rc(replicas: 4))
            try await cp.must("create", "pdb", "web", "--selector=app=web", "--max-unavailable=1")
            _ = try await TestEnv.eventually {
                try await cp.must("get", "pdb", "web", "-o", "jsonpath={.status.currentHealthy}/{.status.disruptionsAllowed}") == "4/1"
            }
            let onN1 = { try await cp.must("get", "pods", "-l", "app=web", "--field-selector=spec.nodeName=n1", "-o", "name") }
            let original = Set(try await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}").split(separator: " ").map(String.init))
            let before = try await onN1().split(separator: "\n").count
            // Replacements become Ready only 6 s after they appear, so the second eviction meets a spent budget.
            kubelet.state.withLock { $0.unreadyByDefault = true }
            let readier = Task {
                var seen: [String: Date] = [:]
                while !Task.isCancelled {
                    let names = (try? await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")) ?? ""
                    for n in names.split(separator: " ").map(String.init) where !original.contains(n) {
                        let first = seen[n] ?? Date()
                        seen[n] = first
                        if Date().timeIntervalSince(first) > 6 { try? await kubelet.setReady(n, true) }
                    }
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
            let drain = try await cp.kubectl("drain", "n1", "--ignore-daemonsets", "--timeout=180s")
            readier.cancel()
            await readier.value
            #expect(drain.status == 0, "\(drain.output)")
            if before > 1 {
                // The second eviction waited for the first pod's replacement.
                #expect(drain.output.contains("Cannot evict pod as it would violate the pod's disruption budget."), "\(drain.output)")
            }
            #expect(try await onN1().isEmpty)
            // The last replacement made Ready: the budget is whole again.
            for n in try await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}").split(separator: " ")
                where !original.contains(String(n)) {
                try await kubelet.setReady(String(n), true)
            }
            let healthy = { try await cp.must("get", "pdb", "web", "-o", "jsonpath={.status.currentHealthy}/{.status.disruptionsAllowed}") }
            _ = try await TestEnv.eventually { try await healthy() == "4/1" }
            #expect(try await healthy() == "4/1")
        }
    }

    @Test func aHighPriorityPodPreemptsALowOne() async throws {
        try await withCluster(nodes: [.init("n1", cpu: "1")]) { cp, _ in
            try await cp.must("create", "priorityclass", "low", "--value=10")
            try await cp.must("create", "priorityclass", "high", "--value=1000")
            func pod(_ name: String, _ cls: String) -> String {
                """
                apiVersion: v1
                kind: Pod
                metadata: {name: \(name)}
                spec:
                  priorityClassName: \(cls)
                  containers: [{name: c, image: "nginx:1.25", resources: {requests: {cpu: 800m}}}]
                """
            }
            try await cp.must("apply", "-f", "-", stdin: pod("small", "low"))
            _ = try await TestEnv.eventually { try await cp.must("get", "pod", "small", "-o", "jsonpath={.status.phase}") == "Running" }
            try await cp.must("apply", "-f", "-", stdin: pod("big", "high"))
            _ = try await TestEnv.eventually { try await cp.must("get", "pod", "big", "-o", "jsonpath={.spec.nodeName}") == "n1" }
            #expect(try await cp.must("get", "pod", "big", "-o", "jsonpath={.spec.nodeName}") == "n1")
            // The preemptor was nominated to the node its victim left.
            let nominated = try await cp.must("get", "events", "--field-selector=involvedObject.name=small", "-o", "jsonpath={.items[*].message}")
            #expect(nominated.contains("on node n1"), "\(nominated)")
            #expect(try await cp.kubectl("get", "pod", "small").status != 0)
            let events = try await cp.must("get", "events", "--field-selector=involvedObject.name=small", "-o", "jsonpath={.items[*].reason}")
            #expect(events.contains("Preempted"), "\(events)")
        }
    }
}
