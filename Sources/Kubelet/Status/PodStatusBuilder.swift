import Foundation
public import KubeAPI

/// Builds a pod's status from its spec and what the kubelet observed: the
/// runtime's containers (every attempt), why containers wait, probe
/// verdicts. Pure, so every phase and condition rule is unit-tested.
public struct PodStatusBuilder: Sendable {
    /// Why a container is not running (ContainerCreating, CrashLoopBackOff, …).
    public struct Waiting: Sendable, Equatable {
        public var reason: String
        public var message: String?
        public init(_ reason: String, _ message: String? = nil) {
            self.reason = reason
            self.message = message
        }
    }

    public struct Input: Sendable {
        public var pod: Pod
        public var previous: PodStatus?
        public var sandboxReady: Bool
        public var podIP: String?
        public var hostIP: String?
        public var startTime: Timestamp?
        /// All attempts of all containers.
        public var containers: [ObservedContainer]
        public var waiting: [String: Waiting]
        /// Readiness probe verdicts (containers without a readiness probe are ready when running).
        public var ready: [String: Bool]
        /// Startup probe verdicts.
        public var started: [String: Bool]
        public var now: Timestamp
        /// A reason/message for the whole pod (e.g. admission failures).
        public var podFailure: (reason: String, message: String)?

        public init(pod: Pod, previous: PodStatus?, sandboxReady: Bool, podIP: String?, hostIP: String?, startTime: Timestamp?,
                    containers: [ObservedContainer], waiting: [String: Waiting] = [:], ready: [String: Bool] = [:],
                    started: [String: Bool] = [:], now: Timestamp = Timestamp(), podFailure: (reason: String, message: String)? = nil) {
            self.pod = pod
            self.previous = previous
            self.sandboxReady = sandboxReady
            self.podIP = podIP
            self.hostIP = hostIP
            self.startTime = startTime
            self.containers = containers
            self.waiting = waiting
            self.ready = ready
            self.started = started
            self.now = now
            self.podFailure = podFailure
        }
    }

    public init() {}

    public func build(_ input: Input) -> PodStatus {
        let spec = input.pod.spec ?? PodSpec()
        var status = PodStatus()
        status.qosClass = QoSClass(spec).rawValue
        status.hostIP = input.hostIP
        status.hostIPs = input.hostIP.map { [PodIP(ip: $0)] }
        status.podIP = input.podIP
        status.podIPs = input.podIP.map { [PodIP(ip: $0)] }
        status.startTime = input.startTime
        let byName = Dictionary(grouping: input.containers, by: \.name).mapValues { $0.sorted { $0.attempt < $1.attempt } }

        let inits = (spec.initContainers ?? []).map { containerStatus($0, byName[$0.name ?? ""] ?? [], input, isInit: true) }
        let regular = spec.containers.map { containerStatus($0, byName[$0.name ?? ""] ?? [], input, isInit: false) }
        if !inits.isEmpty { status.initContainerStatuses = inits }
        status.containerStatuses = regular
        let ephemeral = (spec.ephemeralContainers ?? []).map { ephemeralStatus($0, byName[$0.name ?? ""] ?? [], input) }
        if !ephemeral.isEmpty { status.ephemeralContainerStatuses = ephemeral }

        let sidecars = Set((spec.initContainers ?? []).filter(PodPlanner.isSidecar).map { $0.name ?? "" })
        // Initialized: every init container succeeded, and every sidecar has started (upstream's KEP-753).
        let initialized = inits.allSatisfy { sidecars.contains($0.name) ? $0.started == true : $0.state?.terminated?.exitCode == 0 }
        let containersReady = initialized && !regular.isEmpty && regular.allSatisfy(\.ready)
            && inits.filter({ sidecars.contains($0.name) }).allSatisfy(\.ready)
        // Readiness gates are set by others on the API server's copy.
        func gateCondition(_ type: String) -> Condition? {
            input.pod.status?.conditions?.first { $0.type == type } ?? input.previous?.conditions?.first { $0.type == type }
        }
        let gates = (spec.readinessGates ?? []).allSatisfy { gateCondition($0.conditionType)?.status == "True" }
        status.phase = phase(spec, inits: inits, regular: regular, sandboxReady: input.sandboxReady, sidecars: sidecars)
        if let failure = input.podFailure {
            status.phase = "Failed"
            status.reason = failure.reason
            status.message = failure.message
        }
        let terminal = status.phase == "Succeeded" || status.phase == "Failed"
        var conditions: [Condition] = []
        func add(_ type: String, _ value: Bool, reason: String? = nil) {
            var c = Condition(type: type, status: value ? "True" : "False", reason: value ? nil : reason)
            if let old = input.previous?.conditions?.first(where: { $0.type == type }), old.status == c.status {
                c.lastTransitionTime = old.lastTransitionTime
            } else {
                c.lastTransitionTime = input.now
            }
            conditions.append(c)
        }
        add("PodReadyToStartContainers", input.sandboxReady && !terminal)
        add("Initialized", initialized, reason: "ContainersNotInitialized")
        add("Ready", containersReady && gates && !terminal, reason: containersReady ? "ReadinessGatesNotReady" : terminal ? "PodCompleted" : "ContainersNotReady")
        add("ContainersReady", containersReady && !terminal, reason: terminal ? "PodCompleted" : "ContainersNotReady")
        if let scheduled = input.previous?.conditions?.first(where: { $0.type == "PodScheduled" }) {
            conditions.append(scheduled)
        } else {
            add("PodScheduled", true)
        }
        for gate in spec.readinessGates ?? [] {
            if let c = gateCondition(gate.conditionType) { conditions.append(c) }
        }
        status.conditions = conditions
        return status
    }

