#if canImport(Glibc)
import Glibc
#endif
import Runtime
import LinuxSystem

/// Renders a CRI log file and, when following, what is appended to it
/// until `isRunning` turns false, the task is cancelled, or `limitBytes` is
/// reached. Shared by the kubelet API's `/containerLogs` and `nodectl logs`.
public enum LogFollower {
    /// Writes the rendered log to `write`. Only complete records are
    /// rendered; a half-written line is read again on the next poll.
    public static func stream(path: String, options: CRILogReader.Options, follow: Bool,
                              isRunning: @Sendable () -> Bool,
                              write: ([UInt8]) async throws -> Void) async throws {
        let reader = CRILogReader()
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        var offset: off_t = 0
        var text = ""
        if fd >= 0 {
            let bytes = (try? FileIO.readAll(fd: fd)) ?? []
            if let lastNewline = bytes.lastIndex(of: 10) {
                text = String(decoding: bytes[...lastNewline], as: UTF8.self)
                offset = off_t(lastNewline + 1)
            }
        }
        defer { if fd >= 0 { close(fd) } }
        var written = 0
        let initial = reader.render(text, options)
        if !initial.isEmpty {
            try await write(Array(initial.utf8))
            written += initial.utf8.count
        }
        guard follow else { return }
        var following = options
        following.tailLines = nil
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var descriptor = fd
        defer { if descriptor >= 0 && descriptor != fd { close(descriptor) } }
        while !Task.isCancelled {
            if descriptor < 0 { descriptor = open(path, O_RDONLY | O_CLOEXEC) }
            if descriptor >= 0 {
                let got = pread(descriptor, &buffer, buffer.count, offset)
                if got > 0 {
                    offset += off_t(got)
                    pending += buffer[0..<got]
                    if let last = pending.lastIndex(of: 10) {
                        var chunk = reader.render(String(decoding: pending[...last], as: UTF8.self), following)
                        pending.removeSubrange(...last)
                        if let limit = options.limitBytes {
                            chunk = String(decoding: Array(chunk.utf8).prefix(max(0, limit - written)), as: UTF8.self)
                        }
                        if !chunk.isEmpty {
                            try await write(Array(chunk.utf8))
                            written += chunk.utf8.count
                        }
                        if let limit = options.limitBytes, written >= limit { return }
                    }
                    continue
                }
            }
            if !isRunning() { return }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
