public import KubeAPI

extension PodWorker {
    /// New probe states for a freshly started container.
    func resetProbes(_ c: Container, at now: Double) {
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

    /// Runs the probes that are due; a failed liveness or startup probe restarts the container.
    func runProbes(_ c: Container, container: ObservedContainer) async {
        let name = c.name ?? ""
        if probes[name] == nil || probeAttempt[name] != container.attempt {
            // A container found running (kubelet restart): probe from now on.
            resetProbes(c, at: Self.now())
            probeAttempt[name] = container.attempt
            if c.startupProbe == nil && c.readinessProbe == nil { ready[name] = true }
        }
        let now = Self.now()
        for kind in [ProbeState.Kind.startup, .liveness, .readiness] {
            guard var state = probes[name]?[kind], state.isDue(at: now) else { continue }
            if kind != .startup && started[name] == false { continue }
            if kind == .startup && started[name] == true { continue }
            let spec: Probe? = kind == .startup ? c.startupProbe : kind == .liveness ? c.livenessProbe : c.readinessProbe
            guard let spec else { continue }
            let result = await context.prober.run(spec, container: c, containerID: container.id, podIP: sandbox?.ip)
            let transition = state.record(result, at: Self.now())
            context.metrics.probe(kind: kind.rawValue.capitalized, result: result == .success ? "successful" : "failed", pod: pod.metadata.name ?? "",
                                  namespace: pod.metadata.namespace ?? "", container: name)
            probes[name]?[kind] = state
            if case .failure(let message) = result {
                let label = kind == .startup ? "Startup" : kind == .liveness ? "Liveness" : "Readiness"
                context.events.record(pod, container: name, type: "Warning", reason: "Unhealthy", "\(label) probe failed: \(message)")
            }
            switch (kind, transition) {
            case (.startup, .becameHealthy):
                started[name] = true
                if c.readinessProbe == nil { ready[name] = true }
            case (.readiness, .becameHealthy):
                ready[name] = true
            case (.readiness, .becameUnhealthy):
                ready[name] = false
            case (.liveness, .becameUnhealthy), (.startup, .becameUnhealthy):
                let label = kind == .liveness ? "liveness" : "startup"
                context.events.record(pod, container: name, reason: "Killing", "Container \(name) failed \(label) probe, will be restarted")
                ready[name] = false
                let grace = Double(spec.terminationGracePeriodSeconds ?? terminationGrace())
                await context.containers.stop(container.id, grace: grace)
                return
            default:
                break
            }
        }
        noteNextProbe(name)
    }

    /// Folds the next due probe of container `name` (the startup probe until
    /// it has passed, then liveness and readiness) into ``probeWake``.
    func noteNextProbe(_ name: String) {
        let kinds: [ProbeState.Kind] = started[name] == false ? [.startup] : [.liveness, .readiness]
        guard let due = kinds.compactMap({ probes[name]?[$0]?.nextRun }).min() else { return }
        probeWake = min(probeWake ?? due, due)
    }
}
