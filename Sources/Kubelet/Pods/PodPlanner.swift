public import KubeAPI

/// The pod worker's decisions, as a value: from the pod, what the runtime
/// shows of its sandbox and containers, probe results, restart back-off and
/// the time `now`, the next ``PodAction``s. No actor, no I/O, no clock of its
/// own: ``PodWorker`` observes, asks, and carries the actions out.
///
/// A pass (``plan(_:now:)``) walks what upstream's `computePodActions` does:
/// sandbox, volumes, ephemeral containers (started once, never restarted),
/// init containers in order (each to success; a sidecar,
/// `restartPolicy: Always` on an init container, only until it has started),
/// then the regular containers (start, probe, restart per the pod's
/// restartPolicy with CrashLoopBackOff), removal of old attempts, status.
/// Outcomes that change later decisions come back through
/// ``sandboxFailed(_:at:)``, ``volumesFailed(_:hadVolumes:at:)``,
/// ``containerStarted(_:at:)`` and ``probed(_:result:pod:at:)``.
///
/// ```swift
/// var planner = PodPlanner()
/// let actions = planner.plan(.init(pod: pod, containers: [], hasSandbox: false, hasVolumes: false), now: 100)
/// // [.makeSandbox, .setUpVolumes, .startContainer(app, attempt 0), .reportStatus]
/// ```
public struct PodPlanner: Sendable {
    /// Why the pod failed before it ran (admission), shown in its status.
    public struct Failure: Sendable, Equatable {
        public var reason: String
        public var message: String

        public init(reason: String, message: String) {
            self.reason = reason
            self.message = message
        }
    }

    /// What the worker saw at the start of a pass.
    public struct Observation: Sendable {
        public var pod: Pod
        /// Every attempt of every container of the pod the runtime knows.
        public var containers: [ObservedContainer]
        public var hasSandbox: Bool
        /// The volumes have been set up at least once.
        public var hasVolumes: Bool
        /// The pod is gone from the API server (or was never there: an orphan).
        public var removedFromAPI: Bool
        /// The phase of the status last written (a finished pod stays as it is).
        public var reportedPhase: String?

        public init(pod: Pod, containers: [ObservedContainer], hasSandbox: Bool, hasVolumes: Bool,
                    removedFromAPI: Bool = false, reportedPhase: String? = nil) {
            self.pod = pod
            self.containers = containers
            self.hasSandbox = hasSandbox
            self.hasVolumes = hasVolumes
            self.removedFromAPI = removedFromAPI
            self.reportedPhase = reportedPhase
        }
    }

    /// configMap/secret volumes are refreshed this often (seconds).
    public var volumeRefreshSeconds: Double

    /// Restart back-off per container name (10 s doubling to 5 min).
    public internal(set) var backOff = BackOff()
    /// Exits already counted for back-off, by container id.
    var countedExits: Set<String> = []
    /// Why each container is waiting, for the status.
    public internal(set) var waiting: [String: PodStatusBuilder.Waiting] = [:]
    /// Probe state per container name, for the attempt in ``probeAttempt``.
    var probes: [String: [ProbeState.Kind: ProbeState]] = [:]
    var probeAttempt: [String: Int] = [:]
    /// Readiness per container name, for the status.
    public internal(set) var ready: [String: Bool] = [:]
    /// Whether each container's startup probe has passed, for the status.
    public internal(set) var started: [String: Bool] = [:]
    /// When the next probe of a running container falls due (``now`` seconds):
    /// the worker wakes for it rather than at the next resync.
    public internal(set) var probeWake: Double?
    /// Set by admission: the pod fails before it runs.
    public var failure: Failure?
    /// No sandbox creation before this time (after a failure).
    var sandboxBackOffUntil = 0.0
    /// When the volumes were last set up.
    var lastVolumeSync = -Double.infinity
    /// The `now` of the current pass: later probes of the same pass are due by it.
    var passTime = 0.0

    public init(volumeRefreshSeconds: Double = 30) {
        self.volumeRefreshSeconds = volumeRefreshSeconds
    }

    /// The next actions for the pod at `now`.
    public mutating func plan(_ observation: Observation, now: Double) -> [PodAction] {
        probeWake = nil
        passTime = now
        let pod = observation.pod
        if observation.removedFromAPI || pod.metadata.deletionTimestamp != nil {
            return termination(pod, observed: observation.containers, removedFromAPI: observation.removedFromAPI)
        }
        guard let spec = pod.spec else { return [] }
        if failure != nil { return [.reportStatus] }
        let observed = observation.containers
        if observation.reportedPhase == "Succeeded" || observation.reportedPhase == "Failed", !observed.contains(where: \.isRunning) {
            return [] // finished pods stay as they are until deleted
        }

        var actions: [PodAction] = []
        if !observation.hasSandbox {
            guard now >= sandboxBackOffUntil else { return [.reportStatus] }
            actions.append(.makeSandbox)
        }
        if !observation.hasVolumes || now - lastVolumeSync >= volumeRefreshSeconds {
            actions.append(.setUpVolumes)
        }
        let context = PassContext(pod: pod, spec: spec, observed: observed, now: now)
        actions += ephemeralContainers(context)
        let (initActions, initialized) = initContainers(context)
        actions += initActions
        if initialized {
            actions += regularContainers(context)
        }
        actions += oldAttempts(observed).map { .removeContainer(id: $0.id) }
        actions.append(.reportStatus)
        return actions
    }

