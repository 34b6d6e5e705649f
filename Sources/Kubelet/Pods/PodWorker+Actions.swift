import Foundation
import KubeAPI
import LinuxSystem
import Runtime

extension PodWorker {
    /// What follows an action in the pass.
    enum Next {
        /// The next planned action.
        case proceed
        /// These first (the planner's answer to an outcome), then the rest of the plan.
        case then([PodAction])
        /// These instead of the rest of the plan (a step the rest needs failed).
        case instead([PodAction])
    }

    /// Carries out one action. Throws only where termination must stop and
    /// be retried (removing the sandbox, the final delete).
    func perform(_ action: PodAction) async throws -> Next {
        switch action {
        case .makeSandbox:
            return await makeSandbox()
        case .setUpVolumes:
            return await setUpVolumes()
        case .startContainer(let start):
            await startContainer(start)
        case .startCreated(let id, _):
            try? await StartupQueue.shared.run(order: startOrder) { [runtime] in try runtime.startContainer(id) }
        case .probe(let run):
            return .then(await probe(run))
        case .stopContainers(let stops):
            await stopContainers(stops)
        case .waitUntil:
            break // the resync comes back when the back-off is over
        case .event(let event):
            record(event)
        case .removeContainer(let id):
            try? await Blocking.run { [runtime] in try runtime.removeContainer(id) }
        case .reportStatus:
            await report()
        case .beginTermination(let grace):
            phase = .terminating
            let deadline = ContinuousClock.now + .seconds(grace)
            if killDeadline.map({ deadline < $0 }) ?? true { killDeadline = deadline }
        case .removeSandbox:
            if let sandbox = sandbox ?? runtime.loadSandbox(uid: uid) {
                try await context.volumes.tearDown(sandbox)
                try await Blocking.run { [runtime] in try runtime.removeSandbox(sandbox) }
            }
            try? FileIO.removeTree(runtime.podLogDirectory(pod))
            sandbox = nil
        case .deletePod:
            var options = DeleteOptions(gracePeriodSeconds: 0)
            options.preconditions = Preconditions(uid: uid)
            do {
                try await context.client.delete(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace, options: options)
            } catch {
                if !error.isNotFound && !error.isConflict { throw error }
            }
        case .finishTermination:
            await context.status.forget(uid)
            phase = .terminated
            logger.info("pod \(name) terminated and removed")
        }
        return .proceed
    }

    /// Records `event` against the pod.
    func record(_ event: PodEvent) {
        context.events.record(pod, container: event.container, type: event.type, reason: event.reason, event.message)
    }

    /// Creates the sandbox; a failure ends the pass (ContainerCreating, retried with back-off).
    func makeSandbox() async -> Next {
        let now = Self.now()
        do {
            let pod = self.pod
            sandbox = try await StartupQueue.shared.run(order: startOrder) { [runtime] in try runtime.createSandbox(pod) }
            return .proceed
        } catch {
            return .instead(planner.sandboxFailed("Failed to create pod sandbox: \(error)", pod: pod, at: now))
        }
    }

    /// Sets up (or refreshes) the volumes; a first failure ends the pass.
    func setUpVolumes() async -> Next {
        guard let sandbox else { return .instead([.reportStatus]) }
        let now = Self.now()
        let fields = PodFields(pod: pod, podIP: sandbox.ip, hostIP: context.nodeIP, nodeName: context.nodeName)
        do {
            podVolumes = try await context.volumes.setUp(pod, sandbox: sandbox, fields: fields, previous: podVolumes)
            planner.volumesSetUp(at: now)
            return .proceed
        } catch {
            let message = (error as? VolumeError)?.mountFailure ?? "MountVolume.SetUp failed: \(error)"
            let failed = planner.volumesFailed(message, hadVolumes: podVolumes != nil, pod: pod, at: now)
            return failed.map { .instead($0) } ?? .proceed
        }
    }

    /// Runs one probe and asks the planner what its result means.
    func probe(_ run: ProbeRun) async -> [PodAction] {
        let result = await context.prober.run(run.probe, container: run.container, containerID: run.containerID, podIP: sandbox?.ip)
        let actions = planner.probed(run, result: result, pod: pod, at: Self.now())
        context.metrics.probe(kind: run.kind.rawValue.capitalized, result: result == .success ? "successful" : "failed", pod: pod.metadata.name ?? "",
                              namespace: pod.metadata.namespace ?? "", container: run.name)
        return actions
    }
}
