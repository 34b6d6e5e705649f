#if canImport(Glibc)
import Glibc
#endif
import Runtime
import Streaming
import LinuxSystem

/// The descriptors of one exec: pipes for the streams the client asked for
/// (/dev/null for the rest), or a console socket on which the container
/// sends back the master of the pty it opened in its own devpts.
struct ExecIO: Sendable {
    /// What the process gets as fds 0, 1, 2 (nil with a terminal).
    let childStdio: (Int32, Int32, Int32)?
    /// The runtime's end of the console socket (terminal only).
    let consoleSocket: Int32?
    /// Our ends.
    let stdinWrite: Int32?
    let stdoutRead: Int32?
    let stderrRead: Int32?
    let consoleOurs: Int32?
    private let childEnds: [Int32]

    init(options: RemoteCommandOptions) throws {
        var ours: [Int32] = []
        var theirs: [Int32] = []
        func pipe() throws -> (read: Int32, write: Int32) { try Descriptors.pipe("exec stdio") }
        do {
            if options.tty {
                var fds: [Int32] = [0, 0]
                try sys("socketpair", "exec console") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
                consoleOurs = fds[0]
                consoleSocket = fds[1]
                ours.append(fds[0])
                theirs.append(fds[1])
                childStdio = nil
                stdinWrite = nil
                stdoutRead = nil
                stderrRead = nil
            } else {
                let null = try sys("open", "/dev/null") { open("/dev/null", O_RDWR | O_CLOEXEC) }
                theirs.append(null)
                var stdio = (null, null, null)
                var input: Int32?, output: Int32?, error: Int32?
                if options.stdin {
                    let p = try pipe()
                    input = p.write
                    ours.append(p.write)
                    theirs.append(p.read)
                    stdio.0 = p.read
                }
                if options.stdout {
                    let p = try pipe()
                    output = p.read
                    ours.append(p.read)
                    theirs.append(p.write)
                    stdio.1 = p.write
                }
                if options.stderr {
                    let p = try pipe()
                    error = p.read
                    ours.append(p.read)
                    theirs.append(p.write)
                    stdio.2 = p.write
                }
                childStdio = stdio
                stdinWrite = input
                stdoutRead = output
                stderrRead = error
                consoleOurs = nil
                consoleSocket = nil
            }
        } catch {
            for fd in ours + theirs { close(fd) }
            throw error
        }
        childEnds = theirs
        allEnds = ours + theirs
    }

    private let allEnds: [Int32]

    /// After the process started: only it holds these now.
    func closeChildEnds() {
        for fd in childEnds { close(fd) }
    }

    /// When the process never started.
    func closeAll() {
        for fd in allEnds { close(fd) }
    }

    /// The pty master the container sent (terminal only); the console
    /// socket is closed either way.
    func receiveMaster() throws -> Int32? {
        guard let consoleOurs else { return nil }
        defer { close(consoleOurs) }
        return try Descriptors.receive(from: consoleOurs, "exec console")
    }
}
