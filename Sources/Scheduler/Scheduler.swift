import Foundation
import KubeAPI
public import Logging
public import ControllerRuntime
import Synchronization

/// Settings of the scheduler.
public struct SchedulerConfiguration: Sendable {
    /// Pods with this `spec.schedulerName` (or none) are ours.
    public var schedulerName = "default-scheduler"
    /// Bindings in flight at once; the scheduling loop waits when this many are pending.
    public var maxInFlightBindings = 64
    /// See ``ScheduleAlgorithm/percentageOfNodesToScore``.
    public var percentageOfNodesToScore: Int?
    /// How often unschedulable pods are retried even without a cluster change.
    public var unschedulableRetryInterval: Duration = .seconds(60)
    /// How long a pod's binding waits for its WaitForFirstConsumer claims to
    /// be bound (provisioned) before it gives up and retries (upstream's
    /// VolumeBinding `bindTimeoutSeconds`).
    public var volumeBindTimeout: Duration = .seconds(600)

    public init() {}
}

/// The scheduler: takes pending pods from a priority queue, decides on the
/// cache (filters and scores), assumes the pod onto the chosen node and binds
/// through `pods/NAME/binding` in the background while it goes on with the
/// next pod. A pod that fits nowhere gets `PodScheduled=False`, reason
/// `Unschedulable`, kube-scheduler's message and a `FailedScheduling` event,
/// and is retried when nodes, pods, claims, volumes or storage classes change;
/// if evicting lower-priority pods would make room, they are preempted
/// (``Preemption``) and the pod is nominated to their node.
/// A pod with unbound WaitForFirstConsumer claims has them bound first, in
/// its binding task (VolumeBinding's PreBind, `VolumeBinder`).
///
/// Decisions are made one at a time under the cache lock, and every decision
/// counts the pods assumed by earlier ones whose bindings are still in flight,
/// so concurrent bindings never overcommit a node.
public final class Scheduler: Sendable {
    struct Core: Sendable {
        var cache = SchedulerCache()
        var queue = SchedulingQueue()
        var algorithm: ScheduleAlgorithm
        var rng = SplitMix64()
        var inFlight = 0
        /// An empty buffer with capacity, swapped with the inbox on each drain.
        var spareInbox: [SchedulerChange] = []
    }

    enum Decision: Sendable {
        case bind(PodInfo, node: String, volumes: PodVolumes?, started: ContinuousClock.Instant, firstSeen: Double)
        /// With the preemption decided for it, if any.
        case unschedulable(Pod, FitError, PreemptionCandidate?)
    }

    let core: Mutex<Core>
    /// Changes not yet applied to the core (see ``SchedulerChange``).
    let inbox = Mutex<[SchedulerChange]>([])
    let bell = Doorbell()
    let slotBell = Doorbell()
    /// Rung on claim and volume events, for bindings waiting on their claims.
    let volumeBell = Doorbell()
    /// Bindings waiting for their claims to be bound; they hold no binding slot.
    let volumeWaits = Atomic<Int>(0)
    let client: any ClusterClient
    let events: EventRecorder
    public let metrics: SchedulerMetrics
    let configuration: SchedulerConfiguration
    let logger: Logger
    let epoch = ContinuousClock.now
    let pods: Informer<Pod>
    let nodes: Informer<Node>
    let namespaces: Informer<Namespace>
    let claims: Informer<PersistentVolumeClaim>
    let volumes: Informer<PersistentVolume>
    let storageClasses: Informer<StorageClass>
    /// Budgets preemption prefers not to break.
    let pdbs: Informer<PodDisruptionBudget>

