import Logging
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Writes log lines to runc's `--log` file (or stderr), as text or as the
/// JSON lines containerd parses: `{"level":"error","msg":"…","time":"…"}`.
struct FileLogHandler: LogHandler {
    let label: String
    let path: String?
    let json: Bool
    var logLevel: Logger.Level = .warning
    var metadata: Logger.Metadata = [:]

    init(label: String, path: String?, json: Bool) {
        self.label = label
        self.path = path
        self.json = json
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let time = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        let line: String
        if json {
            let object = ["level": "\(event.level)" == "warning" ? "warning" : "\(event.level)", "msg": "\(event.message)", "time": time]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            line = ((try? encoder.encode(object)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
        } else {
            line = "time=\"\(time)\" level=\(event.level) msg=\"\(event.message)\"\n"
        }
        if let path {
            let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            if fd >= 0 {
                let bytes = Array(line.utf8)
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
                return
            }
        }
        FileLogHandler.writeStderr(line)
    }

    static func writeStderr(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    }
}
