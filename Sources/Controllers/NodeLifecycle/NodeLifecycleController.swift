import Foundation
import KubeAPI
import Logging
import ControllerRuntime
import Synchronization

/// Watches node heartbeats (the Ready condition and the node's Lease in
/// kube-node-lease). A node silent for `--node-monitor-grace-period` gets
/// Ready=Unknown and its pods Ready=False; nodes get NoSchedule/NoExecute
/// taints from their conditions (`not-ready`, `unreachable`, pressure,
/// `unschedulable` for cordoned ones); pods on NoExecute-tainted nodes are
/// deleted at once or after their tolerationSeconds, so their controllers
/// replace them elsewhere.
public final class NodeLifecycleController: Controller {
    public let name = "nodelifecycle"
    let ctx: ControllerContext
    let nodes: Informer<Node>
    let leases: Informer<Lease>
    let pods: Informer<Pod>
    let recorder: EventRecorder
    let tracker: Mutex<NodeHealthTracker>
    let evicted = Mutex<Set<String>>([])

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        nodes = ctx.informers.informer(Node.self)
        leases = ctx.informers.informer(Lease.self)
        pods = ctx.informers.informer(Pod.self)
        recorder = ctx.recorder("node-controller")
        pods.addIndex(Indexes.nodeName, Indexes.byNodeName)
        let grace = ctx.configuration.nodeMonitorGracePeriod
        tracker = Mutex(NodeHealthTracker(gracePeriod: Double(grace.components.seconds) + Double(grace.components.attoseconds) / 1e18))
    }

    /// How often health and taints are checked.
    var period: Duration {
        let grace = ctx.configuration.nodeMonitorGracePeriod
        return min(ctx.configuration.nodeMonitorPeriod, max(grace / 4, .milliseconds(200)))
    }

    public func run() async {
        while !Task.isCancelled {
            await monitor()
            await evict()
            try? await Task.sleep(for: min(period, .seconds(1)))
        }
    }

    /// One pass over all nodes: heartbeats, Unknown, taints.
    func monitor() async {
        let now = ctx.now()
        let all = nodes.list()
        let names = Set(all.map(\.name))
        tracker.withLock { t in
            for n in all { t.observe(node: n, lease: leases.get(namespace: "kube-node-lease", name: n.name), now: now) }
        }
        for n in all {
            var node = n
            do {
                if tracker.withLock({ $0.isStale(n.name, now: now) }), NodeLifecycle.readyStatus(n) != "Unknown" {
                    let conditions = NodeLifecycle.unknownConditions(n, now: now)
                    node = try await ctx.client.patch(Node.self, namespace: nil, name: n.name, patchType: .merge,
                                                      body: ["status": ["conditions": .array(conditions.map { KubeCodec.encode($0) })]],
                                                      subresource: "status")
                    ctx.logger.warning("node \(n.name) stopped posting status; marked Unknown")
                    recorder.record(n, .normal, reason: "NodeNotReady", message: "Node \(n.name) status is now: NodeNotReady")
                    await markPodsNotReady(n.name)
                }
                let taints = NodeLifecycle.desiredTaints(node, now: now)
                if taints != (node.spec?.taints ?? []) {
                    var updated = node
                    var spec = updated.spec ?? NodeSpec()
                    spec.taints = taints.isEmpty ? nil : taints
                    updated.spec = spec
                    _ = try await ctx.client.update(updated)
                }
            } catch {
                if !error.isConflict && !error.isNotFound { ctx.logger.warning("node lifecycle \(n.name): \(error)") }
            }
        }
        tracker.withLock { $0.retain(names) }
    }

    func markPodsNotReady(_ node: String) async {
        for p in pods.byIndex(Indexes.nodeName, node) where PodState.isActive(p) && PodState.isReady(p) {
            let condition: JSONValue = ["type": "Ready", "status": "False", "lastProbeTime": .null,
                                        "lastTransitionTime": .string(Timestamp(ctx.now()).description)]
            do {
                _ = try await ctx.client.patch(Pod.self, namespace: p.namespace, name: p.name, patchType: .strategic,
                                               body: ["status": ["conditions": [condition]]], subresource: "status")
            } catch {
                if !error.isNotFound { ctx.logger.debug("marking \(p.namespace)/\(p.name) not ready: \(error)") }
            }
        }
    }

    /// Deletes pods whose NoExecute taints are no longer tolerated.
    func evict() async {
        let now = ctx.now()
        for n in nodes.list() {
            let taints = (n.spec?.taints ?? []).filter { $0.effect == "NoExecute" }
            guard !taints.isEmpty else { continue }
            for p in pods.byIndex(Indexes.nodeName, n.name) where p.metadata.deletionTimestamp == nil && !PodState.isTerminal(p) {
                let key = "\(p.metadata.uid ?? "")"
                if evicted.withLock({ $0.contains(key) }) { continue }
                guard TaintEviction.decide(tolerations: p.spec?.tolerations ?? [], taints: taints, now: now) == .evictNow else { continue }
                do {
                    try await ctx.client.delete(Pod.self, namespace: p.namespace, name: p.name, options: DeleteOptions.preconditioned(uid: p.metadata.uid))
                    recorder.record(p, .normal, reason: "TaintManagerEviction", message: "Marking for deletion Pod \(p.namespace)/\(p.name)")
                    evicted.withLock { s in
                        if s.count > 100_000 { s.removeAll() }
                        s.insert(key)
                    }
                } catch {
                    if !error.isNotFound && !error.isConflict { ctx.logger.warning("evicting \(p.namespace)/\(p.name): \(error)") }
                }
            }
        }
    }
}
