#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// Writes container output in the CRI log format the kubelet and
/// `kubectl logs` read: one record per line,
/// `2026-01-02T15:04:05.000000000Z stdout F text`, where `P` marks a partial
/// line (split because it exceeded ``maxLineSize``) and `F` a full one.
public struct CRILogWriter {
    public enum Stream: String, Sendable {
        case stdout, stderr
    }

    /// Lines longer than this are split into partial records, as containerd does.
    public static let maxLineSize = 16 * 1024

    let fd: Int32
    var pending: [Stream: [UInt8]] = [:]
    let now: () -> timespec

    /// Appends to the file at `path` (created 0640).
    public init(path: String) throws {
        let fd = try sys("open", path) { open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640) }
        self.init(fd: fd)
    }

    /// Writes to `fd`; `now` is the clock (injected by tests).
    init(fd: Int32, now: @escaping () -> timespec = CRILogWriter.realtime) {
        self.fd = fd
        self.now = now
    }

    static func realtime() -> timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return ts
    }

    /// Adds output read from `stream`; complete lines are written at once.
    public mutating func append(_ bytes: ArraySlice<UInt8>, from stream: Stream) {
        var buffer = pending[stream] ?? []
        buffer.append(contentsOf: bytes)
        var start = 0
        var out: [UInt8] = []
        let stamp = CRILogWriter.timestamp(now())
        while let newline = buffer[start...].firstIndex(of: 10) {
            out += record(stamp, stream, "F", buffer[start..<newline])
            start = newline + 1
        }
        while buffer.count - start >= CRILogWriter.maxLineSize {
            out += record(stamp, stream, "P", buffer[start..<(start + CRILogWriter.maxLineSize)])
            start += CRILogWriter.maxLineSize
        }
        pending[stream] = Array(buffer[start...])
        if !out.isEmpty { try? FileIO.writeAll(fd: fd, out, context: "container log") }
    }

    /// Writes whatever is left of unterminated lines (at end of stream).
    public mutating func flush() {
        let stamp = CRILogWriter.timestamp(now())
        var out: [UInt8] = []
        for stream in [Stream.stdout, .stderr] {
            if let rest = pending[stream], !rest.isEmpty {
                out += record(stamp, stream, "F", rest[...])
            }
            pending[stream] = []
        }
        if !out.isEmpty { try? FileIO.writeAll(fd: fd, out, context: "container log") }
    }

    public func close() { _ = Glibc.close(fd) }

    func record(_ stamp: [UInt8], _ stream: Stream, _ tag: String, _ text: ArraySlice<UInt8>) -> [UInt8] {
        stamp + Array(" \(stream.rawValue) \(tag) ".utf8) + text + [10]
    }

    /// RFC 3339 with nanoseconds, UTC: `2026-01-02T15:04:05.000000000Z`.
    static func timestamp(_ ts: timespec) -> [UInt8] {
        var seconds = ts.tv_sec
        var t = tm()
        gmtime_r(&seconds, &t)
        func pad(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        let text = "\(pad(Int(t.tm_year) + 1900, 4))-\(pad(Int(t.tm_mon) + 1, 2))-\(pad(Int(t.tm_mday), 2))T"
            + "\(pad(Int(t.tm_hour), 2)):\(pad(Int(t.tm_min), 2)):\(pad(Int(t.tm_sec), 2)).\(pad(ts.tv_nsec, 9))Z"
        return Array(text.utf8)
    }
}
