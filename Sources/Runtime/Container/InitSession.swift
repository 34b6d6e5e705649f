#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// The runtime's side of one container init: spawns (or forks) it, walks it through
/// the message sequence of ``InitMessage``, and reports what happened.
struct InitSession {
    /// Callbacks for the steps where the runtime acts.
    struct Handlers {
        /// The container process exists (pid in the runtime's namespace); persist it.
        var forked: (Int32) throws -> Void = { _ in }
        /// Mounts are ready, pivot_root is next: run prestart/createRuntime hooks,
        /// return the state JSON the init hands to createContainer hooks.
        var mountsReady: (Int32) throws -> String = { _ in "" }
    }

    let channel: InitChannel
    let intermediatePid: Int32
    private(set) var containerPid: Int32?

    /// Spawns the init with the channel at fd 3+preserveFDs and `extraFDs` after it.
    static func launch(executable: String, config: InitConfig, extraFDs: [Int32], preserveFDs: Int32,
                       cgroup: CgroupManager?, stdio: (Int32, Int32, Int32)? = nil) throws -> InitSession {
        let (parentEnd, childEnd) = try InitChannel.pair()
        defer { childEnd.close() }
        let base = 3 + preserveFDs
        var fds: [(source: Int32, target: Int32)] = [(childEnd.fd, base)]
        for (i, fd) in extraFDs.enumerated() { fds.append((fd, base + 1 + Int32(i))) }
        if let stdio { fds += [(stdio.0, 0), (stdio.1, 1), (stdio.2, 2)] }
        let argv0 = CommandLine.arguments.first ?? "swiftrun"
        let pid: Int32
        let forked = Spawn.isSingleThreaded && executable == "/proc/self/exe"
        do {
            if forked {
                // A single-threaded runtime (the swiftrun CLI, a monitor) is
                // already the program the init would exec: fork it instead,
                // configuration and all.
                pid = try Spawn.fork(fds: fds) { ContainerInit.run(channel: InitChannel(fd: base), known: config) }
            } else {
                pid = try Spawn.start(Spawn.Request(path: executable, args: [argv0, "init"], env: ["\(ContainerInit.channelVariable)=\(base)"], fds: fds))
            }
        } catch {
            parentEnd.close()
            throw error
        }
        let session = InitSession(channel: parentEnd, intermediatePid: pid)
        do {
            try cgroup?.addProcess(pid)
            try parentEnd.send(forked ? .proceed : .bootstrap(config))
        } catch {
            session.abort()
            throw error
        }
        return session
    }

    /// Runs the sequence until the init reports `ready`.
    mutating func run(config: InitConfig, uidMappings: [Spec.IDMapping], gidMappings: [Spec.IDMapping], handlers: Handlers) throws {
        while true {
            let message: InitMessage
            do {
                message = try channel.receive()
            } catch is InitChannel.Closed {
                let status = (try? waitForExit(intermediatePid)).map { " (\($0.code.map { "exit \($0)" } ?? "signal \($0.signal ?? 0)"))" } ?? ""
                throw RuntimeError.initFailed(stage: "startup", message: "the init process exited without reporting an error\(status)")
            }
            switch message {
            case .requestIDMaps:
                try writeIDMap(uidMappings, to: "/proc/\(intermediatePid)/uid_map")
                try writeIDMap(gidMappings, to: "/proc/\(intermediatePid)/gid_map")
                try channel.send(.idMapsWritten)
            case .forked(let pid):
                containerPid = pid
                _ = try? waitForExit(intermediatePid)
                try handlers.forked(pid)
                try channel.send(.proceed)
            case .mountsReady:
                let state = try handlers.mountsReady(containerPid ?? 0)
                try channel.send(.hooksDone(state: state))
            case .ready:
                return
            case .failed(let stage, let message):
                throw RuntimeError.initFailed(stage: stage, message: message)
            default:
                throw RuntimeError.initFailed(stage: "protocol", message: "unexpected message \(message)")
            }
        }
    }

    func writeIDMap(_ mappings: [Spec.IDMapping], to path: String) throws {
        let text = mappings.map { "\($0.containerID) \($0.hostID) \($0.size)" }.joined(separator: "\n") + "\n"
        do {
            try FileIO.writeExisting(path, text)
        } catch let error as SystemError {
            throw RuntimeError.invalidConfig(field: path.hasSuffix("uid_map") ? "linux.uidMappings" : "linux.gidMappings", reason: "the kernel refused \(text.trimmingWhitespace().split(separator: "\n").joined(separator: "; ")): \(error.reason)")
        }
    }

    /// Kills whatever the session started and reaps the intermediate.
    func abort() {
        if let pid = containerPid {
            // The container process is our child (CLONE_PARENT): reap it too.
            kill(pid, SIGKILL)
            _ = try? waitForExit(pid)
        }
        kill(intermediatePid, SIGKILL)
        _ = try? waitForExit(intermediatePid)
        channel.close()
    }
}
