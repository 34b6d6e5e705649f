import Foundation
public import KubeAPI
import Runtime
import LinuxSystem

extension PodWorker {
    /// Graceful termination: preStop hooks and SIGTERM, SIGKILL after the
    /// grace period, then removal of containers, volumes and the sandbox,
    /// and only then the final delete that lets the API server forget the pod.
    func terminate() async throws {
        let grace = Double(max(terminationGrace(), 0))
        let deadline = ContinuousClock.now + .milliseconds(Int(grace * 1000))
        if killDeadline.map({ deadline < $0 }) ?? true { killDeadline = deadline }
        let observed = context.containers.observe(podUID: uid)
        let running = observed.filter { $0.isRunning || $0.state == .created }
        let specs = (pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? [])
        await withTaskGroup(of: Void.self) { group in
            for container in running {
                let spec = specs.first { $0.name == container.name }
                group.addTask {
                    await self.stopGracefully(container, spec: spec)
                }
            }
        }
        for container in observed {
            try? await Blocking.run { [context] in try context.containers.remove(container.id) }
        }
        if let sandbox = sandbox ?? context.sandboxes.load(uid: uid) {
            try? context.volumes.tearDown(sandbox)
            try await Blocking.run { [context] in try context.sandboxes.remove(sandbox) }
        }
        try? FileIO.removeTree(context.containers.podLogDirectory(pod))
        sandbox = nil
        if !removedFromAPI {
            var options = DeleteOptions(gracePeriodSeconds: 0)
            options.preconditions = Preconditions(uid: uid)
            do {
                try await context.client.delete(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace, options: options)
            } catch {
                if !error.isNotFound && !error.isConflict { throw error }
            }
        }
        await context.status.forget(uid)
        phase = .terminated
        logger.info("pod \(name) terminated and removed")
    }

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

    func stopGracefully(_ container: ObservedContainer, spec: Container?) async {
        context.events.record(pod, container: container.name, reason: "Killing", "Stopping container \(container.name)")
        if let hook = spec?.lifecycle?.preStop, container.isRunning, let spec {
            let result = await withTaskGroup(of: ProbeState.Result?.self) { group -> ProbeState.Result? in
                group.addTask { await self.runHandler(hook, container: spec, containerID: container.id) }
                group.addTask {
                    while ContinuousClock.now < (await self.currentKillDeadline()), !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(100))
                    }
                    return nil
                }
                let first = await group.next() ?? nil
                group.cancelAll()
                return first
            }
            if case .failure(let message)? = result {
                context.events.record(pod, container: container.name, type: "Warning", reason: "FailedPreStopHook", "PreStopHook failed: \(message)")
            }
        }
        let signal = spec?.lifecycle?.stopSignal.flatMap { try? Signals.parse($0) } ?? 15
        await context.containers.stop(container.id, deadline: { await self.currentKillDeadline() }, signal: signal)
    }
}
