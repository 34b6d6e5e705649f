import Foundation

/// Parsers for the /proc files node statistics come from. Pure functions
/// over the text, so they are tested on fixed inputs.
public enum ProcParsers {
    /// /proc/stat's first line: busy CPU time of all CPUs in nanoseconds
    /// (user + nice + system + irq + softirq + steal; idle and iowait excluded).
    public static func busyCPUNanoseconds(stat text: String, ticksPerSecond: Int = 100) -> UInt64? {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let v = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard v.count >= 7 else { return nil }
        let busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v.count > 7 ? v[7] : 0)
        return busy * (1_000_000_000 / UInt64(max(ticksPerSecond, 1)))
    }

    /// /proc/meminfo as bytes per key (`MemTotal`, `MemAvailable`, …).
    public static func meminfo(_ text: String) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let value = UInt64(parts[1]) else { continue }
            let key = String(parts[0].dropLast())
            out[key] = parts.count > 2 && parts[2] == "kB" ? value * 1024 : value
        }
        return out
    }

    /// /proc/PID/net/dev: counters per interface, loopback left out.
    public static func netdev(_ text: String, time: String) -> [StatsSummary.Interface] {
        var out: [StatsSummary.Interface] = []
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon]).trimmingCharacters(in: .whitespaces)
            guard name != "lo" else { continue }
            let v = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
            guard v.count >= 16 else { continue }
            out.append(.init(name: name, rxBytes: v[0], rxErrors: v[2], txBytes: v[8], txErrors: v[10]))
        }
        return out.sorted { $0.name < $1.name }
    }
}