    public init(configuration: SchedulerConfiguration = SchedulerConfiguration(), client: any ClusterClient, informers: InformerFactory,
                events: EventRecorder, metrics: SchedulerMetrics = SchedulerMetrics(), logger: Logger) {
        self.configuration = configuration
        self.client = client
        self.events = events
        self.metrics = metrics
        self.logger = logger
        core = Mutex(Core(algorithm: ScheduleAlgorithm(percentageOfNodesToScore: configuration.percentageOfNodesToScore)))
        pods = informers.informer(Pod.self)
        nodes = informers.informer(Node.self)
        namespaces = informers.informer(Namespace.self)
        claims = informers.informer(PersistentVolumeClaim.self)
        volumes = informers.informer(PersistentVolume.self)
        storageClasses = informers.informer(StorageClass.self)
        pdbs = informers.informer(PodDisruptionBudget.self)
        nodes.addHandler { [self] e in onNode(e) }
        namespaces.addHandler { [self] e in onNamespace(e) }
        pods.addHandler { [self] e in onPod(e) }
        claims.addHandler { [self] e in onClaim(e) }
        volumes.addHandler { [self] e in onVolume(e) }
        storageClasses.addHandler { [self] e in onStorageClass(e) }
    }

    var volumeBinder: VolumeBinder {
        VolumeBinder(client: client, claims: claims, volumes: volumes, pods: pods, nodes: nodes, bell: volumeBell,
                     timeout: configuration.volumeBindTimeout, logger: logger)
    }

