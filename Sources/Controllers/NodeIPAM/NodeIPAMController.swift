import Foundation
import KubeAPI
import Logging
import ControllerRuntime
import Synchronization

/// Gives every node without one a `spec.podCIDR` (and `podCIDRs`) from
/// `--cluster-cidr`, a /24 each by default; CIDRs nodes already have
/// (kubelet `--pod-cidr`) are respected, and freed when the node goes.
public final class NodeIPAMController: Controller {
    public let name = "nodeipam"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "nodeipam")
    let nodes: Informer<Node>
    let allocator: Mutex<PodCIDRAllocator?>
    let recorder: EventRecorder

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        nodes = ctx.informers.informer(Node.self)
        recorder = ctx.recorder("node-ipam-controller")
        do {
            allocator = Mutex(try PodCIDRAllocator(clusterCIDR: ctx.configuration.clusterCIDR, nodeMaskSize: ctx.configuration.nodeCIDRMaskSize))
        } catch {
            ctx.logger.error("node IPAM disabled: \(error)")
            allocator = Mutex(nil)
        }
        nodes.addHandler { [self] e in
            switch e {
            case .added(let n), .updated(_, let n):
                if let cidr = n.spec?.podCIDR, !cidr.isEmpty {
                    allocator.withLock { $0?.occupy(cidr) }
                } else {
                    queue.add(n.name)
                }
            case .deleted(let n):
                if let cidr = n.spec?.podCIDR { allocator.withLock { $0?.release(cidr) } }
            case .synced:
                break
            }
        }
    }

    public func run() async {
        guard allocator.withLock({ $0 != nil }) else { return }
        await runWorkers(queue, workers: 1, logger: ctx.logger) { [self] name in
            guard let n = nodes.get(key: name), (n.spec?.podCIDR ?? "").isEmpty else { return nil }
            // Everything the informer knows is occupied before anything is handed out.
            for other in nodes.list() { if let c = other.spec?.podCIDR { allocator.withLock { $0?.occupy(c) } } }
            let cidr: String
            do {
                cidr = try allocator.withLock { a throws(CIDRError) in
                    guard var x = a else { throw CIDRError(description: "node IPAM disabled") }
                    defer { a = x }
                    return try x.allocate()
                }
            } catch {
                recorder.record(n, .warning, reason: "CIDRNotAvailable", message: "Node \(name) status is now: CIDRNotAvailable")
                throw error
            }
            do {
                _ = try await ctx.client.patch(Node.self, namespace: nil, name: name, patchType: .merge,
                                               body: ["spec": ["podCIDR": .string(cidr), "podCIDRs": [.string(cidr)]]])
                recorder.record(n, .normal, reason: "CIDRAssignmentSucceeded", message: "Node \(name) got pod CIDR \(cidr)")
            } catch let error as KubeClientError {
                allocator.withLock { $0?.release(cidr) }
                if !error.isNotFound { throw error }
            }
            return nil
        }
    }
}
