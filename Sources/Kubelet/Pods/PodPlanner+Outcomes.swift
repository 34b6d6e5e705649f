public import KubeAPI

extension PodPlanner {
    /// The sandbox could not be made at `now`: every container waits with
    /// ContainerCreating, the next try is 5 s away. Returns the actions that
    /// replace the rest of the pass.
    public mutating func sandboxFailed(_ message: String, pod: Pod, at now: Double) -> [PodAction] {
        sandboxBackOffUntil = now + 5
        for c in (pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? []) {
            waiting[c.name ?? ""] = .init("ContainerCreating", message)
        }
        return [.event(PodEvent(type: "Warning", reason: "FailedCreatePodSandBox", message)), .reportStatus]
    }

    /// The volumes were set up (or refreshed) by a run that began at `now`.
    public mutating func volumesSetUp(at now: Double) {
        lastVolumeSync = now
    }

    /// Setting up the volumes failed at `now`. With volumes set up before,
    /// the pod keeps running on their last good contents and the refresh is
    /// tried again at the next pass (nil: go on). Otherwise the containers
    /// wait with ContainerCreating and the returned actions replace the rest
    /// of the pass; volumes never set up are tried again at every pass.
    public mutating func volumesFailed(_ message: String, hadVolumes: Bool, pod: Pod, at now: Double) -> [PodAction]? {
        if hadVolumes { return nil }
        for c in (pod.spec?.initContainers ?? []) + (pod.spec?.containers ?? []) where waiting[c.name ?? ""] == nil {
            waiting[c.name ?? ""] = .init("ContainerCreating", message)
        }
        lastVolumeSync = now - volumeRefreshSeconds + 5
        return [.event(PodEvent(type: "Warning", reason: "FailedMount", message)), .reportStatus]
    }

    /// Container `name` waits for `reason` (an image or configuration
    /// problem found while starting it). True when that is news (an event is due).
    public mutating func setWaiting(_ name: String, _ reason: PodStatusBuilder.Waiting) -> Bool {
        let changed = waiting[name] != reason
        waiting[name] = reason
        return changed
    }

    /// A container was started at `now`: it waits for nothing, and its probes start over.
    public mutating func containerStarted(_ c: Container, at now: Double) {
        let name = c.name ?? ""
        waiting[name] = nil
        resetProbes(c, at: now)
        noteNextProbe(name)
    }
}
