import KubeAPI
import Synchronization

/// What happened outside the scheduling loop and is not yet in the cache
/// and queue: informer events and the outcomes of bindings.
///
/// Handlers and binding tasks only append here (a short lock of its own) and
/// ring the loop's bell; the loop applies everything, in arrival order, under
/// the core lock at the start of each decision. So the informer's thread and
/// the binding tasks never wait for a decision in progress (with hundreds of
/// nodes a decision holds the core lock for a while, and these waits showed
/// up as the largest single cost in profiles), and every decision still sees
/// every change that arrived before it.
enum SchedulerChange: Sendable {
    case node(InformerEvent<Node>, at: Double)
    case namespace(InformerEvent<Namespace>)
    case pod(InformerEvent<Pod>, at: Double)
    case claim(InformerEvent<PersistentVolumeClaim>, at: Double)
    case volume(InformerEvent<PersistentVolume>, at: Double)
    case storageClass(InformerEvent<StorageClass>, at: Double)
    /// A binding of volumes failed: its assumptions are undone.
    case volumesReverted(PodVolumes)
    /// The binding of a pod succeeded.
    case bound(key: String)
    /// The binding failed; `gone`: the pod was deleted or bound by someone else.
    case bindingFailed(key: String, gone: Bool, at: Double)
}

extension Scheduler {
    /// Notes a change for the loop and wakes it.
    func post(_ change: SchedulerChange) {
        inbox.withLock { $0.append(change) }
        bell.ring()
    }

    /// Runs `body` on the core with every posted change applied first.
    ///
    /// The inbox and the core's spare buffer are swapped, never copied: a
    /// change carries whole Pods, so a buffer of a few thousand is megabytes,
    /// and reallocating it on every drain showed up as mmap/munmap churn.
    func withCore<R>(_ body: (inout Core) -> R) -> R {
        core.withLock { c in
            var changes = c.spareInbox
            c.spareInbox = []
            inbox.withLock { swap(&changes, &$0) }
            for change in changes { apply(change, to: &c) }
            changes.removeAll(keepingCapacity: true)
            c.spareInbox = changes
            return body(&c)
        }
    }

    func apply(_ change: SchedulerChange, to c: inout Core) {
        switch change {
        case .node(let e, let t): apply(e, at: t, to: &c)
        case .namespace(let e): apply(e, to: &c)
        case .pod(let e, let t): apply(e, at: t, to: &c)
        case .claim(let e, let t): apply(e, at: t, to: &c)
        case .volume(let e, let t): apply(e, at: t, to: &c)
        case .storageClass(let e, let t): apply(e, at: t, to: &c)
        case .volumesReverted(let plan): c.cache.volumes.revert(plan)
        case .bound(let key):
            c.queue.done(key)
            c.inFlight -= 1
        case .bindingFailed(let key, let gone, let t):
            c.cache.forget(key)
            c.inFlight -= 1
            if gone { c.queue.remove(key) } else { c.queue.requeue(key, now: t, retryable: true) }
        }
    }

    func apply(_ e: InformerEvent<Node>, at t: Double, to c: inout Core) {
        switch e {
        case .added(let n), .updated(_, let n):
            if c.cache.upsertNode(n) { c.queue.moveAllToActiveOrBackoff(now: t) }
        case .deleted(let n):
            c.cache.removeNode(n.metadata.name ?? "")
        case .synced:
            break
        }
    }

    func apply(_ e: InformerEvent<Namespace>, to c: inout Core) {
        switch e {
        case .added(let n), .updated(_, let n): c.cache.namespaceLabels[n.name] = n.metadata.labels ?? [:]
        case .deleted(let n): c.cache.namespaceLabels[n.name] = nil
        case .synced: break
        }
    }

    func apply(_ e: InformerEvent<Pod>, at t: Double, to c: inout Core) {
        switch e {
        case .added(let p), .updated(_, let p):
            let key = "\(p.metadata.namespace ?? "")/\(p.metadata.name ?? "")"
            if !(p.spec?.nodeName ?? "").isEmpty {
                applyAssigned(p, key: key, at: t, to: &c)
            } else {
                if !isOurs(p) || p.metadata.deletionTimestamp != nil || Self.isTerminal(p) || !(p.spec?.schedulingGates ?? []).isEmpty {
                    c.queue.remove(key)
                    c.cache.clearNomination(key)
                    return
                }
                if c.cache.isAssumed(key) { return }
                if let node = p.status?.nominatedNodeName, !node.isEmpty {
                    c.cache.nominate(PodInfo(p), node: node)
                } else if case .updated(let old, _) = e, !(old.status?.nominatedNodeName ?? "").isEmpty {
                    // Removed from the status: no longer held (a nomination the
                    // scheduler made and has not yet written stays, as upstream's).
                    c.cache.clearNomination(key)
                }
                c.queue.add(p, now: t)
            }
        case .deleted(let p):
            let key = "\(p.metadata.namespace ?? "")/\(p.metadata.name ?? "")"
            c.queue.remove(key)
            c.cache.clearNomination(key)
            if c.cache.pod(key) != nil {
                c.cache.removePod(key)
                c.queue.moveAllToActiveOrBackoff(now: t)
            }
        case .synced:
            break
        }
    }

    /// A pod with `spec.nodeName`: bound by us (confirming an assumption) or by someone else.
    func applyAssigned(_ p: Pod, key: String, at t: Double, to c: inout Core) {
        c.queue.remove(key)
        c.cache.clearNomination(key)
        if Self.isTerminal(p) {
            if c.cache.pod(key) != nil {
                c.cache.removePod(key)
                c.queue.moveAllToActiveOrBackoff(now: t)
            }
            return
        }
        if let existing = c.cache.pod(key), existing.nodeName == p.spec?.nodeName, existing.labels == (p.metadata.labels ?? [:]),
           existing.pod.spec == p.spec {
            if c.cache.isAssumed(key) {
                c.cache.addPod(existing)
                if c.queue.unschedulableCount > 0 { c.queue.moveAllToActiveOrBackoff(now: t) }
            }
            return
        }
        c.cache.addPod(PodInfo(p))
        if c.queue.unschedulableCount > 0 { c.queue.moveAllToActiveOrBackoff(now: t) }
    }
}
