public import KubeAPI

extension PodPlanner {
    /// The probe kinds in the order a pass runs them.
    static let probeOrder: [ProbeState.Kind] = [.startup, .liveness, .readiness]

    /// New probe states for a freshly started container.
    mutating func resetProbes(_ c: Container, at now: Double) {
        let name = c.name ?? ""
        var states: [ProbeState.Kind: ProbeState] = [:]
        func make(_ kind: ProbeState.Kind, _ p: Probe?) {
            guard let p else { return }
            states[kind] = ProbeState(kind: kind, initialDelay: Double(p.initialDelaySeconds ?? 0), period: Double(p.periodSeconds ?? 10),
                                      successThreshold: p.successThreshold ?? 1, failureThreshold: p.failureThreshold ?? 3, started: now)
        }
        make(.startup, c.startupProbe)
        make(.liveness, c.livenessProbe)
        make(.readiness, c.readinessProbe)
        probes[name] = states
        started[name] = c.startupProbe == nil
        ready[name] = c.readinessProbe == nil && c.startupProbe == nil
    }

    /// The probes of a running container: the first one due now (the rest
    /// follow from ``probed(_:result:pod:at:)``), or none and the next wake.
    mutating func probeActions(_ c: Container, container: ObservedContainer, now: Double) -> [PodAction] {
        let name = c.name ?? ""
        if probes[name] == nil || probeAttempt[name] != container.attempt {
            // A container found running (kubelet restart): probe from now on.
            resetProbes(c, at: now)
            probeAttempt[name] = container.attempt
            if c.startupProbe == nil && c.readinessProbe == nil { ready[name] = true }
        }
        return nextProbe(c, containerID: container.id, after: nil)
    }

    /// The next probe of `c` due in this pass after `kind` (from the first
    /// when nil), or nothing and the time of the next one noted.
    mutating func nextProbe(_ c: Container, containerID: String, after kind: ProbeState.Kind?) -> [PodAction] {
        let name = c.name ?? ""
        let kinds = kind.flatMap { k in Self.probeOrder.firstIndex(of: k).map { Self.probeOrder.dropFirst($0 + 1) } }
            ?? Self.probeOrder[...]
        for kind in kinds {
            guard let state = probes[name]?[kind], state.isDue(at: passTime) else { continue }
            if kind != .startup && started[name] == false { continue }
            if kind == .startup && started[name] == true { continue }
            guard let spec = Self.probe(kind, of: c) else { continue }
            return [.probe(ProbeRun(container: c, containerID: containerID, kind: kind, probe: spec))]
        }
        noteNextProbe(name)
        return []
    }

    /// The probe of `kind` in the container's spec.
    static func probe(_ kind: ProbeState.Kind, of c: Container) -> Probe? {
        switch kind {
        case .startup: c.startupProbe
        case .liveness: c.livenessProbe
        case .readiness: c.readinessProbe
        }
    }

    /// A probe's result at `now`: the Unhealthy event when it failed; a
    /// readiness change; a restart (Killing) when liveness or startup gave up;
    /// otherwise the next probe due in this pass.
    public mutating func probed(_ run: ProbeRun, result: ProbeState.Result, pod: Pod, at now: Double) -> [PodAction] {
        let name = run.name, kind = run.kind
        guard var state = probes[name]?[kind] else { return [] }
        let transition = state.record(result, at: now)
        probes[name]?[kind] = state
        var actions: [PodAction] = []
        if case .failure(let message) = result {
            let label = kind == .startup ? "Startup" : kind == .liveness ? "Liveness" : "Readiness"
            actions.append(.event(PodEvent(container: name, type: "Warning", reason: "Unhealthy", "\(label) probe failed: \(message)")))
        }
        switch (kind, transition) {
        case (.startup, .becameHealthy):
            started[name] = true
            if run.container.readinessProbe == nil { ready[name] = true }
        case (.readiness, .becameHealthy):
            ready[name] = true
        case (.readiness, .becameUnhealthy):
            ready[name] = false
        case (.liveness, .becameUnhealthy), (.startup, .becameUnhealthy):
            let label = kind == .liveness ? "liveness" : "startup"
            // Upstream's wording: a sidecar is an "Init container" and is
            // restarted without saying so.
            let message = Self.isSidecar(run.container)
                ? "Init container \(name) failed \(label) probe"
                : "Container \(name) failed \(label) probe, will be restarted"
            ready[name] = false
            let grace = Double(run.probe.terminationGracePeriodSeconds ?? Self.terminationGrace(of: pod))
            actions.append(.stopContainers([ContainerStop(id: run.containerID, name: name, deadline: .grace(grace),
                                                          event: PodEvent(container: name, reason: "Killing", message))]))
            return actions
        default:
            break
        }
        return actions + nextProbe(run.container, containerID: run.containerID, after: kind)
    }

    /// Folds the next due probe of container `name` (the startup probe until
    /// it has passed, then liveness and readiness) into ``probeWake``.
    mutating func noteNextProbe(_ name: String) {
        let kinds: [ProbeState.Kind] = started[name] == false ? [.startup] : [.liveness, .readiness]
        guard let due = kinds.compactMap({ probes[name]?[$0]?.nextRun }).min() else { return }
        probeWake = min(probeWake ?? due, due)
    }
}
