#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims

/// Starting processes with posix_spawn(3), which is safe from threaded
/// callers such as the kubelet (glibc uses CLONE_VFORK and no allocations in
/// the child).
public enum Spawn {
    /// A process to start.
    public struct Request {
        public var path: String
        public var args: [String]
        public var env: [String]
        /// Descriptors to place in the child: `source` is duplicated onto `target`.
        /// Sources may be any descriptors, targets any numbers; collisions are handled.
        public var fds: [(source: Int32, target: Int32)]
        /// Start a new session (detach from the caller's terminal).
        public var newSession: Bool

        public init(path: String, args: [String], env: [String], fds: [(source: Int32, target: Int32)] = [], newSession: Bool = false) {
            self.path = path
            self.args = args
            self.env = env
            self.fds = fds
            self.newSession = newSession
        }
    }

    /// Starts `request` and returns its pid. The child starts with all signals
    /// unblocked and at their default disposition.
    public static func start(_ request: Request) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }

        // Move every source above every target first, so no dup2 overwrites
        // a source that a later dup2 still needs.
        let floor = (request.fds.map(\.target).max() ?? 2) + 1
        var temporaries: [Int32] = []
        defer { temporaries.forEach { close($0) } }
        for (source, target) in request.fds {
            let high = fcntl(source, F_DUPFD_CLOEXEC, floor)
            guard high >= 0 else { throw SystemError(call: "fcntl(F_DUPFD_CLOEXEC)", errno: errno, context: "fd \(source)") }
            temporaries.append(high)
            posix_spawn_file_actions_adddup2(&actions, high, target)
        }
        // Nothing else crosses over: many libraries (SwiftNIO among them)
        // open sockets without O_CLOEXEC, and a child holding a listening
        // socket keeps its port busy after the parent exits.
        let closeRC = swr_spawn_closefrom(&actions, floor)
        guard closeRC == 0 else { throw SystemError(call: "posix_spawn_file_actions_addclosefrom_np", errno: closeRC, context: request.path) }

        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if request.newSession { flags |= 0x80 } // POSIX_SPAWN_SETSID
        posix_spawnattr_setflags(&attr, Int16(flags))
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attr, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attr, &all)

        var pid: pid_t = 0
        let rc = withCStrings(request.args) { argv in
            withCStrings(request.env) { envp in
                posix_spawn(&pid, request.path, &actions, &attr, argv, envp)
            }
        }
        guard rc == 0 else { throw SystemError(call: "posix_spawn", errno: rc, context: request.path) }
        return pid
    }
}

extension Spawn {
    /// Whether the calling process has a single thread, so fork(2) is safe.
    public static var isSingleThreaded: Bool {
        ((try? FileIO.listDirectory("/proc/self/task").count) ?? 0) == 1
    }

    /// Forks and runs `child` in the new process with `fds` placed like
    /// ``start(_:)`` places them (everything else above them closed, signals
    /// unblocked and default). Only for single-threaded callers: it saves the
    /// exec and start-up of a new image, the largest part of a short
    /// container's life.
    public static func fork(fds: [(source: Int32, target: Int32)], _ child: () -> Never) throws -> Int32 {
        precondition(isSingleThreaded, "Spawn.fork needs a single-threaded process")
        // Worked out before the fork, with plain loops after it: generic
        // code a parent never ran would be set up again in every child.
        var floor: Int32 = 3
        for fd in fds where fd.target >= floor { floor = fd.target + 1 }
        var high = [Int32](repeating: -1, count: fds.count)
        let pid = Glibc.fork()
        guard pid >= 0 else { throw SystemError(call: "fork", errno: errno) }
        if pid > 0 { return pid }
        for i in 0..<fds.count {
            high[i] = fcntl(fds[i].source, F_DUPFD_CLOEXEC, floor + 64)
            if high[i] < 0 { _exit(126) }
        }
        for i in 0..<fds.count where dup2(high[i], fds[i].target) < 0 { _exit(126) }
        _ = swr_close_range(UInt32(floor), UInt32.max, 0)
        var empty = sigset_t()
        sigemptyset(&empty)
        sigprocmask(SIG_SETMASK, &empty, nil)
        for signal in 1..<swr_sigrtmax() where signal != SIGKILL && signal != SIGSTOP {
            Glibc.signal(signal, SIG_DFL)
        }
        child()
    }
}

/// Calls `body` with a NULL-terminated C array of C strings.
public func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) throws -> R) rethrows -> R {
    let pointers = strings.map { strdup($0) }
    defer { pointers.forEach { free($0) } }
    return try body(pointers + [nil])
}

/// How a process ended.
public struct ExitStatus: Codable, Sendable, Equatable {
    /// The exit code, when it exited.
    public var code: Int32?
    /// The signal that killed it, when it was killed.
    public var signal: Int32?

    public init(code: Int32? = nil, signal: Int32? = nil) {
        self.code = code
        self.signal = signal
    }

    /// Decodes a waitpid(2) status.
    public init(waitStatus status: Int32) {
        let sig = status & 0x7f
        if sig == 0 {
            self.init(code: (status >> 8) & 0xff)
        } else {
            self.init(signal: sig)
        }
    }

    /// The status as a shell reports it: the code, or 128 + signal.
    public var shellCode: Int32 { code ?? (128 + (signal ?? 0)) }
}

/// Waits for a child; after `seconds` it is killed with SIGKILL and nil is returned.
public func waitForExit(_ pid: Int32, timeout seconds: Double) throws -> ExitStatus? {
    let deadline = Monotonic.now() + seconds
    var delay: UInt32 = 200
    while true {
        var status: Int32 = 0
        let rc = waitpid(pid, &status, WNOHANG)
        if rc == pid { return ExitStatus(waitStatus: status) }
        if rc < 0 && errno != EINTR { throw SystemError(call: "waitpid", errno: errno, context: "pid \(pid)") }
        if Monotonic.now() >= deadline {
            kill(pid, SIGKILL)
            _ = try? waitForExit(pid)
            return nil
        }
        usleep(delay)
        delay = min(delay * 2, 20_000)
    }
}

/// waitpid(2) for one process, retrying EINTR.
public func waitForExit(_ pid: Int32) throws -> ExitStatus {
    var status: Int32 = 0
    try sys("waitpid", "pid \(pid)") { waitpid(pid, &status, 0) }
    return ExitStatus(waitStatus: status)
}
