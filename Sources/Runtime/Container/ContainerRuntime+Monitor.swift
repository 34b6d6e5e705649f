#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSystem

extension ContainerRuntime {
    /// Creates a container owned by a detached monitor process that writes its
    /// stdout/stderr to `logPath` in the CRI format and records its exit in
    /// ``exitStatus(id:)``. Start it with ``start(id:)`` as usual. The
    /// container and its monitor survive the caller.
    ///
    /// With `stdinFIFO`, the monitor makes a FIFO at that path and gives it
    /// to the container as stdin, holding it open read-write for the
    /// container's life: whoever opens the FIFO for writing (the kubelet's
    /// attach) feeds the container, which never sees EOF in between.
    ///
    /// With `terminal`, the container's stdin, stdout and stderr are the
    /// replica of a pseudo-terminal the monitor holds: what the container
    /// writes is logged as stdout (terminal line endings and echo included),
    /// and what arrives on the FIFO is typed into it (Kubernetes' `tty: true`).
    @discardableResult
    public func createMonitored(id: String, bundle: String, logPath: String, stdinFIFO: String? = nil, terminal: Bool = false,
                                options: CreateOptions = CreateOptions()) throws -> OCIState {
        if options.console != .none || options.preserveFDs != 0 {
            throw RuntimeError.unsupported("a monitored container takes no console or preserved descriptors; its output goes to \(logPath)")
        }
        let (ours, theirs) = try UnixSocket.pair()
        defer { close(ours) }
        do {
            defer { close(theirs) }
            if let forkServer {
                try forkServer.request(.monitor, passing: theirs)
            } else {
                // The first process exits as soon as it has forked the monitor.
                let pid = try Spawn.start(Spawn.Request(
                    path: initExecutable, args: [CommandLine.arguments.first ?? "swiftrun", "monitor"],
                    env: ["\(ContainerMonitor.channelVariable)=3"], fds: [(theirs, 3)], newSession: true))
                _ = try? waitForExit(pid)
            }
        }
        let request = ContainerMonitor.Request(
            root: store.root, id: id, bundle: try absolutePath(bundle), logPath: try absolutePath(logPath),
            pidFile: try options.pidFile.map { try absolutePath($0) }, noPivot: options.noPivot, noNewKeyring: options.noNewKeyring,
            stdinFIFO: try stdinFIFO.map { try absolutePath($0) }, terminal: terminal ? true : nil, cgroupHost: try? CgroupHost.current())
        let channel = InitChannel(fd: ours)
        let reply: ContainerMonitor.Reply
        do {
            try channel.send(value: request)
            reply = try channel.receive(ContainerMonitor.Reply.self)
        } catch let error where InitChannel.isPeerGone(error) {
            if let forkServer {
                throw RuntimeError.other("no monitor reported from \(forkServer.executable) fork-server: \(ForkServer.sameBuildHint)")
            }
            throw RuntimeError.other("the container monitor exited before reporting (is ContainerInit.runIfRequested() called first in main?)")
        }
        switch reply {
        case .created(let state): return state
        case .failed(let error): throw error
        }
    }

    /// The exit of a monitored container, once its process has ended.
    public func exitStatus(id: String) -> ContainerExit? {
        guard let bytes = try? FileIO.readBytes(store.exitFile(id)) else { return nil }
        return try? JSONDecoder().decode(ContainerExit.self, from: Data(bytes))
    }
}
