#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import LinuxSystem

/// The container's terminal: a pty opened from the container's own devpts,
/// its master sent to whoever listens on the console socket (containerd, or
/// `swiftrun run` itself), its slave made the process's stdio and controlling
/// terminal.
enum Console {
    static func setUp(_ config: InitConfig) throws {
        guard let socket = config.consoleSocketFD else {
            throw RuntimeError.invalidConfig(field: "process.terminal", reason: "a terminal was requested but no --console-socket was given")
        }
        var master: Int32 = -1
        var slave: Int32 = -1
        try sys("open pty", "/dev/ptmx") { swr_openpty_at("/dev/ptmx", &master, &slave) }
        if let size = config.process.consoleSize {
            try sys("ioctl(TIOCSWINSZ)") { swr_tty_set_winsize(master, size.height, size.width) }
        }
        let name = (try? LinuxMountSyscalls().readLink("/proc/self/fd/\(slave)")) ?? "/dev/pts/?"
        let payload = Array(name.utf8)
        _ = try payload.withUnsafeBytes { buf in
            try sys("sendmsg(SCM_RIGHTS)", "console socket") { swr_send_fd(socket, master, buf.baseAddress, buf.count) }
        }
        close(master)
        close(socket)
        for target: Int32 in 0...2 {
            try sys("dup2", "pty slave to fd \(target)") { dup2(slave, target) }
        }
        if slave > 2 { close(slave) }
        try sys("ioctl(TIOCSCTTY)") { swr_tty_set_controlling(0) }
    }
}
