#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
public import LinuxSystem

/// Runs a container process in the foreground of the calling terminal, as
/// `runc run` and `runc exec` do: signals sent to us go to the process, a
/// terminal is proxied (with window resizes), and its exit status is ours.
///
/// Create it before starting the process: it blocks signals into a
/// signalfd (so none is missed) and makes the caller a child subreaper, so
/// processes a container without its own pid namespace leaves behind are
/// reaped too.
public final class ForegroundProcess {
    let signalFD: Int32
    var savedMask = sigset_t()
    var savedTerminal: termios?

    public init() throws {
        var all = sigset_t()
        sigfillset(&all)
        sigprocmask(SIG_BLOCK, &all, &savedMask)
        // Non-blocking: in a threaded program another thread (one waiting in
        // sigsuspend) can take a signal between our poll and read.
        signalFD = try sys("signalfd") { signalfd(-1, &all, Int32(SFD_CLOEXEC) | Int32(SFD_NONBLOCK)) }
        try sys("prctl(PR_SET_CHILD_SUBREAPER)") { swr_prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) }
    }

    deinit {
        restoreTerminal()
        close(signalFD)
        sigprocmask(SIG_SETMASK, &savedMask, nil)
    }

    /// A socket pair for `ConsoleTarget.socketFD`: pass the first to the
    /// runtime, then call ``receiveConsole(_:)`` with the second.
    public func consoleSocketPair() throws -> (runtimeEnd: Int32, ourEnd: Int32) {
        try UnixSocket.pair()
    }

    /// Receives the pty master the container sent, and puts our terminal in raw mode.
    public func receiveConsole(_ socket: Int32) throws -> Int32 {
        let master = try sys("recvmsg(SCM_RIGHTS)", "console") { swr_recv_fd(socket, nil, 0, nil) }
        if isatty(0) != 0 {
            var rows: UInt16 = 0, cols: UInt16 = 0
            if swr_tty_get_winsize(0, &rows, &cols) == 0 { _ = swr_tty_set_winsize(master, rows, cols) }
            var t = termios()
            if tcgetattr(0, &t) == 0 {
                savedTerminal = t
                cfmakeraw(&t)
                tcsetattr(0, TCSANOW, &t)
            }
        }
        return master
    }

    func restoreTerminal() {
        if var t = savedTerminal {
            tcsetattr(0, TCSANOW, &t)
            savedTerminal = nil
        }
    }

    /// Waits for `pid` to exit, forwarding signals to it and copying terminal
    /// I/O through `master` when given.
    public func wait(for pid: Int32, master: Int32? = nil) throws -> ExitStatus {
        var stdinOpen = master != nil
        var masterOpen = master != nil
        var result: ExitStatus?
        var buffer = [UInt8](repeating: 0, count: 32 * 1024)
        while result == nil || masterOpen {
            var fds = [pollfd(fd: signalFD, events: Int16(POLLIN), revents: 0)]
            if let master, masterOpen { fds.append(pollfd(fd: master, events: Int16(POLLIN), revents: 0)) }
            if let _ = master, stdinOpen { fds.append(pollfd(fd: 0, events: Int16(POLLIN), revents: 0)) }
            // A SIGCHLD can go to a thread of the process that does not block it
            // (threads made before ours blocked signals), so reap on a timer too.
            let timeout: Int32 = result == nil ? 200 : 100
            let n = poll(&fds, nfds_t(fds.count), timeout)
            if n < 0 && errno == EINTR { continue }
            if n == 0 {
                if result != nil { break }
                result = reap(pid)
                continue
            }
            for p in fds where p.revents != 0 {
                if p.fd == signalFD {
                    if let status = handleSignal(pid: pid, master: master) { result = status }
                } else if p.fd == master, let master {
                    let got = read(master, &buffer, buffer.count)
                    if got <= 0 { masterOpen = false } else { try? FileIO.writeAll(fd: 1, Array(buffer[0..<got])) }
                } else if p.fd == 0, let master {
                    let got = read(0, &buffer, buffer.count)
                    if got <= 0 { stdinOpen = false } else { try? FileIO.writeAll(fd: master, Array(buffer[0..<got])) }
                }
            }
        }
        restoreTerminal()
        return result ?? ExitStatus(code: 0)
    }

    /// Reaps every exited child (we are a subreaper); returns `pid`'s status if it was among them.
    func reap(_ pid: Int32) -> ExitStatus? {
        var exited: ExitStatus?
        while true {
            var status: Int32 = 0
            let reaped = waitpid(-1, &status, WNOHANG)
            if reaped <= 0 { break }
            if reaped == pid { exited = ExitStatus(waitStatus: status) }
        }
        return exited
    }

    /// Reads one signal; returns the exit status once `pid` has been reaped.
    func handleSignal(pid: Int32, master: Int32?) -> ExitStatus? {
        var info = signalfd_siginfo()
        let n = withUnsafeMutableBytes(of: &info) { read(signalFD, $0.baseAddress, $0.count) }
        guard n == MemoryLayout<signalfd_siginfo>.size else { return nil }
        let signal = Int32(info.ssi_signo)
        switch signal {
        case SIGCHLD:
            return reap(pid)
        case SIGWINCH:
            if let master {
                var rows: UInt16 = 0, cols: UInt16 = 0
                if swr_tty_get_winsize(0, &rows, &cols) == 0 { _ = swr_tty_set_winsize(master, rows, cols) }
            }
            return nil
        case SIGURG:
            return nil
        default:
            _ = Glibc.kill(pid, signal)
            return nil
        }
    }
}
