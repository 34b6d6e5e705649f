#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// Options of `exec`.
public struct ExecOptions: Sendable {
    public var pidFile: String?
    public var console: ConsoleTarget
    public var preserveFDs: Int32
    /// Descriptors to use as the process's stdin, stdout and stderr (default: the caller's).
    public var stdio: (Int32, Int32, Int32)?

    public init(pidFile: String? = nil, console: ConsoleTarget = .none, preserveFDs: Int32 = 0, stdio: (Int32, Int32, Int32)? = nil) {
        self.pidFile = pidFile
        self.console = console
        self.preserveFDs = preserveFDs
        self.stdio = stdio
    }
}

extension ContainerRuntime {
    /// Starts `process` inside a running container: it joins every namespace
    /// and the cgroup of the container's init and gets the container's seccomp
    /// profile, then its own user, capabilities and limits. Returns its pid.
    ///
    /// The process is a child of the caller, who must reap it (see
    /// ``ForegroundProcess``), as with any child.
    public func exec(id: String, process: Spec.Process, options: ExecOptions = ExecOptions()) throws -> Int32 {
        let record = try store.load(id)
        let status = status(of: record)
        guard status == .running else { throw RuntimeError.invalidState(id: id, status: status, operation: "exec in") }
        let initProcess = try ContainerPlan.resolveProcess(process, field: "process", seccomp: record.spec.linux?.seccomp)
        if initProcess.terminal && options.console == .none {
            throw RuntimeError.invalidConfig(field: "process.terminal", reason: "a terminal needs --console-socket (or run it in the foreground)")
        }
        let kinds = NamespaceKind.joinOrder.filter { kind in
            let theirs = try? LinuxMountSyscalls().readLink("/proc/\(record.pid)/ns/\(kind.procName)")
            let ours = try? LinuxMountSyscalls().readLink("/proc/self/ns/\(kind.procName)")
            return theirs != nil && theirs != ours
        }
        var config = InitConfig(
            mode: .exec, containerID: id, namespaces: .joiningProcess(record.pid, kinds: kinds), timeOffsets: nil,
            rootfs: nil, hostname: nil, domainname: nil, sysctl: [:], process: initProcess,
            createContainerHooks: [], startContainerHooks: [], execFifoFD: nil, consoleSocketFD: nil,
            preserveFDs: options.preserveFDs, noNewKeyring: true)
        var fds: [Int32] = []
        defer { fds.forEach { close($0) } }
        if let console = try consoleFD(options.console) {
            fds.append(console)
            config.consoleSocketFD = 3 + options.preserveFDs + 1
        }
        var session = try InitSession.launch(executable: initExecutable, config: config, extraFDs: fds, preserveFDs: options.preserveFDs,
                                             cgroup: cgroups(of: record), stdio: options.stdio)
        do {
            try session.run(config: config, uidMappings: [], gidMappings: [], handlers: InitSession.Handlers())
        } catch {
            session.abort()
            throw error
        }
        session.channel.close()
        guard let pid = session.containerPid else { throw RuntimeError.initFailed(stage: "exec", message: "no process was started") }
        if let pidFile = options.pidFile {
            try FileIO.writeAtomically(try absolutePath(pidFile), Array("\(pid)".utf8), mode: 0o644)
        }
        return pid
    }
}
