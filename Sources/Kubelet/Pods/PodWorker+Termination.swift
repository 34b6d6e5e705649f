import Foundation
import KubeAPI
import Runtime
import LinuxSystem

extension PodWorker {
    /// When containers being stopped get SIGKILL: now plus the grace period
    /// when termination began, moved closer if the pod is deleted again with
    /// a shorter grace period (as `kubectl delete --grace-period=1` does).
    func currentKillDeadline() -> ContinuousClock.Instant {
        killDeadline ?? ContinuousClock.now
    }

    /// A newer deletion with a shorter grace period moves the kill deadline closer.
    func shortenKillDeadline(for newer: Pod) {
        guard phase == .terminating, let current = killDeadline, let grace = newer.metadata.deletionGracePeriodSeconds else { return }
        let proposed = ContinuousClock.now + .seconds(max(grace, 0))
        if proposed < current { killDeadline = proposed }
    }

    /// Stops the containers all at once and returns when all have stopped.
    func stopContainers(_ stops: [ContainerStop]) async {
        await withTaskGroup(of: Void.self) { group in
            for stop in stops {
                group.addTask { await self.stop(stop) }
            }
        }
    }

    /// Stops one container: the Killing event, its preStop hook (raced
    /// against the deadline), its stop signal, SIGKILL at the deadline.
    func stop(_ stop: ContainerStop) async {
        record(stop.event)
        let deadline: @Sendable () async -> ContinuousClock.Instant
        switch stop.deadline {
        case .grace(let seconds):
            let fixed = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            deadline = { fixed }
        case .podKillDeadline:
            deadline = { await self.currentKillDeadline() }
        }
        if let hook = stop.preStop, let spec = stop.container {
            let result = await withTaskGroup(of: ProbeState.Result?.self) { group -> ProbeState.Result? in
                group.addTask { await self.runHandler(hook, container: spec, containerID: stop.id) }
                group.addTask {
                    while ContinuousClock.now < (await deadline()), !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            if case .failure(let message)? = result {
                record(PodEvent(container: stop.name, type: "Warning", reason: "FailedPreStopHook", "PreStopHook failed: \(message)"))
            }
        }
        await runtime.stopContainer(stop.id, deadline: deadline, signal: stop.signal)
    }
}
