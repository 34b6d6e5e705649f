#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import LinuxSystem

/// Where the container's terminal master goes.
public enum ConsoleTarget: Sendable, Equatable {
    case none
    /// A Unix socket path to connect to (`--console-socket`).
    case socketPath(String)
    /// An already-connected socket (used by `run` and `exec` in the foreground).
    case socketFD(Int32)
}

/// Options of `create`.
public struct CreateOptions: Sendable {
    public var pidFile: String?
    public var console: ConsoleTarget
    /// Descriptors 3..<3+preserveFDs are passed to the container process.
    public var preserveFDs: Int32
    public var noPivot: Bool
    public var noNewKeyring: Bool

    public init(pidFile: String? = nil, console: ConsoleTarget = .none, preserveFDs: Int32 = 0, noPivot: Bool = false, noNewKeyring: Bool = false) {
        self.pidFile = pidFile
        self.console = console
        self.preserveFDs = preserveFDs
        self.noPivot = noPivot
        self.noNewKeyring = noNewKeyring
    }
}

extension ContainerRuntime {
    /// Creates a container from the bundle: everything up to the user
    /// process, which waits for ``start(id:)``. On any error nothing is left:
    /// no state directory, cgroup, mount or process.
    ///
    /// The container's init becomes a child of the calling process, which
    /// must reap it (or exit); long-lived callers use ``createMonitored``.
    @discardableResult
    public func create(id: String, bundle: String, options: CreateOptions = CreateOptions()) throws -> OCIState {
        try create(id: id, bundle: bundle, options: options, monitor: nil)
    }

    func create(id: String, bundle: String, options: CreateOptions, monitor: MonitorRecord?) throws -> OCIState {
        try StateStore.validate(id: id)
        let bundle = try absolutePath(bundle)
        let (spec, specJSON) = try BundleLoader.loadWithJSON(bundle: bundle)
        var plan = try ContainerPlan(id: id, bundle: bundle, spec: spec, noPivot: options.noPivot, noNewKeyring: options.noNewKeyring)
        let terminal = plan.initConfig.process.terminal
        if terminal && options.console == .none {
            throw RuntimeError.invalidConfig(field: "process.terminal", reason: "a terminal needs --console-socket (or run it in the foreground)")
        }
        if !terminal && options.console != .none {
            throw RuntimeError.invalidConfig(field: "process.terminal", reason: "--console-socket was given but process.terminal is false")
        }
        let host = try CgroupHost.current()
        let own = CgroupManager.ownCgroups((try? FileIO.read("/proc/self/cgroup")) ?? "")
        let paths = try CgroupManager.paths(for: plan.cgroupsPath, host: host, own: own)
        let cgroup = CgroupManager(host: host, paths: paths)
        plan.initConfig.rootfs?.cgroupMount = cgroupMountPlan(host: host, paths: paths, cgroupNamespace: plan.namespaces.has(.cgroup))
        logger.debug("cgroup layout: \(host.summary)")

        try store.reserve(id)
        let lock = try lockDirectory(id)
        defer { close(lock) }
        var record = ContainerRecord(
            id: id, bundle: bundle, rootfs: plan.rootfs, created: ContainerRuntime.timestamp(), phase: .creating,
            pid: 0, pidStartTime: 0, cgroupHost: host, cgroupPaths: paths, spec: spec,
            createdNamespaces: plan.namespaces.create.sorted(), monitor: monitor)
        var session: InitSession?
        var cgroupCreated = false
        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        do {
            try store.save(record, spec: specJSON)
            let fifo = store.execFifo(id)
            try sys("mkfifo", fifo) { mkfifo(fifo, 0o622) }
            // mkfifo honours the umask; the container's user (any uid) must be able to write.
            try sys("chmod", fifo) { chmod(fifo, 0o622) }
            fds.append(try sys("open", fifo) { open(fifo, oPath | O_CLOEXEC) })
            plan.initConfig.execFifoFD = 3 + options.preserveFDs + 1
            if let console = try consoleFD(options.console) {
                fds.append(console)
                plan.initConfig.consoleSocketFD = 3 + options.preserveFDs + 2
            }
            plan.initConfig.preserveFDs = options.preserveFDs

            try cgroup.create(resources: plan.resources, deviceRules: plan.deviceRules)
            cgroupCreated = true
            session = try InitSession.launch(executable: initExecutable, config: plan.initConfig, extraFDs: fds, preserveFDs: options.preserveFDs, cgroup: cgroup)
            var handlers = InitSession.Handlers()
            handlers.forked = { pid in
                record.pid = pid
                record.pidStartTime = ProcFS.startTime(of: pid) ?? 0
                try store.save(record, spec: specJSON)
            }
            handlers.mountsReady = { _ in
                // Most containers have no hooks: skip encoding a state nobody reads.
                guard spec.hooks?.prestart?.isEmpty == false || spec.hooks?.createRuntime?.isEmpty == false
                    || spec.hooks?.createContainer?.isEmpty == false else { return "" }
                let state = hookState(record, status: .creating)
                try HookRunner.run(spec.hooks?.prestart ?? [], kind: "prestart", state: state)
                try HookRunner.run(spec.hooks?.createRuntime ?? [], kind: "createRuntime", state: state)
                return state
            }
            try session?.run(config: plan.initConfig, uidMappings: plan.uidMappings, gidMappings: plan.gidMappings, handlers: handlers)
            session?.channel.close()
            record.phase = .created
            try store.save(record, spec: specJSON)
            if let pidFile = options.pidFile {
                try FileIO.writeAtomically(try absolutePath(pidFile), Array("\(record.pid)".utf8), mode: 0o644)
            }
            return makeState(record, status: .created)
        } catch {
            session?.abort()
            if record.pid > 0, session?.containerPid == nil {
                Glibc.kill(record.pid, SIGKILL)
                _ = try? waitForExit(record.pid)
            }
            if cgroupCreated { try? cgroup.destroy() }
            try? store.remove(id)
            throw error
        }
    }

