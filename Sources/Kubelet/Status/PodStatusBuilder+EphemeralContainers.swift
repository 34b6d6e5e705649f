import KubeAPI

extension PodStatusBuilder {
    /// An ephemeral container's status, as upstream reports it: waiting
    /// (ContainerCreating, or PodInitializing in a pod with init
    /// containers, until it starts), running, or terminated; never ready,
    /// never restarted, and without the `started` flag probes give regular
    /// containers.
    func ephemeralStatus(_ ec: EphemeralContainer, _ attempts: [ObservedContainer], _ input: Input) -> ContainerStatus {
        var s = containerStatus(ec.container, attempts, input, isInit: false)
        s.ready = false
        s.started = nil
        s.restartCount = 0
        return s
    }
}
