import Foundation
import KubeAPI
import Synchronization

/// Simulated nodes for integration tests: Node objects created through the
/// API with capacities, labels and taints, Lease heartbeats every second,
/// and a pod loop that marks pods bound to them Running and Ready (or not,
/// on request) through the status subresource and confirms their deletion,
/// as a kubelet would. A node can be silenced to play a dead kubelet.
final class FakeKubelet: @unchecked Sendable {
    struct NodeSpec: Sendable {
        var name: String
        var cpu = "4"
        var memory = "8Gi"
        var pods = "110"
        var labels: [String: String] = [:]
        var taints: [Taint] = []

        init(_ name: String, cpu: String = "4", memory: String = "8Gi", pods: String = "110", labels: [String: String] = [:], taints: [Taint] = []) {
            self.name = name
            self.cpu = cpu
            self.memory = memory
            self.pods = pods
            self.labels = labels
            self.taints = taints
        }
    }

    struct State {
        var nodes: Set<String> = []
        var silent: Set<String> = []
        var unready: Set<String> = []
        /// Pods seen for the first time from now on stay not ready.
        var unreadyByDefault = false
        var seen: Set<String> = []
        var ipCounter = 0
        var ips: [String: String] = [:]
    }

    let client: KubeClient
    let state = Mutex(State())

    init(client: KubeClient) { self.client = client }

    /// Creates the nodes and gives them a Ready status and a Lease.
    func register(_ specs: [NodeSpec]) async throws {
        for s in specs {
            var labels = s.labels
            labels["kubernetes.io/hostname"] = s.name
            var n = Node(metadata: ObjectMeta(name: s.name, labels: labels))
            var spec = KubeAPI.NodeSpec()
            spec.taints = s.taints.isEmpty ? nil : s.taints
            n.spec = spec
            _ = try await client.create(n)
            _ = state.withLock { $0.nodes.insert(s.name) }
            try await postStatus(s.name, resources: ["cpu": s.cpu, "memory": s.memory, "pods": s.pods])
            try await renewLease(s.name)
        }
    }

