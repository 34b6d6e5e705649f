import KubeAPI

/// Ephemeral containers (`spec.ephemeralContainers`, added through the
/// API's `pods/NAME/ephemeralcontainers`): each is started once, in the
/// pod's network, IPC and UTS namespaces, and with `targetContainerName` in
/// the target's process namespace; they are never restarted, probed or
/// counted for the pod's phase and readiness, and they stop with the pod.
/// As upstream, they may start before the init containers are done.
extension PodPlanner {
    /// The message, and the waiting reason's detail, when an ephemeral
    /// container's target is not running (upstream's words).
    static func targetNotFound(_ target: String) -> String { "unable to find target container \(target)" }

    /// Starts the ephemeral containers that never ran. One whose target
    /// container is not running waits with CreateContainerConfigError (the
    /// Failed event when that is news) and is tried again at the next pass.
    mutating func ephemeralContainers(_ p: PassContext) -> [PodAction] {
        var actions: [PodAction] = []
        for ec in p.spec.ephemeralContainers ?? [] {
            let name = ec.name ?? ""
            // Any attempt, running or exited, is the only one it gets.
            guard p.attempts(name).isEmpty else { continue }
            var pidNamespace = p.sharedPIDNamespace
            if let target = ec.targetContainerName, !target.isEmpty {
                guard let running = p.attempts(target).last(where: \.isRunning), running.pid > 0 else {
                    let message = Self.targetNotFound(target)
                    if setWaiting(name, .init("CreateContainerConfigError", message)) {
                        actions.append(.event(PodEvent(container: name, type: "Warning", reason: "Failed", "Error: \(message)")))
                    }
                    continue
                }
                pidNamespace = "/proc/\(running.pid)/ns/pid"
            }
            actions.append(.startContainer(ContainerStart(container: ec.container, attempt: 0, isInit: false,
                                                          sharedPIDNamespace: pidNamespace)))
        }
        return actions
    }
}