    /// How the cgroup filesystem is shown inside the container.
    func cgroupMountPlan(host: CgroupHost, paths: [String: String], cgroupNamespace: Bool) -> CgroupMountPlan {
        CgroupMountPlan(
            unified: host.layout == .unified, useNamespace: cgroupNamespace,
            hierarchies: host.v1.compactMap { h in
                paths[h.key].map { CgroupMountPlan.Hierarchy(name: h.directoryName, mountData: h.mountData, hostPath: $0) }
            },
            unifiedPath: paths[CgroupWrite.unified])
    }

    func consoleFD(_ target: ConsoleTarget) throws -> Int32? {
        switch target {
        case .none:
            return nil
        case .socketFD(let fd):
            return try sys("fcntl(F_DUPFD_CLOEXEC)", "console socket") { fcntl(fd, F_DUPFD_CLOEXEC, 3) }
        case .socketPath(let path):
            return try UnixSocket.connect(path)
        }
    }

    func lockDirectory(_ id: String) throws -> Int32 {
        let fd = try sys("open", store.directory(id)) { open(store.directory(id), O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        try sys("flock", store.directory(id)) { flock(fd, LOCK_EX) }
        return fd
    }

    func absolutePath(_ path: String) throws -> String { try FileIO.absolutePath(path) }
}

/// Unix domain socket helpers.
enum UnixSocket {
    /// Connects a stream socket to `path`.
    static func connect(_ path: String) throws -> Int32 {
        let fd = try sys("socket", "AF_UNIX") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw RuntimeError.other("socket path \(path) is too long")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in bytes.enumerated() { buf[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc != 0 {
            let code = errno
            close(fd)
            throw SystemError(call: "connect", errno: code, context: path)
        }
        return fd
    }

    /// A connected pair of stream sockets, close-on-exec.
    static func pair() throws -> (Int32, Int32) {
        var fds: [Int32] = [0, 0]
        try sys("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        return (fds[0], fds[1])
    }
}
