#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import FoundationEssentials
import LinuxSystem

/// The container init: the runtime's own executable started as
/// `<exe> init` with the channel descriptor in `_SWIFTRUN_INITFD`.
///
/// It runs single-threaded from `main` before anything else (required by
/// setns/unshare of user namespaces and by fork), joins and creates the
/// namespaces, forks the container's pid 1, and that child builds the root
/// filesystem, drops privileges and execs the user process.
public enum ContainerInit {
    /// The environment variable carrying the channel descriptor.
    public static let channelVariable = "_SWIFTRUN_INITFD"

    /// Call first thing in `main` of every executable that uses the runtime.
    /// Returns normally when this process is not a container init.
    /// It also runs the runtime's other helper modes: the container monitor
    /// (`<exe> monitor`), the namespace pinner (`<exe> pin-namespaces`) and
    /// the server that forks both (`<exe> fork-server`).
    public static func runIfRequested() {
        ForkServer.runIfRequested()
        ContainerMonitor.runIfRequested()
        PinnedNamespaces.runIfRequested()
        let args = CommandLine.arguments
        guard args.count >= 2, args[1] == "init", let value = getenv(channelVariable),
              let fd = Int32(String(cString: value)) else { return }
        unsetenv(channelVariable)
        run(channel: InitChannel(fd: fd))
    }

    /// Runs the init. Started anew, it receives its configuration as the
    /// first message; forked by the runtime, it has it already (`known`) and
    /// waits for `proceed`, sent once it is in the container's cgroup.
    static func run(channel: InitChannel, known: InitConfig? = nil) -> Never {
        var stage = "bootstrap"
        do {
            // setns/unshare of user namespaces and fork need a single thread.
            let threads = (try? FileIO.listDirectory("/proc/self/task").count) ?? 1
            guard threads == 1 else {
                throw RuntimeError.other("the init process has \(threads) threads; ContainerInit.runIfRequested() must run first in main")
            }
            let config: InitConfig
            switch (known, try channel.receive()) {
            case (let known?, .proceed): config = known
            case (nil, .bootstrap(let received)): config = received
            default: throw RuntimeError.other("expected the bootstrap message")
            }
            stage = "namespaces"
            try enterNamespaces(config, channel: channel)
            stage = "fork"
            // The container process becomes the runtime's child, not ours.
            let pid = try sys("clone(CLONE_PARENT)") { swr_fork_sibling() }
            if pid > 0 {
                try channel.send(.forked(pid: pid))
                _exit(0)
            }
            runChild(config, channel: channel)
        } catch {
            fail(channel, stage: stage, error)
        }
    }

