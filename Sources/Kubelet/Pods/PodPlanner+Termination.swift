import KubeAPI
import Runtime

extension PodPlanner {
    /// Graceful termination: every running (or created) container stopped at
    /// once (preStop hook first, then its stop signal, SIGKILL when the
    /// pod's grace period is over); sidecars after that, one at a time in
    /// reverse order, within the same deadline, as upstream does. Then removal
    /// of containers, volumes and the sandbox, and only then the final delete
    /// that lets the API server forget the pod (not when the pod is already
    /// gone from it).
    func termination(_ pod: Pod, observed: [ObservedContainer], removedFromAPI: Bool) -> [PodAction] {
        var actions: [PodAction] = [.beginTermination(gracePeriod: max(Self.terminationGrace(of: pod), 0))]
        let specs = pod.spec?.allContainers ?? []
        let sidecars = (pod.spec?.initContainers ?? []).filter(Self.isSidecar).map { $0.name ?? "" }
        let stopping = observed.filter { $0.isRunning || $0.state == .created }
        let stops = stopping.filter { !sidecars.contains($0.name) }.map { container in
            stop(container, spec: specs.first { $0.name == container.name }, pod)
        }
        if !stops.isEmpty { actions.append(.stopContainers(stops)) }
        for name in sidecars.reversed() {
            let sidecarStops = stopping.filter { $0.name == name }.map { container in
                stop(container, spec: specs.first { $0.name == container.name }, pod)
            }
            if !sidecarStops.isEmpty { actions.append(.stopContainers(sidecarStops)) }
        }
        actions += observed.map { .removeContainer(id: $0.id) }
        actions.append(.removeSandbox)
        if !removedFromAPI { actions.append(.deletePod) }
        actions.append(.finishTermination)
        return actions
    }

    /// How a container of a terminating pod stops: the Killing event, its
    /// preStop hook when it is running, its stopSignal (SIGTERM by default),
    /// SIGKILL at `deadline` (the pod's kill deadline when it terminates).
    func stop(_ container: ObservedContainer, spec: Container?, _ pod: Pod, deadline: ContainerStop.Deadline = .podKillDeadline) -> ContainerStop {
        let preStop = container.isRunning ? spec?.lifecycle?.preStop : nil
        let signal = spec?.lifecycle?.stopSignal.flatMap { try? Signals.parse($0) } ?? 15
        return ContainerStop(id: container.id, name: container.name, container: spec, preStop: preStop, signal: signal,
                             deadline: deadline,
                             event: PodEvent(container: container.name, reason: "Killing", "Stopping container \(container.name)"))
    }
}