    func now() -> Double {
        let d = ContinuousClock.now - epoch
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    // MARK: informer events

    // Handlers only note the change (see Scheduler+Inbox.swift): the
    // informer's thread never waits for a decision in progress.
    func onNode(_ e: InformerEvent<Node>) { post(.node(e, at: now())) }
    func onNamespace(_ e: InformerEvent<Namespace>) { post(.namespace(e)) }
    func onPod(_ e: InformerEvent<Pod>) { post(.pod(e, at: now())) }

    func isOurs(_ p: Pod) -> Bool {
        let n = p.spec?.schedulerName ?? ""
        return n.isEmpty || n == configuration.schedulerName
    }

    static func isTerminal(_ p: Pod) -> Bool {
        let phase = p.status?.phase
        return phase == "Succeeded" || phase == "Failed"
    }

    // MARK: the loop

    /// Schedules until cancelled. Call after the informers have synced.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.tick() }
            while !Task.isCancelled {
                // Wait for a binding slot.
                let waiting = volumeWaits.load(ordering: .relaxed)
                let full = withCore { $0.inFlight - waiting >= configuration.maxInFlightBindings }
                if full {
                    guard await slotBell.wait() else { break }
                    continue
                }
                guard let decision = scheduleOne() else {
                    guard await bell.wait() else { break }
                    continue
                }
                switch decision {
                case .bind(let info, let node, let volumes, let started, let firstSeen):
                    group.addTask { await self.bind(info, node: node, volumes: volumes, started: started, firstSeen: firstSeen) }
                case .unschedulable(let pod, let fit, let preemption):
                    group.addTask {
                        if let preemption { await self.preempt(for: pod, preemption) }
                        await self.reportUnschedulable(pod, fit, nominatedNode: preemption?.node)
                    }
                }
            }
            group.cancelAll()
            bell.close()
            slotBell.close()
            volumeBell.close()
        }
    }

    /// Wakes the loop for back-off expiries and retries unschedulable pods now and then.
    func tick() async {
        var last = ContinuousClock.now
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            let t = now()
            let retryAll = ContinuousClock.now - last >= configuration.unschedulableRetryInterval
            if retryAll { last = ContinuousClock.now }
            withCore { c in
                if retryAll { c.queue.moveAllToActiveOrBackoff(now: t) }
                metrics.pending(active: c.queue.count - c.queue.backoffCount - c.queue.unschedulableCount - c.inFlight,
                                backoff: c.queue.backoffCount, unschedulable: c.queue.unschedulableCount)
            }
            bell.ring()
        }
    }

    /// One decision, made under the cache lock; nil when nothing is ready.
    func scheduleOne() -> Decision? {
        let t = now()
        return withCore { c -> Decision? in
            guard let (_, entry) = c.queue.pop(now: t) else { return nil }
            let started = ContinuousClock.now
            let info = PodInfo(entry.pod)
            c.cache.trackMatches(of: info)
            switch c.algorithm.schedule(info, cache: c.cache, using: &c.rng) {
            case .success(let r):
                logger.debug("scheduling \(info.key) on \(r.node) (\(r.feasibleNodes) feasible of \(r.evaluatedNodes) evaluated)")
                c.cache.assume(info, on: r.node)
                c.cache.clearNomination(info.key)
                // VolumeBinding's Reserve: the chosen volumes and claims are taken before the next decision.
                let volumes = r.volumes.map { c.cache.volumes.assume($0, node: r.node) }
                c.inFlight += 1
                return .bind(info, node: r.node, volumes: volumes, started: started, firstSeen: entry.firstSeen)
            case .failure(let fit):
                c.queue.requeue(info.key, now: t, retryable: false)
                let preemption = preemptionCandidate(info, cache: c.cache, algorithm: c.algorithm)
                if let preemption {
                    metrics.preemptionAttempt()
                    // Held for the pod from now on, before its status says so;
                    // lower-priority pods nominated there lose the node.
                    c.cache.nominate(info, node: preemption.node)
                    for p in preemption.lowerNominated { c.cache.clearNomination(SchedulingQueue.key(p)) }
                }
                return .unschedulable(entry.pod, fit, preemption)
            }
        }
    }

    func bind(_ info: PodInfo, node: String, volumes: PodVolumes?, started: ContinuousClock.Instant, firstSeen: Double) async {
        let key = info.key
        if let volumes, !(await preBindVolumes(info, node: node, volumes)) {
            slotBell.ring()
            bell.ring()
            return
        }
        do {
            try await client.bind(pod: info.name, namespace: info.namespace, uid: info.pod.metadata.uid, node: node)
            let d = ContinuousClock.now - started
            let attempt = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
            let e2e = now() - firstSeen
            post(.bound(key: key))
            metrics.scheduled(attempt: attempt, e2e: e2e)
            events.record(info.pod, .normal, reason: "Scheduled", message: "Successfully assigned \(key) to \(node)")
        } catch {
            metrics.error()
            let t = now()
            let gone = error.isNotFound || (error.isConflict && "\(error)".contains("already assigned"))
            post(.bindingFailed(key: key, gone: gone, at: t))
            if !gone {
                logger.warning("binding \(key) to \(node) failed: \(error)")
                events.record(info.pod, .warning, reason: "FailedScheduling", message: "Binding rejected: \(error)")
            }
        }
        slotBell.ring()
        bell.ring()
    }

    /// FailedScheduling, the PodScheduled condition and, after a preemption,
    /// `status.nominatedNodeName` (upstream's failure handler).
    func reportUnschedulable(_ pod: Pod, _ fit: FitError, nominatedNode: String? = nil) async {
        metrics.unschedulable()
        let message = fit.message
        events.record(pod, .warning, reason: "FailedScheduling", message: message)
        let current = pod.status?.conditions?.first { $0.type == "PodScheduled" }
        let nominationUnchanged = nominatedNode == nil || nominatedNode == pod.status?.nominatedNodeName
        if current?.status == "False", current?.reason == "Unschedulable", current?.message == message, nominationUnchanged { return }
        let condition: JSONValue = ["type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": .string(message),
                                    "lastProbeTime": .null, "lastTransitionTime": .string(Timestamp().description)]
        var status: JSONValue = ["conditions": [condition]]
        if let nominatedNode { status["nominatedNodeName"] = .string(nominatedNode) }
        do {
            _ = try await client.patch(Pod.self, namespace: pod.metadata.namespace, name: pod.metadata.name ?? "", patchType: .strategic,
                                       body: ["status": status], subresource: "status")
        } catch {
            if !error.isNotFound { logger.debug("updating PodScheduled of \(pod.metadata.namespace ?? "")/\(pod.name): \(error)") }
        }
    }

    /// Pods waiting (for tests and logs).
    public var pendingCount: Int { withCore { $0.queue.count } }
}