    /// What one pass looks at, computed once.
    struct PassContext {
        var pod: Pod
        /// The pod's spec (a pass only runs for a pod that has one).
        var spec: PodSpec
        /// Every attempt of every container, as observed when the pass began.
        var observed: [ObservedContainer]
        /// The time of the pass.
        var now: Double

        /// Attempts of container `name`, oldest first.
        func attempts(_ name: String) -> [ObservedContainer] {
            observed.filter { $0.name == name }.sorted { $0.attempt < $1.attempt }
        }

        /// The pid namespace new containers join when the pod shares one.
        var sharedPIDNamespace: String? {
            guard spec.shareProcessNamespace == true, let first = observed.first(where: \.isRunning), first.pid > 0 else { return nil }
            return "/proc/\(first.pid)/ns/pid"
        }

        /// The action that starts attempt `attempt` of `c`.
        func start(_ c: Container, attempt: Int, isInit: Bool) -> PodAction {
            .startContainer(ContainerStart(container: c, attempt: attempt, isInit: isInit, sharedPIDNamespace: sharedPIDNamespace))
        }
    }

    /// Init containers in order, each to success before the next; a sidecar
    /// only until it has started. Returns the actions and whether all are done.
    mutating func initContainers(_ p: PassContext) -> ([PodAction], Bool) {
        let inits = p.spec.initContainers ?? []
        var actions: [PodAction] = []
        for (index, c) in inits.enumerated() {
            let name = c.name ?? ""
            if Self.isSidecar(c) {
                // Containers after it already ran: the pod was past it once, and a
                // sidecar that stops is restarted without holding them back.
                let later = inits.dropFirst(index + 1).map { $0.name ?? "" } + p.spec.containers.map { $0.name ?? "" }
                let pastIt = later.contains { name in p.observed.contains { $0.name == name } }
                let (sidecarActions, isStarted) = sidecar(c, p)
                actions += sidecarActions
                if isStarted || pastIt { continue }
                return (actions, false)
            }
            guard let latest = p.attempts(name).last else {
                actions.append(p.start(c, attempt: 0, isInit: true))
                return (actions, false)
            }
            if case .exited(let code, _, _, _) = latest.state {
                if code == 0 { continue }
                if p.spec.restartPolicy == "Never" { return (actions, false) }
                actions += restart(c, after: latest, isInit: true, p)
                return (actions, false)
            }
            if latest.state == .created { actions.append(.startCreated(id: latest.id, name: name)) }
            return (actions, false)
        }
        return (actions, true)
    }

    /// The regular containers, each on its own: start, probe, restart per the
    /// pod's restartPolicy.
    mutating func regularContainers(_ p: PassContext) -> [PodAction] {
        var actions: [PodAction] = []
        for c in p.spec.containers {
            let name = c.name ?? ""
            guard let latest = p.attempts(name).last else {
                if !backOff.isBackingOff(name, at: p.now) {
                    actions.append(p.start(c, attempt: 0, isInit: false))
                }
                continue
            }
            switch latest.state {
            case .running:
                waiting[name] = nil
                actions += probeActions(c, container: latest, now: p.now)
            case .created:
                actions.append(.startCreated(id: latest.id, name: name))
            case .exited, .unknown:
                // A container that vanished without a recorded exit counts as failed (255).
                let code = latest.exitCode ?? 255
                ready[name] = false
                let policy = p.spec.restartPolicy ?? "Always"
                if policy == "Always" || (policy == "OnFailure" && code != 0) {
                    actions += restart(c, after: latest, isInit: false, p)
                } else {
                    waiting[name] = nil
                }
            }
        }
        return actions
    }

    /// Restarts a finished container once its back-off allows, else waits
    /// with CrashLoopBackOff (and the BackOff event after the first restart).
    mutating func restart(_ c: Container, after latest: ObservedContainer, isInit: Bool, _ p: PassContext) -> [PodAction] {
        let name = c.name ?? ""
        if !countedExits.contains(latest.id) {
            countedExits.insert(latest.id)
            _ = backOff.failed(name, at: p.now)
        }
        guard backOff.isBackingOff(name, at: p.now) else {
            return [p.start(c, attempt: latest.attempt + 1, isInit: isInit)]
        }
        let delay = Int(backOff.delay(name) ?? 10)
        let podName = Self.describe(p.pod)
        let message = "back-off \(delay)s restarting failed container=\(name) pod=\(podName)"
        waiting[name] = .init("CrashLoopBackOff", message)
        var actions: [PodAction] = [.waitUntil(backOff.nextAttempt(name) ?? p.now, container: name, reason: "CrashLoopBackOff", message: message)]
        if latest.attempt > 0 || delay > 10 {
            actions.append(.event(PodEvent(container: name, type: "Warning", reason: "BackOff",
                                           "Back-off restarting failed container \(name) in pod \(podName)")))
        }
        return actions
    }

    /// Attempts older than the previous one, to remove (the previous keeps
    /// `--previous` logs and lastState).
    func oldAttempts(_ observed: [ObservedContainer]) -> [ObservedContainer] {
        Dictionary(grouping: observed, by: \.name).sorted { $0.key < $1.key }.flatMap { _, attempts in
            attempts.sorted { $0.attempt < $1.attempt }.dropLast(2)
        }
    }

    /// The pod as upstream names it in messages: `name_namespace(uid)`.
    static func describe(_ pod: Pod) -> String {
        "\(pod.metadata.name ?? "")_\(pod.metadata.namespace ?? "")(\(pod.metadata.uid ?? ""))"
    }

    /// The pod's termination grace period in seconds: the deletion's, else the spec's, else 30.
    public static func terminationGrace(of pod: Pod) -> Int64 {
        pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30
    }
}
