#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import Netlink
import LinuxSystem

extension ForkServer {
    /// Serves requests when this process was started as `<exe> fork-server`
    /// (by ``ContainerInit/runIfRequested()``); returns otherwise.
    static func runIfRequested() {
        let args = CommandLine.arguments
        guard args.count >= 2, args[1] == "fork-server", let value = getenv(socketVariable),
              let fd = Int32(String(cString: value)) else { return }
        unsetenv(socketVariable)
        // Bound already; the containers' processes must not inherit it.
        unsetenv("LD_BIND_NOW")
        serve(socket: fd)
    }

    /// The server loop: one child per request, children reaped on SIGCHLD,
    /// exit when the caller closes its end.
    static func serve(socket: Int32) -> Never {
        RuntimeWarmUp.run()
        var childSignal = sigset_t()
        sigemptyset(&childSignal)
        sigaddset(&childSignal, SIGCHLD)
        sigprocmask(SIG_BLOCK, &childSignal, nil)
        let signals = signalfd(-1, &childSignal, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
        guard signals >= 0 else { _exit(1) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            var fds = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0), pollfd(fd: signals, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                _exit(1)
            }
            if fds[1].revents != 0 {
                var info = signalfd_siginfo()
                while withUnsafeMutableBytes(of: &info, { read(signals, $0.baseAddress, $0.count) }) > 0 {}
                reapChildren()
            }
            guard fds[0].revents != 0 else { continue }
            var got = 0
            let fd = buffer.withUnsafeMutableBytes { swr_recv_fd(socket, $0.baseAddress, $0.count, &got) }
            if fd < 0 {
                // A message without a descriptor is ignored; anything else
                // (end of file above all) means the caller is gone.
                if errno == EINTR || errno == EAGAIN || errno == EBADMSG { continue }
                reapChildren()
                _exit(0)
            }
            if got >= 1, let kind = Kind(rawValue: buffer[0]) {
                let payload = Array(buffer[1..<got])
                // The child starts with the request's descriptor at 3 and no
                // other beyond stdio, signals unblocked and at their defaults.
                _ = try? Spawn.fork(fds: [(fd, 3)]) { becomeHelper(kind, payload: payload, fd: 3) }
            }
            // The child has its copy; if the fork failed, closing ours tells
            // the caller (its read sees the end of the channel).
            close(fd)
        }
    }

    private static func reapChildren() {
        var status: Int32 = 0
        while waitpid(-1, &status, WNOHANG) > 0 {}
    }

    /// In the child: a session of its own, then the helper asked for.
    private static func becomeHelper(_ kind: Kind, payload: [UInt8], fd: Int32) -> Never {
        setsid()
        switch kind {
        case .monitor:
            retitle("monitor")
            ContainerMonitor.run(reportFD: fd, detach: false)
        case .pinNamespaces:
            retitle("pin-ns")
            guard payload.count >= 4 else { _exit(1) }
            let flags = Int32(littleEndianBytes: payload[...], at: 0)
            PinnedNamespaces.host(flags: flags, hostname: String(decoding: payload[4...], as: UTF8.self), reportFD: fd)
        }
    }

    /// Shows the child as `<exe> <mode>` in ps and /proc/PID/cmdline, as if
    /// it had been started that way, by overwriting `fork-server` in place.
    private static func retitle(_ mode: String) {
        guard CommandLine.argc >= 2, let argument = CommandLine.unsafeArgv[1] else { return }
        let length = strlen(argument)
        let bytes = Array(mode.utf8.prefix(length))
        for i in 0..<length { argument[i] = i < bytes.count ? CChar(bitPattern: bytes[i]) : 0 }
    }
}