    func containerStatus(_ c: Container, _ attempts: [ObservedContainer], _ input: Input, isInit: Bool) -> ContainerStatus {
        let name = c.name ?? ""
        var s = ContainerStatus(name: name, image: c.image ?? "")
        let latest = attempts.last
        let finished = attempts.filter { if case .exited = $0.state { return true }; return false }
        // Attempts are numbered from 0, so the latest attempt's number is the restart count.
        s.restartCount = latest?.attempt ?? 0
        if let latest {
            s.containerID = "swiftrun://" + latest.id
            s.imageID = latest.imageID
        }
        var state = ContainerState()
        if let waiting = input.waiting[name] {
            state.waiting = ContainerStateWaiting(reason: waiting.reason, message: waiting.message)
            if let last = finished.last { s.lastState = terminatedState(last) }
        } else if let latest {
            switch latest.state {
            case .running:
                state.running = ContainerStateRunning(startedAt: Timestamp(rfc3339: latest.startedAt ?? latest.createdAt))
                if let previous = finished.last(where: { $0.attempt < latest.attempt }) { s.lastState = terminatedState(previous) }
            case .exited:
                state = terminatedState(latest)
                if let previous = finished.last(where: { $0.attempt < latest.attempt }) { s.lastState = terminatedState(previous) }
            case .created, .unknown:
                state.waiting = ContainerStateWaiting(reason: "ContainerCreating")
            }
        } else {
            state.waiting = ContainerStateWaiting(reason: "ContainerCreating")
            if !isInit, let inits = input.pod.spec?.initContainers, !inits.isEmpty {
                state.waiting = ContainerStateWaiting(reason: "PodInitializing")
            }
        }
        s.state = state
        let running = state.running != nil
        // A sidecar (an init container with restartPolicy Always) reports as a
        // regular container does: started, and ready by its probes.
        let reportsAsRegular = !isInit || PodPlanner.isSidecar(c)
        s.started = reportsAsRegular ? running && (input.started[name] ?? true) : nil
        s.ready = running && (input.ready[name] ?? true) && (input.started[name] ?? true)
        if !reportsAsRegular { s.ready = state.terminated?.exitCode == 0 }
        return s
    }

    func terminatedState(_ c: ObservedContainer) -> ContainerState {
        var state = ContainerState()
        guard case .exited(let code, let signal, let finishedAt, let oom) = c.state else { return state }
        var t = ContainerStateTerminated(exitCode: code, reason: oom ? "OOMKilled" : code == 0 ? "Completed" : "Error")
        t.signal = signal
        t.startedAt = Timestamp(rfc3339: c.startedAt ?? c.createdAt)
        t.finishedAt = Timestamp(rfc3339: finishedAt)
        t.containerID = "swiftrun://" + c.id
        if let message = c.terminationMessage, !message.isEmpty { t.message = message }
        state.terminated = t
        return state
    }

    /// The pod's phase from its containers'. Sidecars (names in `sidecars`)
    /// neither fail the pod nor keep it running: once started they count as
    /// done initializing, and the regular containers alone decide the rest.
    func phase(_ spec: PodSpec, inits: [ContainerStatus], regular: [ContainerStatus], sandboxReady: Bool, sidecars: Set<String> = []) -> String {
        let policy = spec.restartPolicy ?? "Always"
        let ordinaryInits = inits.filter { !sidecars.contains($0.name) }
        // A failed init container with restartPolicy Never fails the pod.
        if policy == "Never", ordinaryInits.contains(where: { ($0.state?.terminated?.exitCode ?? 0) != 0 }) { return "Failed" }
        let sidecarsStarted = inits.filter { sidecars.contains($0.name) }.allSatisfy { $0.started == true || $0.lastState?.terminated != nil }
        guard sandboxReady, ordinaryInits.allSatisfy({ $0.state?.terminated?.exitCode == 0 }), sidecarsStarted else { return "Pending" }
        let running = regular.filter { $0.state?.running != nil }
        let terminated = regular.filter { $0.state?.terminated != nil }
        if !running.isEmpty { return "Running" }
        if terminated.count == regular.count && !regular.isEmpty {
            let failed = terminated.contains { $0.state?.terminated?.exitCode != 0 }
            switch policy {
            case "Always": return "Running"
            case "OnFailure": return failed ? "Running" : "Succeeded"
            default: return failed ? "Failed" : "Succeeded"
            }
        }
        // Restarting (waiting with a previous termination) counts as running.
        if regular.contains(where: { $0.lastState?.terminated != nil }) { return "Running" }
        return "Pending"
    }
}