    func postStatus(_ node: String, resources: [String: String]? = nil) async throws {
        var status: JSONValue = ["conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status",
                                                 "lastHeartbeatTime": .string(Timestamp().description),
                                                 "lastTransitionTime": .string(Timestamp().description)]],
                                 "addresses": [["type": "InternalIP", "address": "192.0.2.1"]]]
        if let r = resources {
            let list: JSONValue = .object(r.mapValues { .string($0) })
            status["capacity"] = list
            status["allocatable"] = list
        }
        _ = try await client.patch(Node.self, name: node, type: .merge, ["status": status], subresource: "status")
    }

    func renewLease(_ node: String) async throws {
        var spec = LeaseSpec(holderIdentity: node, leaseDurationSeconds: 40)
        spec.renewTime = Timestamp.nowMicro()
        let existing: Lease?
        do {
            existing = try await client.get(Lease.self, name: node, namespace: "kube-node-lease")
        } catch {
            guard error.isNotFound else { throw error }
            existing = nil
        }
        if var lease = existing {
            lease.spec = spec
            _ = try await client.update(lease)
        } else {
            do {
                _ = try await client.create(Lease(metadata: ObjectMeta(name: node, namespace: "kube-node-lease"), spec: spec))
            } catch {
                // The heartbeat loop and register() may race to create it: existing is all we want.
                guard error.isConflict else { throw error }
            }
        }
    }

    /// Stops the heartbeats and pod handling of a node (a dead kubelet).
    func silence(_ node: String) { _ = state.withLock { $0.silent.insert(node) } }

    /// Resumes them, posts Ready again and catches up with the node's pods.
    func revive(_ node: String) async throws {
        _ = state.withLock { $0.silent.remove(node) }
        try await postStatus(node)
        for p in try await client.list(Pod.self, namespace: "", options: ListOptions(fieldSelector: "spec.nodeName=\(node)")).items {
            await handle(p)
        }
    }

    /// Reports a pod not ready (or ready again).
    func setReady(_ pod: String, _ ready: Bool) async throws {
        state.withLock { s in
            if ready { s.unready.remove(pod) } else { s.unready.insert(pod) }
        }
        let pods = try await client.list(Pod.self, namespace: "").items.filter { $0.name == pod }
        for p in pods { await handle(p) }
    }

    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    let live = self.state.withLock { $0.nodes.subtracting($0.silent) }
                    for n in live { try? await self.renewLease(n) }
                    try? await Task.sleep(for: .seconds(1))
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        let (items, rv) = try await self.client.listAll(Pod.self, namespace: "")
                        for p in items { await self.handle(p) }
                        for try await e in self.client.watchResuming(Pod.self, namespace: "", from: rv) {
                            if case .deleted = e { continue }
                            if let p = e.object { await self.handle(p) }
                        }
                    } catch {
                        try? await Task.sleep(for: .milliseconds(200))
                    }
                }
            }
        }
    }

    /// A pod with this annotation (e.g. from a Job's template) runs, then
    /// exits with the code it names: Succeeded for 0, Failed otherwise.
    static let exitCodeAnnotation = "test.swiftkube.dev/exit-code"

    /// Ends a running pod as its containers exiting with `exitCode` would.
    func finish(_ p: Pod, exitCode: Int32) async {
        let now = Timestamp().description
        let status: JSONValue = [
            "phase": exitCode == 0 ? "Succeeded" : "Failed",
            "conditions": [["type": "PodScheduled", "status": "True"], ["type": "Initialized", "status": "True"],
                           ["type": "ContainersReady", "status": "False", "reason": "PodCompleted", "lastTransitionTime": .string(now)],
                           ["type": "Ready", "status": "False", "reason": "PodCompleted", "lastTransitionTime": .string(now)]],
            "containerStatuses": .array((p.spec?.containers ?? []).map { c in
                ["name": .string(c.name ?? ""), "image": .string(c.image ?? ""), "imageID": "", "ready": false, "restartCount": 0,
                 "started": false,
                 "state": ["terminated": ["exitCode": .int(Int64(exitCode)), "reason": exitCode == 0 ? "Completed" : "Error",
                                          "startedAt": .string(now), "finishedAt": .string(now)]]]
            }),
        ]
        _ = try? await client.patch(Pod.self, name: p.name, namespace: p.namespace, type: .merge, ["status": status], subresource: "status")
    }

    func ip(for pod: Pod, node: String) -> String {
        let key = pod.metadata.uid ?? pod.name
        return state.withLock { s in
            if let ip = s.ips[key] { return ip }
            s.ipCounter += 1
            let ip = "10.250.\(s.ipCounter / 250).\(s.ipCounter % 250 + 2)"
            s.ips[key] = ip
            return ip
        }
    }

    func handle(_ p: Pod) async {
        guard let node = p.spec?.nodeName, !node.isEmpty else { return }
        let (mine, silent, unready) = state.withLock { s -> (Bool, Bool, Bool) in
            if !s.seen.contains(p.name) {
                s.seen.insert(p.name)
                if s.unreadyByDefault { s.unready.insert(p.name) }
            }
            return (s.nodes.contains(node), s.silent.contains(node), s.unready.contains(p.name))
        }
        guard mine, !silent else { return }
        if p.metadata.deletionTimestamp != nil {
            _ = try? await client.delete(Pod.self, name: p.name, namespace: p.namespace, options: DeleteOptions(gracePeriodSeconds: 0))
            return
        }
        let phase = p.status?.phase
        if phase == "Succeeded" || phase == "Failed" { return }
        if phase == "Running", let code = p.metadata.annotations?[Self.exitCodeAnnotation].flatMap({ Int32($0) }) {
            await finish(p, exitCode: code)
            return
        }
        let ready = !unready
        let current = p.status?.conditions?.first { $0.type == "Ready" }?.status == "True"
        if phase == "Running" && current == ready && p.status?.podIP != nil { return }
        let now = Timestamp().description
        let flag: JSONValue = ready ? "True" : "False"
        let status: JSONValue = [
            "phase": "Running", "podIP": .string(ip(for: p, node: node)), "hostIP": "192.0.2.1", "startTime": .string(now),
            "conditions": [["type": "PodScheduled", "status": "True"], ["type": "Initialized", "status": "True"],
                           ["type": "ContainersReady", "status": flag, "lastTransitionTime": .string(now)],
                           ["type": "Ready", "status": flag, "lastTransitionTime": .string(now)]],
            "containerStatuses": .array((p.spec?.containers ?? []).map { c in
                ["name": .string(c.name ?? ""), "image": .string(c.image ?? ""), "imageID": "", "ready": .bool(ready), "restartCount": 0,
                 "started": true, "state": ["running": ["startedAt": .string(now)]]]
            }),
        ]
        _ = try? await client.patch(Pod.self, name: p.name, namespace: p.namespace, type: .merge, ["status": status], subresource: "status")
    }
}
