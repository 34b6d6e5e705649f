#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import FoundationEssentials
import LinuxSystem

/// The per-container monitor: a small process, detached from whoever asked
/// for the container, that creates it as its child subreaper, holds its
/// stdout and stderr and writes them to a CRI log file, reaps it and records
/// its exit in `exit.json`. Containers started this way keep running, and no
/// exit status is lost, when the kubelet (or anything else) that started
/// them dies or restarts.
///
/// It is the runtime's executable re-run as `<exe> monitor`, like the init.
enum ContainerMonitor {
    static let channelVariable = "_SWIFTRUN_MONITORFD"

    /// What the caller asks the monitor to do.
    struct Request: Codable {
        var root: String
        var id: String
        var bundle: String
        var logPath: String
        var pidFile: String?
        var noPivot: Bool
        var noNewKeyring: Bool
        /// A FIFO made here and held open read-write as the container's
        /// stdin, so an attach can write to it and the container never
        /// sees EOF (Kubernetes' `stdin: true`); nil: /dev/null.
        var stdinFIFO: String?
        /// The container's stdio is a pseudo-terminal (nil: pipes).
        var terminal: Bool?
        /// The cgroup layout the caller found, so the monitor need not read
        /// mountinfo again (nil: it reads it).
        var cgroupHost: CgroupHost?
    }

    /// The monitor's answer once the container is created (or not).
    enum Reply: Codable {
        case created(OCIState)
        case failed(RuntimeError)
    }

    static func runIfRequested() {
        let args = CommandLine.arguments
        guard args.count >= 2, args[1] == "monitor", let value = getenv(channelVariable),
              let fd = Int32(String(cString: value)) else { return }
        unsetenv(channelVariable)
        run(reportFD: fd)
    }

    /// Runs the monitor. Started by its caller (`detach`), it first forks
    /// and lets the caller reap the first process at once, so the monitor
    /// lives on as nobody's child; forked by a ``ForkServer`` it is already
    /// in its own session, and the server reaps it.
    static func run(reportFD: Int32, detach: Bool = true) -> Never {
        if detach {
            let child = fork()
            if child != 0 { _exit(child > 0 ? 0 : 1) }
        }

        let channel = InitChannel(fd: reportFD)
        let request: Request
        do {
            request = try channel.receive(Request.self)
        } catch {
            _exit(1)
        }
        var all = sigset_t()
        sigfillset(&all)
        sigprocmask(SIG_BLOCK, &all, nil)
        let signals = signalfd(-1, &all, Int32(SFD_CLOEXEC))
        _ = swr_prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)

        // The container's stdio: /dev/null (or the stdin FIFO) in, pipes out.
        var outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard signals >= 0, null >= 0, swr_pipe_cloexec(&outPipe) == 0, swr_pipe_cloexec(&errPipe) == 0 else {
            reply(reportFD, .failed(.system(SystemError(call: "monitor setup", errno: errno))))
            _exit(1)
        }
        var input: Int32 = -1
        if let fifo = request.stdinFIFO {
            unlink(fifo)
            input = mkfifo(fifo, 0o600) == 0 ? open(fifo, O_RDWR | O_CLOEXEC) : -1
            guard input >= 0 else {
                reply(reportFD, .failed(.system(SystemError(call: "mkfifo", errno: errno, context: fifo))))
                _exit(1)
            }
        }
        var terminal: Int32 = -1
        if request.terminal == true {
            guard let (primary, replica) = openTerminal() else {
                reply(reportFD, .failed(.system(SystemError(call: "posix_openpt", errno: errno))))
                _exit(1)
            }
            terminal = primary
            for fd: Int32 in 0...2 { dup2(replica, fd) }
            close(replica)
        } else {
            if input >= 0 {
                dup2(input, 0)
                close(input)
                input = -1
            } else {
                dup2(null, 0)
            }
            dup2(outPipe[1], 1)
            dup2(errPipe[1], 2)
        }

