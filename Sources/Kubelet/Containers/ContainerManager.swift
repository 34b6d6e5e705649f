#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
public import KubeAPI
public import Runtime
public import Images
public import Logging
import LinuxSystem

/// The kubelet's use of the runtime: creates containers for a pod (image
/// root as an overlay, OCI spec, a monitor writing the CRI log), starts,
/// observes, stops and removes them. Containers are found again after a
/// kubelet restart through the annotations they carry.
public struct ContainerManager: Sendable {
    public let runtime: ContainerRuntime
    public let images: ImageStore
    /// Root of pod logs (`/var/log/pods`).
    public let logDirectory: String
    let logger: Logger
    let metrics: KubeletMetrics?

    public init(runtime: ContainerRuntime, images: ImageStore, logDirectory: String, metrics: KubeletMetrics? = nil,
                logger: Logger = Logger(label: "kubelet.containers")) {
        self.metrics = metrics
        self.runtime = runtime
        self.images = images
        self.logDirectory = logDirectory
        self.logger = logger
    }

    /// The annotation holding a container's CRI log file (for nodectl logs).
    public static let logPathAnnotation = ContainerAnnotations.logPath

    public static func containerID(podUID: String, name: String, attempt: Int) -> String {
        "k8s-\(podUID)-\(name)-\(attempt)"
    }

    /// The FIFO a container started with `stdin: true` reads its stdin
    /// from; `kubectl attach -i` writes to it.
    public static func stdinFIFO(bundle: String) -> String { bundle + "/stdin" }

    public func podLogDirectory(_ pod: Pod) -> String {
        logDirectory + "/\(pod.metadata.namespace ?? "default")_\(pod.metadata.name ?? "")_\(pod.metadata.uid ?? "")"
    }

    public func logPath(_ pod: Pod, container: String, attempt: Int) -> String {
        podLogDirectory(pod) + "/\(container)/\(attempt).log"
    }

    /// Everything needed to create one container.
    public struct Request: Sendable {
        public var pod: Pod
        public var container: Container
        public var attempt: Int
        public var isInit: Bool
        public var sandbox: Sandbox
        public var environment: [String]
        public var mounts: [ResolvedMount]
        public var devices: [ResolvedDevice] = []
        public var sharedPIDNamespace: String?
        public var memoryCapacity: Int64
        public var pidsLimit: Int64?

        public init(pod: Pod, container: Container, attempt: Int, isInit: Bool, sandbox: Sandbox, environment: [String],
                    mounts: [ResolvedMount], sharedPIDNamespace: String? = nil, memoryCapacity: Int64 = 1 << 34, pidsLimit: Int64? = nil) {
            self.pod = pod
            self.container = container
            self.attempt = attempt
            self.isInit = isInit
            self.sandbox = sandbox
            self.environment = environment
            self.mounts = mounts
            self.sharedPIDNamespace = sharedPIDNamespace
            self.memoryCapacity = memoryCapacity
            self.pidsLimit = pidsLimit
        }
    }

    /// Creates the container (not started). Throws ImageError for image
    /// problems and ContainerSpecBuilder.ConfigError for configuration ones.
    public func create(_ r: Request) throws -> String {
        let name = r.container.name ?? "container"
        let id = ContainerManager.containerID(podUID: r.sandbox.podUID, name: name, attempt: r.attempt)
        let image = try images.resolve(r.container.image ?? "")
        let dir = r.sandbox.containerDirectory(name, attempt: r.attempt)
        // A leftover of a previous try of the same attempt: start clean.
        if (try? runtime.state(id: id)) != nil { try? runtime.delete(id: id, force: true) }
        try? ContainerRootfs.remove(in: dir)
        try FileIO.makeDirectories(dir, mode: 0o750)
        do {
            let rootfs = try images.mountRootfs(for: image, in: dir)
            let terminationLog = dir + "/termination-log"
            try FileIO.createFile(terminationLog, mode: 0o666)
            chmod(terminationLog, 0o666)
            var input = ContainerSpecBuilder.Input(
                pod: r.pod, container: r.container, containerID: id, attempt: r.attempt, isInit: r.isInit, image: image,
                rootfs: rootfs, environment: r.environment, mounts: r.mounts, sandbox: r.sandbox, terminationLog: terminationLog,
                sharedPIDNamespace: r.sharedPIDNamespace, passwd: (try? FileIO.read(rootfs + "/etc/passwd")) ?? "",
                group: (try? FileIO.read(rootfs + "/etc/group")) ?? "", memoryCapacity: r.memoryCapacity, pidsLimit: r.pidsLimit)
            input.devices = r.devices
            var spec = try ContainerSpecBuilder().build(input)
            let log = logPath(r.pod, container: name, attempt: r.attempt)
            spec.annotations?[ContainerManager.logPathAnnotation] = log
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try FileIO.writeAtomically(dir + "/config.json", Array(try encoder.encode(spec)), mode: 0o600)
            try FileIO.makeDirectories(String(log[..<(log.lastIndex(of: "/") ?? log.endIndex)]), mode: 0o755)
            _ = try timed("create_container") {
                try runtime.createMonitored(id: id, bundle: dir, logPath: log, stdinFIFO: r.container.stdin == true ? Self.stdinFIFO(bundle: dir) : nil,
                                            terminal: r.container.tty == true)
            }
            return id
        } catch {
            try? runtime.delete(id: id, force: true)
            try? ContainerRootfs.remove(in: dir)
            throw error
        }
    }