    /// Reports `error` to the runtime and exits.
    static func fail(_ channel: InitChannel, stage: String, _ error: any Error, toStderr: Bool = false) -> Never {
        let message = (error as? any CustomStringConvertible)?.description ?? "\(error)"
        try? channel.send(.failed(stage: stage, message: message))
        if toStderr {
            // After `ready` nobody may be reading the channel (create has returned).
            let line = Array("container init failed at \(stage): \(message)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        }
        _exit(1)
    }

    // MARK: - Namespaces (intermediate process)

    static func enterNamespaces(_ config: InitConfig, channel: InitChannel) throws {
        // Open every path first: joining the mount namespace changes what paths mean.
        let joins = try config.namespaces.join.map { join -> (NamespacePlan.Join, Int32) in
            let fd = open(join.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                throw SystemError(call: "open", errno: errno, context: "\(join.kind.rawValue) namespace \(join.path)")
            }
            return (join, fd)
        }
        for (join, fd) in joins {
            try sys("setns", "\(join.kind.rawValue) namespace \(join.path)") { swr_setns(fd, join.kind.cloneFlag) }
            close(fd)
        }
        if config.namespaces.create.contains(.user) {
            try sys("unshare", "user namespace") { swr_unshare(NamespaceKind.user.cloneFlag) }
            try channel.send(.requestIDMaps)
            guard case .idMapsWritten = try channel.receive() else {
                throw RuntimeError.other("expected idMapsWritten")
            }
            try sys("setresgid", "0 in the new user namespace") { swr_setresgid(0, 0, 0) }
            try sys("setresuid", "0 in the new user namespace") { swr_setresuid(0, 0, 0) }
        }
        let flags = config.namespaces.unshareFlagsAfterUser
        if flags != 0 {
            let names = config.namespaces.create.filter { $0 != .user }.sorted().map(\.rawValue).joined(separator: ", ")
            try sys("unshare", names) { swr_unshare(flags) }
        }
        if config.namespaces.create.contains(.time), let offsets = config.timeOffsets, !offsets.isEmpty {
            let text = offsets.sorted { $0.key < $1.key }
                .map { "\($0.key) \($0.value.secs ?? 0) \($0.value.nanosecs ?? 0)" }.joined(separator: "\n")
            try FileIO.writeExisting("/proc/self/timens_offsets", text)
        }
    }

    // MARK: - The container's first process

    static func runChild(_ config: InitConfig, channel: InitChannel) -> Never {
        var stage = "start"
        var readySent = false
        do {
            guard case .proceed = try channel.receive() else { throw RuntimeError.other("expected proceed") }
            _ = setsid()
            if let adj = config.process.oomScoreAdj {
                stage = "oom_score_adj"
                try FileIO.writeExisting("/proc/self/oom_score_adj", String(adj))
            }
            if !config.noNewKeyring && config.mode == .create {
                if swr_join_session_keyring("_ses.\(config.containerID)") < 0 && errno != ENOSYS && errno != EACCES {
                    throw SystemError(call: "keyctl(KEYCTL_JOIN_SESSION_KEYRING)", errno: errno)
                }
            }
            if config.mode == .create, let plan = config.rootfs {
                stage = "rootfs"
                let setup = RootfsSetup(plan: plan, ops: LinuxMountSyscalls())
                try setup.prepare()
                try channel.send(.mountsReady)
                guard case .hooksDone(let state) = try channel.receive() else { throw RuntimeError.other("expected hooksDone") }
                stage = "createContainer hooks"
                try HookRunner.run(config.createContainerHooks, kind: "createContainer", state: state)
                stage = "pivot_root"
                try setup.pivot()
                if config.process.terminal {
                    stage = "console"
                    try Console.setUp(config)
                }
                // sysctls go in before /proc/sys turns read-only.
                stage = "hostname and sysctl"
                try applyUTSAndSysctl(config)
                stage = "rootfs finalize"
                try setup.finalize()
            } else if config.process.terminal {
                stage = "console"
                try Console.setUp(config)
            }
            stage = "process"
            let path = try ProcessFinalizer.prepare(config.process, preserveFDs: config.preserveFDs, keepFDs: [channel.fd, config.execFifoFD, config.consoleSocketFD].compactMap { $0 })
            try channel.send(.ready)
            readySent = true
            if config.mode == .create, let fifo = config.execFifoFD {
                stage = "waiting for start"
                try waitForStart(fifo)
                stage = "startContainer hooks"
                try HookRunner.run(config.startContainerHooks, kind: "startContainer", state: "")
            }
            ProcessFinalizer.exec(path: path, process: config.process, channel: channel)
        } catch {
            fail(channel, stage: stage, error, toStderr: readySent)
        }
    }

    static func applyUTSAndSysctl(_ config: InitConfig) throws {
        if let hostname = config.hostname {
            try sys("sethostname", hostname) { sethostname(hostname, hostname.utf8.count) }
        }
        if let domainname = config.domainname {
            try sys("setdomainname", domainname) { setdomainname(domainname, domainname.utf8.count) }
        }
        for (key, value) in config.sysctl.sorted(by: { $0.key < $1.key }) {
            let path = "/proc/sys/" + key.split(separator: ".", omittingEmptySubsequences: false).joined(separator: "/")
            do {
                try FileIO.writeExisting(path, value)
            } catch let error as SystemError {
                throw RuntimeError.invalidConfig(field: "linux.sysctl[\"\(key)\"]", reason: "writing \(value) to \(path): \(error.reason)")
            }
        }
    }

    /// Blocks until `start` opens the exec FIFO for reading, then tells it we are going.
    static func waitForStart(_ fifo: Int32) throws {
        let fd = try sys("open", "exec fifo (is /proc mounted in the container?)") { open("/proc/self/fd/\(fifo)", O_WRONLY | O_CLOEXEC) }
        try FileIO.writeAll(fd: fd, [0x30], context: "exec fifo")
        close(fd)
        close(fifo)
    }
}
