#if canImport(Glibc)
import Glibc
#endif

/// Facts about a process read from /proc.
public enum ProcFS {
    /// The start time of `pid` (clock ticks after boot), or nil if it does not exist.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let fields = statFields(pid), fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// The state letter of `pid` (R, S, Z, …).
    public static func state(of pid: Int32) -> Character? {
        statFields(pid)?.first?.first
    }

    /// /proc/PID/stat fields after the command name (field 3 onward).
    static func statFields(_ pid: Int32) -> [Substring]? {
        guard pid > 0, let text = try? FileIO.read("/proc/\(pid)/stat"),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    /// The effective capability set of `pid` (`self` when nil), as the bit
    /// mask /proc/PID/status shows in `CapEff` (bit N is capability N).
    public static func effectiveCapabilities(of pid: Int32? = nil) -> UInt64? {
        (try? FileIO.read("/proc/\(pid.map(String.init) ?? "self")/status")).flatMap(effectiveCapabilities(status:))
    }

    /// The `CapEff` mask in the text of a /proc/PID/status file.
    public static func effectiveCapabilities(status: String) -> UInt64? {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            return UInt64(String(line.dropFirst("CapEff:".count)).trimmingWhitespace(), radix: 16)
        }
        return nil
    }

    /// The oom_score_adj of `pid` (`self` when nil).
    public static func oomScoreAdj(of pid: Int32? = nil) -> Int? {
        (try? FileIO.readTrimmed("/proc/\(pid.map(String.init) ?? "self")/oom_score_adj")).flatMap { Int($0) }
    }

    /// Whether `pid` is alive, started at `startTime`, and not a zombie.
    public static func isAlive(_ pid: Int32, startTime: UInt64) -> Bool {
        guard let fields = statFields(pid), fields.count > 19 else { return false }
        return fields[0] != "Z" && fields[0] != "X" && UInt64(fields[19]) == startTime
    }
}