        if let host = request.cgroupHost { CgroupHost.remember(host) }
        let runtime = ContainerRuntime(root: request.root)
        let state: OCIState
        do {
            let options = CreateOptions(pidFile: request.pidFile, noPivot: request.noPivot, noNewKeyring: request.noNewKeyring)
            state = try runtime.create(id: request.id, bundle: request.bundle, options: options,
                                       monitor: MonitorRecord(logPath: request.logPath, pid: getpid()))
        } catch {
            reply(reportFD, .failed(RuntimeError.wrap(error)))
            _exit(1)
        }
        // Only the container holds the write ends (and the terminal's replica) now.
        if terminal >= 0 { dup2(null, 0) }
        dup2(null, 1)
        dup2(null, 2)
        close(outPipe[1])
        close(errPipe[1])
        if terminal >= 0 {
            close(outPipe[0])
            close(errPipe[0])
        }
        guard var log = try? CRILogWriter(path: request.logPath) else {
            reply(reportFD, .failed(.other("cannot open log file \(request.logPath)")))
            try? runtime.delete(id: request.id, force: true)
            _exit(1)
        }
        reply(reportFD, .created(state))
        close(reportFD)

        let outputs: [Int32: CRILogWriter.Stream] = terminal >= 0 ? [terminal: .stdout] : [outPipe[0]: .stdout, errPipe[0]: .stderr]
        let typed = terminal >= 0 && input >= 0 ? (from: input, to: terminal) : nil
        let status = pump(init: state.pid, signals: signals, outputs: outputs, input: typed, log: &log)
        log.flush()
        log.close()
        let oom = (try? runtime.record(id: request.id)).map { runtime.cgroups(of: $0).oomKillCount() > 0 } ?? false
        let exit = ContainerExit(exitCode: status.shellCode, signal: status.signal, finishedAt: String(decoding: CRILogWriter.timestamp(CRILogWriter.realtime()), as: UTF8.self),
                                 oomKilled: oom && status.signal == SIGKILL)
        if let bytes = try? JSONEncoder().encode(exit) {
            try? FileIO.writeAtomically(runtime.store.exitFile(request.id), Array(bytes), mode: 0o644)
        }
        _exit(0)
    }

    /// A pseudo-terminal: its primary side (kept by the monitor) and its
    /// replica (the container's stdio), nil when the system refuses one.
    static func openTerminal() -> (primary: Int32, replica: Int32)? {
        var primary: Int32 = -1, replica: Int32 = -1
        guard swr_openpty_at("/dev/ptmx", &primary, &replica) == 0 else { return nil }
        return (primary, replica)
    }

    /// Copies output to the log until the init is reaped and the outputs are
    /// drained (or 2 s after the exit, if leftover processes hold them open),
    /// and what arrives on `input.from` to `input.to` (a terminal's stdin).
    static func pump(init pid: Int32, signals: Int32, outputs: [Int32: CRILogWriter.Stream], input: (from: Int32, to: Int32)?,
                     log: inout CRILogWriter) -> ExitStatus {
        var status: ExitStatus?
        var open = outputs
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var drainDeadline: Double?
        while status == nil || !open.isEmpty {
            var fds = [pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
            fds += open.keys.sorted().map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if let input, status == nil { fds.append(pollfd(fd: input.from, events: Int16(POLLIN), revents: 0)) }
            let timeout: Int32 = status == nil ? -1 : 100
            if poll(&fds, nfds_t(fds.count), timeout) < 0 && errno != EINTR { break }
            for p in fds where p.revents != 0 {
                if p.fd == signals {
                    var info = signalfd_siginfo()
                    _ = withUnsafeMutableBytes(of: &info) { read(signals, $0.baseAddress, $0.count) }
                    guard info.ssi_signo == UInt32(SIGCHLD) else { continue }
                    while true {
                        var raw: Int32 = 0
                        let reaped = waitpid(-1, &raw, WNOHANG)
                        if reaped <= 0 { break }
                        if reaped == pid {
                            status = ExitStatus(waitStatus: raw)
                            drainDeadline = Monotonic.now() + 2
                        }
                    }
                } else if let input, p.fd == input.from {
                    let n = read(p.fd, &buffer, buffer.count)
                    var done = 0
                    while n > 0, done < n {
                        let w = buffer.withUnsafeBytes { write(input.to, $0.baseAddress.map { $0 + done }, n - done) }
                        if w > 0 { done += w } else if errno != EINTR { break }
                    }
                } else if let stream = open[p.fd] {
                    let n = read(p.fd, &buffer, buffer.count)
                    if n > 0 {
                        log.append(buffer[0..<n], from: stream)
                    } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                        close(p.fd)
                        open[p.fd] = nil
                    }
                }
            }
            if let deadline = drainDeadline, Monotonic.now() > deadline { break }
        }
        return status ?? ExitStatus(code: 255)
    }

    static func reply(_ fd: Int32, _ reply: Reply) {
        try? InitChannel(fd: fd).send(value: reply)
    }
}
