#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import CRuntimeShims

/// The messages the runtime and the container init exchange while a container
/// is created or a process is exec'd. The sequence, in order:
///
///     runtime → init      bootstrap(config)        (proceed instead when the init was
///                                                   forked with its config; it is in its cgroup)
///     init → runtime      requestIDMaps            (new user namespace only)
///     runtime → init      idMapsWritten
///     init → runtime      forked(pid)              (the intermediate then exits)
///     runtime → child     proceed                  (child is in its cgroup; pid known)
///     child → runtime     mountsReady              (create only, before pivot_root)
///     runtime → child     hooksDone(state)         (prestart/createRuntime ran)
///     child → runtime     ready                    (about to wait for start / exec)
///     child → runtime     execFailed(message)      (only if execve fails)
///
/// Either side may send `failed` instead of the expected message; the init
/// sends it before exiting, so the runtime always learns the stage and cause.
enum InitMessage: Codable, Equatable {
    case bootstrap(InitConfig)
    case requestIDMaps
    case idMapsWritten
    case forked(pid: Int32)
    case proceed
    case mountsReady
    case hooksDone(state: String)
    case ready
    case execFailed(message: String)
    case failed(stage: String, message: String)
}

/// A length-prefixed JSON message stream over one end of a socketpair: the
/// init protocol's transport, also used between the runtime and a monitor.
struct InitChannel {
    let fd: Int32

    /// Thrown when the peer closed the channel.
    struct Closed: Error {}

    /// Whether `error` means the other end is gone: closed, or closed
    /// with our message unread (reset), or before we wrote (broken pipe).
    static func isPeerGone(_ error: any Error) -> Bool {
        if error is Closed { return true }
        guard let error = error as? SystemError else { return false }
        return error.errno == ECONNRESET || error.errno == EPIPE
    }

    /// A connected pair: (runtime end, init end), both close-on-exec.
    static func pair() throws -> (InitChannel, InitChannel) {
        var fds: [Int32] = [0, 0]
        try sys("socketpair") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        return (InitChannel(fd: fds[0]), InitChannel(fd: fds[1]))
    }

    func send(_ message: InitMessage) throws {
        try send(value: message)
    }

    func receive() throws -> InitMessage {
        try receive(InitMessage.self)
    }

    /// Sends any value as one frame.
    func send<T: Encodable>(value: T) throws {
        let body = Array(try JSONEncoder().encode(value))
        let n = UInt32(body.count)
        let header: [UInt8] = [UInt8(n & 0xff), UInt8((n >> 8) & 0xff), UInt8((n >> 16) & 0xff), UInt8(n >> 24)]
        // send(2) with MSG_NOSIGNAL: a peer that is gone is an error to
        // report (EPIPE), not a SIGPIPE that kills the runtime.
        let frame = header + body
        var offset = 0
        while offset < frame.count {
            offset += try frame.withUnsafeBytes { buf in
                try sys("send", "init channel") { Glibc.send(fd, buf.baseAddress! + offset, buf.count - offset, Int32(MSG_NOSIGNAL)) }
            }
        }
    }

    /// Receives one frame as a `T`.
    func receive<T: Decodable>(_ type: T.Type) throws -> T {
        let header = try readExactly(4)
        let n = Int(header[0]) | Int(header[1]) << 8 | Int(header[2]) << 16 | Int(header[3]) << 24
        guard n < 64 << 20 else { throw RuntimeError.other("init channel: message of \(n) bytes is too large") }
        let body = try readExactly(n)
        return try JSONDecoder().decode(T.self, from: Data(body))
    }

    private func readExactly(_ count: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let got = try out.withUnsafeMutableBytes { buf in
                try sys("read", "init channel") { Glibc.read(fd, buf.baseAddress! + offset, count - offset) }
            }
            if got == 0 { throw Closed() }
            offset += got
        }
        return out
    }

    func close() { _ = Glibc.close(fd) }
}
