import Foundation
import KubeAPI
import Synchronization
import Testing
import TestSupport

let webDeployment = """
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: web
      annotations: {kubernetes.io/change-cause: "first"}
    spec:
      replicas: 6
      selector: {matchLabels: {app: web}}
      strategy:
        type: RollingUpdate
        rollingUpdate: {maxSurge: 2, maxUnavailable: 1}
      template:
        metadata: {labels: {app: web}}
        spec:
          containers:
          - name: web
            image: nginx:1.25
            resources: {requests: {cpu: 100m, memory: 64Mi}}
    """

/// Watches a Deployment's ReplicaSets and pods during a rollout and records
/// every observed state that breaks maxSurge or maxUnavailable.
final class RolloutObserver: @unchecked Sendable {
    struct State {
        var specs: [String: Int] = [:]
        var pods: [String: (ready: Bool, terminating: Bool)] = [:]
        var violations: [String] = []
        var maxTotal = 0
        var minAvailable = Int.max
    }

    let state = Mutex(State())
    let maxTotal: Int
    let minAvailable: Int

    init(maxTotal: Int, minAvailable: Int) {
        self.maxTotal = maxTotal
        self.minAvailable = minAvailable
    }

    func observe(_ client: KubeClient, selector: String) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                guard let (items, rv) = try? await client.listAll(ReplicaSet.self, namespace: "default", options: ListOptions(labelSelector: selector)) else { return }
                self.state.withLock { s in for rs in items { s.specs[rs.name] = rs.spec?.replicas ?? 0 } }
                do {
                    for try await e in client.watchResuming(ReplicaSet.self, namespace: "default", from: rv, options: ListOptions(labelSelector: selector)) {
                        if case .deleted(let rs) = e { self.replicaSet(rs, deleted: true) } else if let rs = e.object { self.replicaSet(rs, deleted: false) }
                    }
                } catch {}
            }
            group.addTask {
                guard let (items, rv) = try? await client.listAll(Pod.self, namespace: "default", options: ListOptions(labelSelector: selector)) else { return }
                self.state.withLock { s in
                    for p in items { s.pods[p.name] = (p.status?.conditions?.first { $0.type == "Ready" }?.status == "True", p.metadata.deletionTimestamp != nil) }
                }
                do {
                    for try await e in client.watchResuming(Pod.self, namespace: "default", from: rv, options: ListOptions(labelSelector: selector)) {
                        if case .deleted(let p) = e { self.pod(p, deleted: true) } else if let p = e.object { self.pod(p, deleted: false) }
                    }
                } catch {}
            }
        }
    }

    func replicaSet(_ rs: ReplicaSet, deleted: Bool) {
        state.withLock { s in
            s.specs[rs.name] = deleted ? nil : (rs.spec?.replicas ?? 0)
            let total = s.specs.values.reduce(0, +)
            s.maxTotal = max(s.maxTotal, total)
            if total > maxTotal { s.violations.append("ReplicaSets ask for \(total) pods: \(s.specs)") }
        }
    }

    func pod(_ p: Pod, deleted: Bool) {
        state.withLock { s in
            s.pods[p.name] = deleted ? nil : (p.status?.conditions?.first { $0.type == "Ready" }?.status == "True", p.metadata.deletionTimestamp != nil)
            let available = s.pods.values.filter { $0.ready && !$0.terminating }.count
            s.minAvailable = min(s.minAvailable, available)
            if available < minAvailable { s.violations.append("only \(available) pods available") }
        }
    }
}

