import Foundation
import KubeAPI
import Logging
import ControllerRuntime
import Synchronization

/// Force-deletes pods nobody will finish: pods bound to a node that no
/// longer exists (after a quarantine, confirmed with a live read), and
/// terminating pods on nodes tainted `node.kubernetes.io/out-of-service`.
public final class PodGCController: Controller {
    public let name = "podgc"
    let ctx: ControllerContext
    let pods: Informer<Pod>
    let nodes: Informer<Node>
    let orphanSince = Mutex<[String: Date]>([:])

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        pods = ctx.informers.informer(Pod.self)
        nodes = ctx.informers.informer(Node.self)
        pods.addIndex(Indexes.nodeName, Indexes.byNodeName)
    }

    var quarantine: TimeInterval {
        let q = ctx.configuration.podGCQuarantine
        return Double(q.components.seconds) + Double(q.components.attoseconds) / 1e18
    }

    public func run() async {
        let period = Duration.milliseconds(Int64(max(0.5, min(20, quarantine / 4)) * 1000))
        while !Task.isCancelled {
            await pass()
            try? await Task.sleep(for: period)
        }
    }

    func forceDelete(_ p: Pod, reason: String) async {
        var o = DeleteOptions(gracePeriodSeconds: 0)
        o.preconditions = Preconditions(uid: p.metadata.uid)
        do {
            try await ctx.client.delete(Pod.self, namespace: p.namespace, name: p.name, options: o)
            ctx.logger.info("pod GC: deleted \(p.namespace)/\(p.name): \(reason)")
        } catch {
            if !error.isNotFound && !error.isConflict { ctx.logger.warning("pod GC \(p.namespace)/\(p.name): \(error)") }
        }
    }

    func pass() async {
        let now = ctx.now()
        let nodeNames = Set(nodes.list().map(\.name))
        var seen: Set<String> = []
        for p in pods.list() {
            guard let node = p.spec?.nodeName, !node.isEmpty else { continue }
            if nodeNames.contains(node) {
                if p.metadata.deletionTimestamp != nil, let n = nodes.get(key: node),
                   n.spec?.taints?.contains(where: { $0.key == "node.kubernetes.io/out-of-service" && $0.effect == "NoExecute" }) == true {
                    await forceDelete(p, reason: "terminating on out-of-service node \(node)")
                }
                continue
            }
            let key = p.metadata.uid ?? objectKey(p)
            seen.insert(key)
            let since = orphanSince.withLock { m -> Date in
                if let s = m[key] { return s }
                m[key] = now
                return now
            }
            guard now.timeIntervalSince(since) >= quarantine else { continue }
            do {
                _ = try await ctx.client.get(Node.self, namespace: nil, name: node)
                continue  // the node exists after all
            } catch {
                guard error.isNotFound else { continue }
            }
            await forceDelete(p, reason: "node \(node) does not exist")
        }
        orphanSince.withLock { m in for k in m.keys where !seen.contains(k) { m[k] = nil } }
    }
}
