import Foundation
public import KubeAPI
import Runtime

extension PodWorker {
    /// Graceful termination: preStop hooks and SIGTERM, SIGKILL after the
    /// grace period, then removal of containers, volumes and the sandbox,
    /// and only then the final delete that lets the API server forget the pod.
    func terminate() async throws {
        let grace = Double(max(terminationGrace(), 0))
        let observed = context.containers.observe(podUID: uid)
        let running = observed.filter { $0.isRunning || $0.state == .created }
        let specs = (pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? [])
        await withTaskGroup(of: Void.self) { group in
            for container in running {
                let spec = specs.first { $0.name == container.name }
                group.addTask {
                    await self.stopGracefully(container, spec: spec, grace: grace)
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

    func stopGracefully(_ container: ObservedContainer, spec: Container?, grace: Double) async {
        let start = Self.now()
        context.events.record(pod, container: container.name, reason: "Killing", "Stopping container \(container.name)")
        if let hook = spec?.lifecycle?.preStop, container.isRunning, let spec {
            let result = await withTaskGroup(of: ProbeState.Result?.self) { group -> ProbeState.Result? in
                group.addTask { await self.runHandler(hook, container: spec, containerID: container.id) }
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(Int(grace * 1000)))
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
        let remaining = max(grace - (Self.now() - start), 0)
        let signal = spec?.lifecycle?.stopSignal.flatMap { try? Signals.parse($0) } ?? 15
        await context.containers.stop(container.id, grace: remaining, signal: signal)
    }
}
