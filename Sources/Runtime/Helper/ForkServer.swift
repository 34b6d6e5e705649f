#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import Synchronization
import LinuxSystem

/// A resident helper that forks the runtime's short-lived helper processes
/// (container monitors, namespace pinners) instead of starting each anew.
///
/// A multi-threaded caller such as the kubelet cannot fork, so without a
/// server every container costs a fresh `execve` of the helper: loading and
/// relocating the binary, and the Swift runtime's first use of every type the
/// monitor encodes. The server is the helper executable started once as
/// `<exe> fork-server`; it warms those paths up, then forks a child per
/// request. Requests are one-datagram messages on a socketpair, each carrying
/// the descriptor the child will talk on, so a request and its conversation
/// never mix with another's.
///
/// The server reaps its children. It exits when its caller closes the socket
/// (the caller exited); the monitors it forked, each in its own session, are
/// reparented and live on, as monitors started directly do. If the server
/// dies, the next request starts another.
public final class ForkServer: Sendable {
    /// The helper executable (it must call ``ContainerInit/runIfRequested()``
    /// first in `main`, which also serves `fork-server`).
    public let executable: String
    private let connection = Mutex<Connection?>(nil)

    private struct Connection {
        var socket: Int32
        var pid: Int32
    }

    /// What a request asks the server to fork.
    enum Kind: UInt8 {
        /// A container monitor; the descriptor is its report channel.
        case monitor = 0x6d
        /// A namespace pinner; the payload has the clone flags (4 bytes, little
        /// endian) and the hostname; the descriptor is its report socket.
        case pinNamespaces = 0x70
    }

    static let socketVariable = "_SWIFTRUN_FORKSERVERFD"

    /// What to check when a server or its child vanishes without a word:
    /// a helper from another build does not speak this protocol.
    static let sameBuildHint = "the runtime helper must be this program or the swiftrun built with it (--runtime-helper)"

    public init(executable: String) {
        self.executable = executable
    }

    /// Closing the socket ends the server (its monitors live on); it is reaped here.
    deinit {
        connection.withLock { c in
            guard let c else { return }
            close(c.socket)
            _ = try? waitForExit(c.pid, timeout: 5)
        }
    }

    /// The server's pid, once started (for tests and diagnostics).
    public var pid: Int32? {
        connection.withLock { $0?.pid }
    }

    /// Asks the server to fork a child of `kind` that talks on `fd` (the
    /// server gets its own copy; the caller still owns `fd`).
    func request(_ kind: Kind, payload: [UInt8] = [], passing fd: Int32) throws {
        let message = [kind.rawValue] + payload
        try connection.withLock { (current: inout Connection?) throws in
            // A second try only after the server was found gone.
            for attempt in 0..<2 {
                let server = try current ?? start()
                current = server
                let rc = message.withUnsafeBytes { swr_send_fd(server.socket, fd, $0.baseAddress, $0.count) }
                if rc == 0 { return }
                let code = errno
                current = nil
                stop(server)
                let gone = code == EPIPE || code == ECONNRESET || code == ENOTCONN
                if gone && attempt == 1 {
                    throw RuntimeError.other("\(executable) fork-server exited at once, twice: \(ForkServer.sameBuildHint)")
                }
                if !gone { throw SystemError(call: "sendmsg", errno: code, context: "fork server \(executable)") }
            }
        }
    }

    /// Starts the server: it gets its end of a datagram socketpair at fd 3
    /// and its own session, so a terminal's signals never reach it or the
    /// monitors it forks.
    private func start() throws -> Connection {
        var fds: [Int32] = [0, 0]
        try sys("socketpair", "fork server") { socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        defer { close(fds[1]) }
        do {
            let pid = try Spawn.start(Spawn.Request(
                path: executable, args: [CommandLine.arguments.first ?? "swiftrun", "fork-server"],
                // LD_BIND_NOW: symbols are bound once here, not in every child.
                env: ["\(ForkServer.socketVariable)=3", "LD_BIND_NOW=1"], fds: [(fds[1], 3)], newSession: true))
            return Connection(socket: fds[0], pid: pid)
        } catch {
            close(fds[0])
            throw error
        }
    }

    /// Closes the connection to a server that failed, ends it and reaps it.
    private func stop(_ server: Connection) {
        close(server.socket)
        kill(server.pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(server.pid, &status, 0) < 0 && errno == EINTR {}
    }
}
