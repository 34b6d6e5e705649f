#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import CRuntimeShims
import Netlink
import LinuxSystem

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
///
/// On the wire a message is a tag byte and its payload: the configuration
/// as JSON, a pid as four little-endian bytes, text as UTF-8 (`failed`: the
/// stage's length first). Every container exchanges half a dozen of these
/// between three processes, so they do without an encoder.
enum InitMessage: Equatable {
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

    var bytes: [UInt8] {
        get throws {
            switch self {
            case .bootstrap(let config): return [0] + Array(try JSONEncoder().encode(config))
            case .requestIDMaps: return [1]
            case .idMapsWritten: return [2]
            case .forked(let pid): return [3] + pid.littleEndianBytes
            case .proceed: return [4]
            case .mountsReady: return [5]
            case .hooksDone(let state): return [6] + Array(state.utf8)
            case .ready: return [7]
            case .execFailed(let message): return [8] + Array(message.utf8)
            case .failed(let stage, let message):
                return [9] + UInt32(stage.utf8.count).littleEndianBytes + Array(stage.utf8) + Array(message.utf8)
            }
        }
    }

    init(bytes: [UInt8]) throws {
        let payload = bytes.dropFirst()
        func text(_ slice: ArraySlice<UInt8>) -> String { String(decoding: slice, as: UTF8.self) }
        switch bytes.first {
        case 0: self = .bootstrap(try JSONDecoder().decode(InitConfig.self, from: Data(payload)))
        case 1: self = .requestIDMaps
        case 2: self = .idMapsWritten
        case 3 where payload.count == 4: self = .forked(pid: Int32(littleEndianBytes: payload, at: 0))
        case 4: self = .proceed
        case 5: self = .mountsReady
        case 6: self = .hooksDone(state: text(payload))
        case 7: self = .ready
        case 8: self = .execFailed(message: text(payload))
        case 9 where payload.count >= 4 && Int(UInt32(littleEndianBytes: payload, at: 0)) <= payload.count - 4:
            let stageEnd = payload.startIndex + 4 + Int(UInt32(littleEndianBytes: payload, at: 0))
            self = .failed(stage: text(payload[(payload.startIndex + 4)..<stageEnd]), message: text(payload[stageEnd...]))
        default:
            throw RuntimeError.other("init channel: malformed message (tag \(bytes.first.map(String.init) ?? "none"), \(bytes.count) bytes)")
        }
    }
}

/// A length-prefixed message stream over one end of a socketpair: the
/// init protocol's transport, also used (with JSON frames) between the
/// runtime and a monitor.
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
        try send(frame: try message.bytes)
    }

    func receive() throws -> InitMessage {
        try InitMessage(bytes: try receiveFrame())
    }

    /// Sends any value as one frame of JSON.
    func send<T: Encodable>(value: T) throws {
        try send(frame: Array(try JSONEncoder().encode(value)))
    }

    /// Receives one frame of JSON as a `T`.
    func receive<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(try receiveFrame()))
    }

    private func send(frame body: [UInt8]) throws {
        let header = UInt32(body.count).littleEndianBytes
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

    private func receiveFrame() throws -> [UInt8] {
        let n = Int(UInt32(littleEndianBytes: try readExactly(4)[...], at: 0))
        guard n < 64 << 20 else { throw RuntimeError.other("init channel: message of \(n) bytes is too large") }
        return try readExactly(n)
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