    /// Starts a created container and records when.
    public func start(_ id: String) throws {
        try timed("start_container") { try runtime.start(id: id) }
        if let record = try? runtime.record(id: id) {
            let now = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            try? FileIO.writeAtomically(record.bundle + "/started", Array(now.utf8), mode: 0o600)
        }
    }

    /// The pod's containers as the runtime knows them.
    public func observe(podUID: String) -> [ObservedContainer] {
        runtime.list(idPrefix: "k8s-\(podUID)-").compactMap { state -> ObservedContainer? in
            guard let a = state.annotations, a[ContainerAnnotations.podUID] == podUID else { return nil }
            return observed(state)
        }
    }

    /// Every kubelet-made container, grouped by pod uid.
    public func all() -> [String: [ObservedContainer]] {
        Dictionary(grouping: runtime.list().compactMap(observed), by: \.podUID)
    }

    /// A kubelet-made container as the runtime shows it (nil: not one of ours).
    func observed(_ state: OCIState) -> ObservedContainer? {
        ObservedContainer.parse(state, exitStatus: runtime.exitStatus(id:), readFile: { try? FileIO.read($0) })
    }

    func timed<T>(_ operation: String, _ body: () throws -> T) rethrows -> T {
        guard let metrics else { return try body() }
        return try metrics.timed(operation, body)
    }

    /// Sends `signal` to the container's process.
    public func signal(_ id: String, _ signal: Int32) throws {
        try runtime.kill(id: id, signal: signal, all: false)
    }

    /// Stops a container: `signal` (SIGTERM), then SIGKILL after `grace` seconds.
    public func stop(_ id: String, grace: Double, signal: Int32 = 15) async {
        let deadline = ContinuousClock.now + .milliseconds(Int(grace * 1000))
        await stop(id, deadline: { deadline }, signal: signal)
    }

    /// Stops a container: `signal`, then SIGKILL at `deadline()`, which is
    /// asked again while waiting (a pod deleted again with a shorter grace
    /// period moves it closer).
    public func stop(_ id: String, deadline: @Sendable () async -> ContinuousClock.Instant, signal: Int32 = 15) async {
        guard let state = try? runtime.state(id: id), state.status == .running || state.status == .paused || state.status == .created else { return }
        let start = Monotonic.now()
        defer { metrics?.runtimeOperation("stop_container", seconds: Monotonic.now() - start, failed: false) }
        try? runtime.kill(id: id, signal: signal, all: false)
        while ContinuousClock.now < (await deadline()) {
            if (try? runtime.state(id: id).status) == .stopped { break }
            try? await Task.sleep(for: .milliseconds(100))
        }
        if (try? runtime.state(id: id).status) != .stopped {
            try? runtime.kill(id: id, signal: SIGKILL, all: true)
            for _ in 0..<100 where (try? runtime.state(id: id).status) != .stopped {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// Removes a stopped container and its root (its log file stays for `kubectl logs --previous`).
    public func remove(_ id: String) throws {
        let bundle = (try? runtime.record(id: id))?.bundle
        do {
            try timed("remove_container") { try runtime.delete(id: id, force: true) }
        } catch RuntimeError.containerNotFound(_) {}
        if let bundle {
            try ContainerRootfs.remove(in: bundle)
            try? FileIO.removeTree(bundle)
        }
    }
}
