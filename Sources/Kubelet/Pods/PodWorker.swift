import Foundation
public import KubeAPI
import Runtime
import Logging
import LinuxSystem

/// One pod's worker: drives the pod through sync → terminating →
/// terminated. Each sync compares the pod's spec with what the runtime has
/// and takes the next step (sandbox, volumes, init containers in order,
/// containers, restarts with back-off, probes), then reports the status.
/// Updates from the API wake it; otherwise it re-checks every second.
public actor PodWorker {
    public enum Phase: Sendable, Equatable {
        case syncing, terminating, terminated
    }

    let uid: String
    let context: KubeletContext
    var pod: Pod
    /// The pod is gone from the API server (or was never there: an orphan found at start).
    var removedFromAPI = false
    var phase: Phase = .syncing

    /// Where the worker is in the pod lifecycle.
    public var lifecycle: Phase { phase }
    var sandbox: Sandbox?
    var volumePaths: [String: String]?
    var lastVolumeSync = -Double.infinity
    var waiting: [String: PodStatusBuilder.Waiting] = [:]
    var backOff = BackOff()
    /// Image pull back-off by image (ImagePullBackOff), with the last pull error.
    var imagePullBackOff = BackOff(initial: 10, maximum: 300)
    var lastPullError: [String: String] = [:]
    var probes: [String: [ProbeState.Kind: ProbeState]] = [:]
    var probeAttempt: [String: Int] = [:]
    var ready: [String: Bool] = [:]
    var started: [String: Bool] = [:]
    /// When the next probe of a running container falls due (``now()``
    /// seconds): the worker wakes for it rather than at the next resync, so a
    /// container is probed as soon as it starts, as upstream's probe workers do.
    var probeWake: Double?
    /// Exits already counted for back-off, by container id.
    var countedExits: Set<String> = []
    var podFailure: (reason: String, message: String)?
    var sandboxBackOffUntil = 0.0
    /// While terminating: when the containers still running get SIGKILL.
    var killDeadline: ContinuousClock.Instant?
    let wake: AsyncStream<Void>.Continuation
    /// The one consumer of the wake stream, kept for the worker's life: a
    /// cancelled iterator would finish the stream and every later wait would
    /// return at once (a busy loop).
    var wakes: AsyncStream<Void>.AsyncIterator
    /// The pod's place in line for ``StartupQueue``: older pods start first.
    let startOrder = StartupQueue.shared.ticket()

    public init(pod: Pod, context: KubeletContext, orphan: Bool = false) {
        uid = pod.metadata.uid ?? ""
        self.pod = pod
        self.context = context
        removedFromAPI = orphan
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        wake = continuation
        wakes = stream.makeAsyncIterator()
        sandbox = context.sandboxes.load(uid: uid)
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
        if needsSync { wake.yield() }
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
        wake.yield()
    }

    /// Fails the pod before it runs (admission).
    public func reject(reason: String, message: String) {
        podFailure = (reason, message)
        wake.yield()
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
        wake.finish()
    }

    /// Waits for an update or the resync interval, whichever comes first.
    /// The timer rings the same bell, so nothing is ever cancelled mid-wait.
    func waitForWake() async {
        var interval = context.resyncInterval
        if let due = probeWake {
            // Rounded up, and a millisecond late rather than early: waking
            // before the probe is due would sync the pod for nothing.
            interval = min(interval, .milliseconds(Int64((max(0, due - Self.now()) * 1000).rounded(.up)) + 1))
        }
        let timer = Task { [wake] in
            try? await Task.sleep(for: interval)
            if !Task.isCancelled { wake.yield() }
        }
        var iterator = wakes
        _ = await iterator.next(isolation: self)
        wakes = iterator
        timer.cancel()
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    /// One step towards the desired state.
    func sync() async throws {
        probeWake = nil
        if removedFromAPI || pod.metadata.deletionTimestamp != nil {
            phase = .terminating
            try await terminate()
            return
        }
        guard let spec = pod.spec else { return }
        if podFailure != nil {
            await report()
            return
        }
        let observed = context.containers.observe(podUID: uid)
        if let current = await context.status.status(of: uid), current.phase == "Succeeded" || current.phase == "Failed",
           !observed.contains(where: \.isRunning) {
            return // finished pods stay as they are until deleted
        }

        guard try await ensureSandbox() else { await report(); return }
        guard await ensureVolumes() else { await report(); return }

        // Init containers, in order, each to success.
        var initialized = true
        for c in spec.initContainers ?? [] {
            let name = c.name ?? ""
            let attempts = observed.filter { $0.name == name }.sorted { $0.attempt < $1.attempt }
            guard let latest = attempts.last else {
                await startContainer(c, attempt: 0, isInit: true, observed: observed)
                initialized = false
                break
            }
            if case .exited(let code, _, _, _) = latest.state {
                if code == 0 { continue }
                initialized = false
                if spec.restartPolicy == "Never" { break }
                await restart(c, after: latest, isInit: true, observed: observed)
                break
            }
            if latest.state == .created { try? await StartupQueue.shared.run(order: startOrder) { [context] in try context.containers.start(latest.id) } }
            initialized = false
            break
        }
        if initialized {
            for c in spec.containers {
                let name = c.name ?? ""
                let attempts = observed.filter { $0.name == name }.sorted { $0.attempt < $1.attempt }
                guard let latest = attempts.last else {
                    if !backOff.isBackingOff(name, at: Self.now()) {
                        await startContainer(c, attempt: 0, isInit: false, observed: observed)
                    }
                    continue
                }
                switch latest.state {
                case .running:
                    waiting[name] = nil
                    await runProbes(c, container: latest)
                case .created:
                    try? await StartupQueue.shared.run(order: startOrder) { [context] in try context.containers.start(latest.id) }
                case .exited, .unknown:
                    // A container that vanished without a recorded exit counts as failed (255).
                    let code = latest.exitCode ?? 255
                    ready[name] = false
                    let policy = spec.restartPolicy ?? "Always"
                    if policy == "Always" || (policy == "OnFailure" && code != 0) {
                        await restart(c, after: latest, isInit: false, observed: observed)
                    } else {
                        waiting[name] = nil
                    }
                }
            }
        }
        await collectOldAttempts(observed)
        await report()
    }

    /// Restarts a finished container once its back-off allows, else waits with CrashLoopBackOff.
    func restart(_ c: Container, after latest: ObservedContainer, isInit: Bool, observed: [ObservedContainer]) async {
        let name = c.name ?? ""
        let now = Self.now()
        if !countedExits.contains(latest.id) {
            countedExits.insert(latest.id)
            _ = backOff.failed(name, at: now)
        }
        if backOff.isBackingOff(name, at: now) {
            let delay = Int(backOff.delay(name) ?? 10)
            waiting[name] = .init("CrashLoopBackOff", "back-off \(delay)s restarting failed container=\(name) pod=\(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "")(\(uid))")
            if waiting[name]?.reason == "CrashLoopBackOff", latest.attempt > 0 || delay > 10 {
                context.events.record(pod, container: name, type: "Warning", reason: "BackOff", "Back-off restarting failed container \(name) in pod \(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "")(\(uid))")
            }
            return
        }
        await startContainer(c, attempt: latest.attempt + 1, isInit: isInit, observed: observed)
    }

    /// Writes the status.
    func report() async {
        let observed = context.containers.observe(podUID: uid)
        let previous = await context.status.status(of: uid) ?? pod.status
        let input = PodStatusBuilder.Input(
            pod: pod, previous: previous, sandboxReady: sandbox != nil, podIP: sandbox?.ip, hostIP: context.nodeIP,
            startTime: previous?.startTime ?? sandbox.flatMap { Timestamp(rfc3339: $0.created) } ?? Timestamp(),
            containers: observed, waiting: waiting, ready: ready, started: started, podFailure: podFailure)
        await context.status.set(pod, PodStatusBuilder().build(input))
    }

    /// Removes attempts older than the previous one (the previous keeps `--previous` logs and lastState).
    func collectOldAttempts(_ observed: [ObservedContainer]) async {
        let byName = Dictionary(grouping: observed, by: \.name)
        for (_, attempts) in byName {
            let sorted = attempts.sorted { $0.attempt < $1.attempt }
            for old in sorted.dropLast(2) {
                try? await Blocking.run { [context] in try context.containers.remove(old.id) }
            }
        }
    }
}
