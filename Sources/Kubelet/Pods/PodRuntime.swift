public import KubeAPI

/// The container and sandbox operations ``PodWorker`` carries its actions
/// out with: ``KubeletPodRuntime`` over the node's ``ContainerManager`` and
/// ``SandboxManager``, or a fake in tests.
public protocol PodRuntime: Sendable {
    /// Every attempt of every container of the pod with uid `podUID`.
    func observe(podUID: String) -> [ObservedContainer]
    /// Creates a container (not started) and returns its id.
    func createContainer(_ request: ContainerManager.Request) throws -> String
    /// Starts a created container.
    func startContainer(_ id: String) throws
    /// Sends `signal`, then SIGKILL once `deadline()` (asked again while
    /// waiting) has passed; returns when the container has stopped.
    func stopContainer(_ id: String, deadline: @Sendable () async -> ContinuousClock.Instant, signal: Int32) async
    /// Removes a stopped container and its root.
    func removeContainer(_ id: String) throws
    /// The pod's sandbox recorded on disk (a restarted kubelet adopts it).
    func loadSandbox(uid: String) -> Sandbox?
    /// Creates the pod's sandbox.
    func createSandbox(_ pod: Pod) throws -> Sandbox
    /// Removes the pod's sandbox (namespaces, network, cgroup, directory).
    func removeSandbox(_ sandbox: Sandbox) throws
    /// Where the pod's container logs live (`/var/log/pods/NS_NAME_UID`).
    func podLogDirectory(_ pod: Pod) -> String
}

extension PodRuntime {
    /// Sends `signal`, then SIGKILL after `grace` seconds.
    public func stopContainer(_ id: String, grace: Double, signal: Int32 = 15) async {
        let deadline = ContinuousClock.now + .milliseconds(Int(grace * 1000))
        await stopContainer(id, deadline: { deadline }, signal: signal)
    }
}

/// ``PodRuntime`` over the node's container and sandbox managers.
public struct KubeletPodRuntime: PodRuntime {
    public let containers: ContainerManager
    public let sandboxes: SandboxManager

    public init(containers: ContainerManager, sandboxes: SandboxManager) {
        self.containers = containers
        self.sandboxes = sandboxes
    }

    public func observe(podUID: String) -> [ObservedContainer] { containers.observe(podUID: podUID) }
    public func createContainer(_ request: ContainerManager.Request) throws -> String { try containers.create(request) }
    public func startContainer(_ id: String) throws { try containers.start(id) }
    public func stopContainer(_ id: String, deadline: @Sendable () async -> ContinuousClock.Instant, signal: Int32) async {
        await containers.stop(id, deadline: deadline, signal: signal)
    }
    public func removeContainer(_ id: String) throws { try containers.remove(id) }
    public func loadSandbox(uid: String) -> Sandbox? { sandboxes.load(uid: uid) }
    public func createSandbox(_ pod: Pod) throws -> Sandbox { try sandboxes.create(pod) }
    public func removeSandbox(_ sandbox: Sandbox) throws { try sandboxes.remove(sandbox) }
    public func podLogDirectory(_ pod: Pod) -> String { containers.podLogDirectory(pod) }
}

extension KubeletContext {
    /// The pod runtime over this node's container and sandbox managers.
    public var podRuntime: any PodRuntime { KubeletPodRuntime(containers: containers, sandboxes: sandboxes) }
}
