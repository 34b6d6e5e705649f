import KubeAPI

/// Sidecars: init containers with `restartPolicy: Always` (upstream's
/// SidecarContainers). They start in order with the other init containers,
/// let the next one start once they have started, keep running beside the
/// regular containers, are restarted whenever they stop, and are stopped
/// last when the pod ends.
extension PodPlanner {
    /// A sidecar (an init container with `restartPolicy: Always`): started,
    /// probed, and restarted with back-off whenever it stops, whatever the
    /// pod's restartPolicy, until the regular containers are done. Returns
    /// the actions and whether it counts as started (running, its startup
    /// probe passed), which lets the next container start.
    mutating func sidecar(_ c: Container, _ p: PassContext) -> ([PodAction], Bool) {
        let name = c.name ?? ""
        guard let latest = p.attempts(name).last else {
            return ([p.start(c, attempt: 0, isInit: true)], false)
        }
        switch latest.state {
        case .running:
            waiting[name] = nil
            if regularContainersDone(p) {
                let grace = Double(max(Self.terminationGrace(of: p.pod), 0))
                return ([.stopContainers([stop(latest, spec: c, p.pod, deadline: .grace(grace))])], true)
            }
            let actions = probeActions(c, container: latest, now: p.now)
            return (actions, started[name] != false)
        case .created:
            return ([.startCreated(id: latest.id, name: name)], false)
        case .exited, .unknown:
            ready[name] = false
            if regularContainersDone(p) {
                waiting[name] = nil
                return ([], true)
            }
            return (restart(c, after: latest, isInit: true, p), false)
        }
    }

    /// Whether every regular container has finished for good (restartPolicy
    /// Never, or OnFailure after a success): then sidecars are stopped, as
    /// upstream stops them when the pod completes.
    func regularContainersDone(_ p: PassContext) -> Bool {
        let policy = p.spec.restartPolicy ?? "Always"
        guard policy != "Always", !p.spec.containers.isEmpty else { return false }
        return p.spec.containers.allSatisfy { c in
            guard let latest = p.attempts(c.name ?? "").last, !latest.isRunning, latest.state != .created else { return false }
            let code = latest.exitCode ?? 255
            return policy == "Never" || code == 0
        }
    }

    /// Whether `c` is a sidecar: an init container that restarts always.
    static func isSidecar(_ c: Container) -> Bool { c.restartPolicy == "Always" }
}
