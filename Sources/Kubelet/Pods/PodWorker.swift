import Foundation
public import KubeAPI
import Runtime
import Logging
import LinuxSystem

/// One pod's worker: drives the pod through sync → terminating →
/// terminated. Each sync observes what the runtime has, asks ``PodPlanner``
/// for the next steps (sandbox, volumes, init containers in order,
/// containers, restarts with back-off, probes, termination) and carries them
/// out through ``PodRuntime``, then reports the status. Updates from the API
/// wake it; otherwise it re-checks every second.
public actor PodWorker {
    public enum Phase: Sendable, Equatable {
        case syncing, terminating, terminated
    }

    let uid: String
    let context: KubeletContext
    /// Containers and the sandbox.
    let runtime: any PodRuntime
    var pod: Pod
    /// The pod is gone from the API server (or was never there: an orphan found at start).
    var removedFromAPI = false
    var phase: Phase = .syncing

    /// Where the worker is in the pod lifecycle.
    public var lifecycle: Phase { phase }
    var sandbox: Sandbox?
    var podVolumes: PodVolumes?
    /// The decisions and what they remember: back-off, probes, waiting reasons.
    var planner: PodPlanner
    /// Image pull back-off by image (ImagePullBackOff), with the last pull error.
    var imagePullBackOff = BackOff(initial: 10, maximum: 300)
    var lastPullError: [String: String] = [:]
    /// While terminating: when the containers still running get SIGKILL.
    var killDeadline: ContinuousClock.Instant?
    /// Rung by updates from the API server; the worker waits on it between syncs.
    let bell = Doorbell()
    /// The pod's place in line for ``StartupQueue``: older pods start first.
    let startOrder = StartupQueue.shared.ticket()

    /// `runtime` defaults to the context's container and sandbox managers.
    public init(pod: Pod, context: KubeletContext, orphan: Bool = false, runtime: (any PodRuntime)? = nil) {
        uid = pod.metadata.uid ?? ""
        self.pod = pod
        self.context = context
        let runtime = runtime ?? context.podRuntime
        self.runtime = runtime
        planner = PodPlanner(volumeRefreshSeconds: context.volumeRefreshSeconds)
        removedFromAPI = orphan
        sandbox = runtime.loadSandbox(uid: uid)
    }

    var name: String { "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")" }
    var logger: Logger { context.logger }

    /// A newer version of the pod from the API server. It wakes the worker
    /// only when it changes something a sync acts on: most updates are the
    /// echo of the kubelet's own status write, and syncing again for each
    /// would double the work of a burst (upstream reconciles those too,
    /// without a sync).
    public func update(_ newer: Pod) {
        shortenKillDeadline(for: newer)
        let needsSync = Self.needsSync(from: pod, to: newer)
        pod = newer
        if needsSync { bell.ring() }
    }

    /// Whether going from `old` to `new` changes what a sync does: the
    /// spec, deletion, labels and annotations (the downward API), or a
    /// condition a readiness gate names. Status otherwise is the kubelet's own.
    static func needsSync(from old: Pod, to new: Pod) -> Bool {
        if old.spec != new.spec || old.metadata.deletionTimestamp != new.metadata.deletionTimestamp
            || old.metadata.deletionGracePeriodSeconds != new.metadata.deletionGracePeriodSeconds
            || old.metadata.labels != new.metadata.labels || old.metadata.annotations != new.metadata.annotations {
            return true
        }
        let gates = Set((new.spec?.readinessGates ?? []).map(\.conditionType))
        guard !gates.isEmpty else { return false }
        func gateConditions(_ pod: Pod) -> [String: String] {
            Dictionary((pod.status?.conditions ?? []).filter { gates.contains($0.type) }.map { ($0.type, $0.status) },
                       uniquingKeysWith: { a, _ in a })
        }
        return gateConditions(old) != gateConditions(new)
    }

    /// The pod was deleted from the API server.
    public func removed() {
        removedFromAPI = true
        bell.ring()
    }

    /// Fails the pod before it runs (admission).
    public func reject(reason: String, message: String) {
        planner.failure = PodPlanner.Failure(reason: reason, message: message)
        bell.ring()
    }

    /// Runs until the pod is terminated and cleaned up.
    public func run() async {
        while phase != .terminated && !Task.isCancelled {
            let start = Monotonic.now()
            do {
                try await sync()
            } catch {
                logger.warning("pod \(name): \(error)")
            }
            context.metrics.podWorker(phase == .syncing ? "sync" : "terminate", seconds: Monotonic.now() - start)
            if phase == .terminated { break }
            await waitForWake()
        }
        bell.close()
    }

    /// Waits for an update, the next due probe or the resync interval,
    /// whichever comes first.
    func waitForWake() async {
        var interval = context.resyncInterval
        if let due = planner.probeWake {
            // Rounded up, and a millisecond late rather than early: waking
            // before the probe is due would sync the pod for nothing.
            interval = min(interval, .milliseconds(Int64((max(0, due - Self.now()) * 1000).rounded(.up)) + 1))
        }
        _ = await bell.wait(until: .now + interval)
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// One step towards the desired state: observe, plan, act.
    func sync() async throws {
        let observation = PodPlanner.Observation(
            pod: pod, containers: runtime.observe(podUID: uid), hasSandbox: sandbox != nil, hasVolumes: podVolumes != nil,
            removedFromAPI: removedFromAPI, reportedPhase: await context.status.status(of: uid)?.phase)
        var actions = planner.plan(observation, now: Self.now())[...]
        while let action = actions.popFirst() {
            switch try await perform(action) {
            case .proceed: break
            case .then(let more): actions = more[...] + actions
            case .instead(let rest): actions = rest[...]
            }
        }
    }

    /// Writes the status.
    func report() async {
        let observed = runtime.observe(podUID: uid)
        let previous = await context.status.status(of: uid) ?? pod.status
        let input = PodStatusBuilder.Input(
            pod: pod, previous: previous, sandboxReady: sandbox != nil, podIP: sandbox?.ip, hostIP: context.nodeIP,
            startTime: previous?.startTime ?? sandbox.flatMap { Timestamp(rfc3339: $0.created) } ?? Timestamp(),
            containers: observed, waiting: planner.waiting, ready: planner.ready, started: planner.started,
            podFailure: planner.failure.map { ($0.reason, $0.message) })
        await context.status.set(pod, PodStatusBuilder().build(input))
    }
}
