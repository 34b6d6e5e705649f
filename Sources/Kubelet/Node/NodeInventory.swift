import Foundation
public import Runtime
import Images
import LinuxSystem

/// What runs on this node, read straight from the kubelet's on-disk state
/// under `--root-dir` (the sandboxes' `sandbox.json` and the runtime's
/// container records), so `nodectl` works whether or not the kubelet is up.
public struct NodeInventory: Sendable {
    public let rootDirectory: String
    public let runtime: ContainerRuntime
    public let sandboxes: SandboxManager

    public init(rootDirectory: String, runtimeExecutable: String = "/proc/self/exe") {
        self.rootDirectory = rootDirectory
        runtime = ContainerRuntime(root: rootDirectory + "/runtime", initExecutable: runtimeExecutable)
        sandboxes = SandboxManager(rootDirectory: rootDirectory, network: nil, nodeIP: "", dns: .init())
    }

    /// One pod sandbox as crictl shows it.
    public struct PodEntry: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var namespace: String
        /// Ready while any of its containers runs or it waits for one, NotReady when all have stopped.
        public var state: String
        public var createdAt: String
        public var ip: String?
        public var labels: [String: String]
        public var hostNetwork: Bool
        public var cgroupParent: String
        public var containers: [ContainerEntry]
    }

    /// One container as crictl shows it.
    public struct ContainerEntry: Codable, Sendable, Equatable {
        public var id: String
        public var name: String
        public var attempt: Int
        public var podID: String
        public var podName: String
        public var podNamespace: String
        /// Created, Running or Exited (Unknown when its record is gone).
        public var state: String
        public var image: String
        public var imageID: String
        public var createdAt: String
        public var startedAt: String?
        public var finishedAt: String?
        public var exitCode: Int32?
        public var reason: String?
        public var pid: Int32
        public var logPath: String?
        public var isInit: Bool
    }

    /// Every container the kubelet made (running or not).
    public func containers() -> [ContainerEntry] {
        runtime.list().compactMap(entry).sorted { ($0.podNamespace, $0.podName, $0.name, $0.attempt) < ($1.podNamespace, $1.podName, $1.name, $1.attempt) }
    }

    /// Every pod sandbox with its containers.
    public func pods() -> [PodEntry] {
        let byPod = Dictionary(grouping: containers(), by: \.podID)
        return sandboxes.all().map { s in
            let containers = byPod[s.podUID] ?? []
            let stopped = !containers.isEmpty && containers.allSatisfy { $0.state == "Exited" }
            return PodEntry(id: s.podUID, name: s.name, namespace: s.namespace, state: stopped ? "NotReady" : "Ready", createdAt: s.created,
                            ip: s.ip, labels: s.labels ?? [:], hostNetwork: s.hostNetwork, cgroupParent: s.cgroupParent, containers: containers)
        }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    /// The container whose id, name or id prefix is `query` (unique), for the verbs that take one.
    public func container(_ query: String) throws -> ContainerEntry {
        let all = containers()
        if let exact = all.first(where: { $0.id == query }) { return exact }
        // A bare name picks the latest attempt of that name.
        let named = Dictionary(grouping: all.filter { $0.name == query }, by: \.podID).values.compactMap { $0.max { $0.attempt < $1.attempt } }
        let prefixed = all.filter { $0.id.hasPrefix(query) || $0.id.hasPrefix("k8s-" + query) }
        let candidates = named.isEmpty ? prefixed : named
        guard !candidates.isEmpty else {
            throw RuntimeError.other("no container matches \"\(query)\" (see nodectl ps -a)")
        }
        guard candidates.count == 1, let only = candidates.first else {
            throw RuntimeError.other("\"\(query)\" matches \(candidates.count) containers: \(candidates.map(\.id).joined(separator: ", ")); give more of the id")
        }
        return only
    }

    /// The pod whose uid, uid prefix, name or NAMESPACE/NAME is `query` (unique).
    public func pod(_ query: String) throws -> PodEntry {
        let all = pods()
        let parts = query.split(separator: "/", maxSplits: 1).map(String.init)
        let matches: [PodEntry]
        if let exact = all.first(where: { $0.id == query }) {
            matches = [exact]
        } else if parts.count == 2 {
            matches = all.filter { $0.namespace == parts[0] && $0.name == parts[1] }
        } else {
            let named = all.filter { $0.name == query }
            matches = named.isEmpty ? all.filter { $0.id.hasPrefix(query) } : named
        }
        guard !matches.isEmpty else { throw RuntimeError.other("no pod matches \"\(query)\" (see nodectl pods)") }
        guard matches.count == 1, let only = matches.first else {
            throw RuntimeError.other("\"\(query)\" matches \(matches.count) pods: \(matches.map { "\($0.namespace)/\($0.name)" }.joined(separator: ", ")); use NAMESPACE/NAME or the id")
        }
        return only
    }

    /// A kubelet-made container as nodectl lists it (nil: not one of the kubelet's).
    func entry(_ state: OCIState) -> ContainerEntry? {
        guard let c = ObservedContainer.parse(state, exitStatus: runtime.exitStatus(id:), readFile: { try? FileIO.read($0) }) else { return nil }
        var e = ContainerEntry(
            id: c.id, name: c.name, attempt: c.attempt, podID: c.podUID, podName: c.podName, podNamespace: c.podNamespace,
            state: "Unknown", image: c.image, imageID: c.imageID, createdAt: c.createdAt, startedAt: c.startedAt,
            pid: c.pid, logPath: c.logPath, isInit: c.isInit)
        switch c.state {
        case .created: e.state = "Created"
        case .running: e.state = "Running"
        case .exited(let code, _, let finishedAt, let oomKilled):
            e.state = "Exited"
            e.exitCode = code
            e.finishedAt = finishedAt
            e.reason = oomKilled ? "OOMKilled" : code == 0 ? "Completed" : "Error"
        case .unknown:
            break
        }
        return e
    }
}

extension NodeInventory {
    /// Stops a container: SIGTERM, then SIGKILL after `timeout` seconds.
    /// Under a running kubelet the container is restarted per its pod's
    /// restartPolicy, as with `crictl stop`.
    public func stop(_ container: ContainerEntry, timeout: Double) async {
        await manager.stop(container.id, grace: timeout)
    }

    /// Removes a container and its writable layer; a running one only with `force`.
    public func remove(_ container: ContainerEntry, force: Bool) throws {
        if container.state == "Running" && !force {
            throw RuntimeError.other("container \(container.id) is running; stop it first (nodectl stop) or use --force")
        }
        try manager.remove(container.id)
    }

    /// Removes a pod's containers, volumes, namespaces, cgroup and directory.
    /// Its address returns to the pool when the kubelet next reconciles
    /// (at once if the pod is gone from the API server, at its next start otherwise).
    public func remove(_ pod: PodEntry, force: Bool) throws {
        let running = pod.containers.filter { $0.state == "Running" }
        if !running.isEmpty && !force {
            throw RuntimeError.other("pod \(pod.namespace)/\(pod.name) has running containers (\(running.map(\.name).joined(separator: ", "))); stop it first (nodectl stopp) or use --force")
        }
        for c in pod.containers { try manager.remove(c.id) }
        guard let sandbox = sandboxes.load(uid: pod.id) else { return }
        try VolumeManager.tearDown(sandbox)
        try sandboxes.remove(sandbox)
    }

    /// A container manager over this node's runtime and images.
    public var manager: ContainerManager {
        ContainerManager(runtime: runtime, images: ImageStore(root: rootDirectory + "/images"), logDirectory: "")
    }
}
