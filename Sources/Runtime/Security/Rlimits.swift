#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import LinuxSystem

/// A resource limit resolved to its number.
public struct ResolvedRlimit: Codable, Sendable, Equatable {
    public var resource: Int32
    public var name: String
    public var soft: UInt64
    public var hard: UInt64

    static let table: [String: Int32] = [
        "RLIMIT_CPU": 0, "RLIMIT_FSIZE": 1, "RLIMIT_DATA": 2, "RLIMIT_STACK": 3, "RLIMIT_CORE": 4,
        "RLIMIT_RSS": 5, "RLIMIT_NPROC": 6, "RLIMIT_NOFILE": 7, "RLIMIT_MEMLOCK": 8, "RLIMIT_AS": 9,
        "RLIMIT_LOCKS": 10, "RLIMIT_SIGPENDING": 11, "RLIMIT_MSGQUEUE": 12, "RLIMIT_NICE": 13,
        "RLIMIT_RTPRIO": 14, "RLIMIT_RTTIME": 15,
    ]

    /// Resolves `process.rlimits`, rejecting unknown types, repeats and soft > hard.
    public static func resolve(_ limits: [Spec.Rlimit]?, field: String = "process.rlimits") throws -> [ResolvedRlimit] {
        var seen: Set<String> = []
        return try (limits ?? []).enumerated().map { i, l in
            guard let n = table[l.type] else {
                throw RuntimeError.invalidConfig(field: "\(field)[\(i)].type", reason: "unknown rlimit \"\(l.type)\"; expected one of \(table.keys.sorted().joined(separator: ", "))")
            }
            guard seen.insert(l.type).inserted else {
                throw RuntimeError.invalidConfig(field: "\(field)[\(i)].type", reason: "\(l.type) is set twice")
            }
            guard l.soft <= l.hard else {
                throw RuntimeError.invalidConfig(field: "\(field)[\(i)]", reason: "soft limit \(l.soft) is above hard limit \(l.hard)")
            }
            return ResolvedRlimit(resource: n, name: l.type, soft: l.soft, hard: l.hard)
        }
    }

    /// Applies the limit to the calling process.
    func apply() throws {
        try sys("prlimit", "\(name) soft \(soft) hard \(hard)") {
            swr_setrlimit(resource, soft, hard)
        }
    }
}