@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct DeploymentTests {
    static let nodes = [FakeKubelet.NodeSpec("n1"), FakeKubelet.NodeSpec("n2"), FakeKubelet.NodeSpec("n3")]

    func readyPods(_ cp: TestControlPlane, _ selector: String) async throws -> Int {
        let out = try await cp.must("get", "pods", "-l", selector, "-o",
                              "jsonpath={range .items[*]}{.metadata.deletionTimestamp}|{.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}")
        return out.split(separator: "\n").filter { $0 == "|True" }.count
    }

    @Test func applyScaleUpAndDown() async throws {
        try await withCluster(nodes: Self.nodes) { cp, _ in
            // Every node Ready first, so the scheduler has seen all three (under a loaded
            // test run its watch can lag the node registrations).
            let allReady = try await TestEnv.eventually {
                try await cp.must("get", "nodes", "-o", "jsonpath={.items[*].status.conditions[?(@.type==\"Ready\")].status}")
                    .split(separator: " ").filter { $0 == "True" }.count == 3
            }
            #expect(allReady)
            try await cp.must("apply", "-f", "-", stdin: webDeployment)
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            #expect(try await readyPods(cp, "app=web") == 6)
            #expect(try await cp.must("get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}/{.status.availableReplicas}/{.status.updatedReplicas}") == "6/6/6")
            // Pods spread over the nodes (default spreading by owner).
            let nodes = try await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.nodeName}").split(separator: " ")
            #expect(Set(nodes).count == 3)
            try await cp.must("scale", "deployment", "web", "--replicas=9")
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            #expect(try await readyPods(cp, "app=web") == 9)
            try await cp.must("scale", "deployment", "web", "--replicas=2")
            let down = try await TestEnv.eventually {
                try await cp.must("get", "pods", "-l", "app=web", "-o", "name").split(separator: "\n").count == 2
            }
            #expect(down)
            #expect(try await cp.must("get", "rs", "-l", "app=web", "-o", "jsonpath={.items[*].status.replicas}") == "2")
            // Events users read in kubectl describe.
            let describe = try await cp.must("describe", "deployment", "web")
            #expect(describe.contains("ScalingReplicaSet") && describe.contains("Scaled up replica set web-"))
            let rsEvents = try await cp.must("get", "events", "--field-selector", "reason=SuccessfulCreate", "-o", "name")
            #expect(!rsEvents.isEmpty)
            let scheduled = try await cp.must("get", "events", "--field-selector", "reason=Scheduled", "-o", "jsonpath={.items[0].message}")
            #expect(scheduled.hasPrefix("Successfully assigned default/web-"))
        }
    }

    @Test func rollingUpdateRespectsMaxSurgeAndMaxUnavailableAtEveryStep() async throws {
        try await withCluster(nodes: Self.nodes) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: webDeployment)
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            let client = try cp.client()
            defer { Task { await client.shutdown() } }
            let observer = RolloutObserver(maxTotal: 6 + 2, minAvailable: 6 - 1)
            let watching = Task { await observer.observe(client, selector: "app=web") }
            // Let the observer's lists land before the rollout starts.
            try await Task.sleep(for: .milliseconds(500))
            try await cp.must("set", "image", "deployment/web", "web=nginx:1.26")
            try await cp.must("rollout", "status", "deployment/web", "--timeout=180s")
            watching.cancel()
            let s = observer.state.withLock { $0 }
            #expect(s.violations.isEmpty, "\(s.violations.prefix(5))")
            #expect(s.maxTotal == 8, "the rollout should surge to 8 pods")
            #expect(s.minAvailable >= 5)
            let images = try await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}")
            #expect(Set(images.split(separator: " ")) == ["nginx:1.26"])
            #expect(try await cp.must("get", "rs", "-l", "app=web", "-o", "name").split(separator: "\n").count == 2)
            let status = try await cp.must("get", "deploy", "web", "-o", "jsonpath={.status.conditions[?(@.type==\"Progressing\")].reason} {.status.conditions[?(@.type==\"Available\")].status}")
            #expect(status == "NewReplicaSetAvailable True")
        }
    }

    @Test func rollbackWithRolloutUndoAndHistory() async throws {
        try await withCluster(nodes: Self.nodes) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: webDeployment)
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            try await cp.must("set", "image", "deployment/web", "web=nginx:1.26")
            try await cp.must("annotate", "deployment/web", "kubernetes.io/change-cause=second", "--overwrite")
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            var history = try await cp.must("rollout", "history", "deployment/web")
            #expect(history.contains("REVISION") && history.contains("1 ") && history.contains("2 "), "\(history)")
            #expect(try await cp.must("get", "deploy", "web", "-o", "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}") == "2")
            let undo = try await cp.must("rollout", "undo", "deployment/web")
            #expect(undo.contains("rolled back"))
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            let image = try await cp.must("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")
            #expect(image == "nginx:1.25")
            let podImages = try await TestEnv.eventually {
                Set(try await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}").split(separator: " ")) == ["nginx:1.25"]
            }
            #expect(podImages)
            // The first ReplicaSet is reused and becomes revision 3; revision 1 is now history.
            history = try await cp.must("rollout", "history", "deployment/web")
            #expect(history.contains("2 ") && history.contains("3 ") && !history.contains("\n1 "), "\(history)")
            #expect(try await cp.must("get", "rs", "-l", "app=web", "-o", "name").split(separator: "\n").count == 2)
            try await cp.must("rollout", "undo", "deployment/web", "--to-revision=2")
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            #expect(try await cp.must("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}") == "nginx:1.26")
        }
    }

    @Test func recreatePausedAndProgressDeadline() async throws {
        try await withCluster(nodes: Self.nodes) { cp, kubelet in
            let recreate = webDeployment.replacingOccurrences(of: "type: RollingUpdate\n    rollingUpdate: {maxSurge: 2, maxUnavailable: 1}", with: "type: Recreate")
                .replacingOccurrences(of: "replicas: 6", with: "replicas: 3")
            try await cp.must("apply", "-f", "-", stdin: recreate)
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            let client = try cp.client()
            defer { Task { await client.shutdown() } }
            // Recreate: never old and new pods at once.
            let mixed = Mutex(false)
            let watching = Task {
                var pods: [String: String] = [:]
                guard let (items, rv) = try? await client.listAll(Pod.self, namespace: "default", options: ListOptions(labelSelector: "app=web")) else { return }
                for p in items { pods[p.name] = p.spec?.containers.first?.image ?? "" }
                for try await e in client.watchResuming(Pod.self, namespace: "default", from: rv, options: ListOptions(labelSelector: "app=web")) {
                    guard let p = e.object else { continue }
                    if case .deleted = e { pods[p.name] = nil } else { pods[p.name] = p.spec?.containers.first?.image ?? "" }
                    if Set(pods.values).count > 1 { mixed.withLock { $0 = true } }
                }
            }
            try await Task.sleep(for: .milliseconds(300))
            try await cp.must("set", "image", "deployment/web", "web=nginx:1.26")
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")
            watching.cancel()
            #expect(!mixed.withLock { $0 }, "old and new pods ran at the same time")

            // Paused: template changes wait; scaling still applies.
            try await cp.must("rollout", "pause", "deployment/web")
            try await cp.must("set", "image", "deployment/web", "web=nginx:1.27")
            try await cp.must("scale", "deployment", "web", "--replicas=4")
            let scaled = try await TestEnv.eventually { try await readyPods(cp, "app=web") == 4 }
            #expect(scaled)
            #expect(try await cp.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}").contains("1.27") == false)
            #expect(try await cp.must("get", "deploy", "web", "-o", "jsonpath={.status.conditions[?(@.type==\"Progressing\")].reason}") == "DeploymentPaused")
            try await cp.must("rollout", "resume", "deployment/web")
            try await cp.must("rollout", "status", "deployment/web", "--timeout=120s")

            // Pods that never become ready: the rollout times out and says so.
            try await cp.must("patch", "deployment", "web", "--type=merge", "-p", #"{"spec":{"progressDeadlineSeconds":3,"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}}}}"#)
            try await kubeletMarksNewPodsUnready(kubelet, client: client)
            try await cp.must("set", "image", "deployment/web", "web=nginx:1.28")
            let timedOut = try await cp.kubectl("rollout", "status", "deployment/web", "--timeout=120s")
            #expect(timedOut.status != 0 && timedOut.stderr.contains("exceeded its progress deadline"), "\(timedOut.output)")
        }
    }

    /// Makes every pod created from now on report not ready.
    func kubeletMarksNewPodsUnready(_ kubelet: FakeKubelet, client: KubeClient) async throws {
        kubelet.state.withLock { $0.unreadyByDefault = true }
    }
}
