#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims

/// Signal names and numbers, as `kill` and the kubelet accept them.
public enum Signals {
    static let names: [(String, Int32)] = [
        ("HUP", 1), ("INT", 2), ("QUIT", 3), ("ILL", 4), ("TRAP", 5), ("ABRT", 6), ("IOT", 6), ("BUS", 7),
        ("FPE", 8), ("KILL", 9), ("USR1", 10), ("SEGV", 11), ("USR2", 12), ("PIPE", 13), ("ALRM", 14),
        ("TERM", 15), ("STKFLT", 16), ("CHLD", 17), ("CONT", 18), ("STOP", 19), ("TSTP", 20), ("TTIN", 21),
        ("TTOU", 22), ("URG", 23), ("XCPU", 24), ("XFSZ", 25), ("VTALRM", 26), ("PROF", 27), ("WINCH", 28),
        ("IO", 29), ("POLL", 29), ("PWR", 30), ("SYS", 31),
    ]

    /// Parses `TERM`, `SIGTERM`, `sigterm`, `15`, `RTMIN+3` or `SIGRTMAX-1`.
    public static func parse(_ text: String) throws -> Int32 {
        let rtmin = swr_sigrtmin(), rtmax = swr_sigrtmax()
        if let n = Int32(text) {
            guard n > 0 && n <= rtmax else { throw RuntimeError.unknownSignal(text) }
            return n
        }
        var name = text.uppercased()
        if name.hasPrefix("SIG") { name.removeFirst(3) }
        if let (_, n) = names.first(where: { $0.0 == name }) { return n }
        for (base, value, sign) in [("RTMIN", rtmin, Int32(1)), ("RTMAX", rtmax, Int32(-1))] where name.hasPrefix(base) {
            let rest = name.dropFirst(base.count)
            if rest.isEmpty { return value }
            let op = rest.first
            if (op == "+" && sign == 1) || (op == "-" && sign == -1), let k = Int32(rest.dropFirst()),
               case let n = value + sign * k, n >= rtmin, n <= rtmax {
                return n
            }
        }
        throw RuntimeError.unknownSignal(text)
    }

    /// The name of a signal number (`SIGTERM`), or `SIG<number>`.
    public static func name(of signal: Int32) -> String {
        if let (name, _) = names.first(where: { $0.1 == signal }) { return "SIG" + name }
        return "SIG\(signal)"
    }
}
