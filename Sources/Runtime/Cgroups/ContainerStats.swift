/// Resource usage of a container, read from its cgroups, in the shape of
/// runc's `events --stats` data.
public struct ContainerStats: Codable, Sendable, Equatable {
    public struct CPU: Codable, Sendable, Equatable {
        public struct Usage: Codable, Sendable, Equatable {
            /// Nanoseconds of CPU time.
            public var total: UInt64 = 0
            public var kernel: UInt64 = 0
            public var user: UInt64 = 0
            public var percpu: [UInt64]?
        }
        public struct Throttling: Codable, Sendable, Equatable {
            public var periods: UInt64 = 0
            public var throttledPeriods: UInt64 = 0
            public var throttledTime: UInt64 = 0
        }
        public var usage = Usage()
        public var throttling = Throttling()
    }

    public struct Memory: Codable, Sendable, Equatable {
        public struct Entry: Codable, Sendable, Equatable {
            public var limit: UInt64 = 0
            public var usage: UInt64 = 0
            public var max: UInt64 = 0
            public var failcnt: UInt64 = 0
        }
        public var usage = Entry()
        public var swap = Entry()
        public var cache: UInt64 = 0
        /// Memory in use minus inactive file pages: what Kubernetes reports.
        public var workingSet: UInt64 = 0
        public var oomKills: UInt64 = 0
        public var raw: [String: UInt64] = [:]
    }

    public struct Pids: Codable, Sendable, Equatable {
        public var current: UInt64 = 0
        public var limit: UInt64 = 0
    }

    /// Block I/O by device, as runc reports it (`blkio` in `events --stats`).
    public struct Blkio: Codable, Sendable, Equatable {
        public struct Entry: Codable, Sendable, Equatable {
            public var major: UInt64
            public var minor: UInt64
            /// `Read` or `Write` (v1 also `Sync`, `Async`, `Discard`, `Total`).
            public var op: String
            public var value: UInt64

            public init(major: UInt64, minor: UInt64, op: String, value: UInt64) {
                self.major = major
                self.minor = minor
                self.op = op
                self.value = value
            }
        }
        /// Bytes moved.
        public var ioServiceBytesRecursive: [Entry] = []
        /// Operations done.
        public var ioServicedRecursive: [Entry] = []

        /// v1's `blkio.throttle.io_service_bytes_recursive` (and `io_serviced`): `MAJ:MIN Op N` lines, then `Total N`.
        static func v1(_ text: String?) -> [Entry] {
            (text ?? "").split(separator: "\n").compactMap { line in
                let f = line.split(separator: " ")
                guard f.count == 3, let (major, minor) = device(f[0]), let value = UInt64(f[2]) else { return nil }
                return Entry(major: major, minor: minor, op: String(f[1]), value: value)
            }
        }

        /// v2's `io.stat` (`MAJ:MIN rbytes=N wbytes=N rios=N wios=N …`) as runc maps it: bytes and operations, Read and Write.
        static func v2(_ text: String?) -> (bytes: [Entry], ios: [Entry]) {
            var bytes: [Entry] = [], ios: [Entry] = []
            for line in (text ?? "").split(separator: "\n") {
                let f = line.split(separator: " ")
                guard let first = f.first, let (major, minor) = device(first) else { continue }
                var kv: [Substring: UInt64] = [:]
                for pair in f.dropFirst() {
                    let p = pair.split(separator: "=", maxSplits: 1)
                    if p.count == 2, let v = UInt64(p[1]) { kv[p[0]] = v }
                }
                bytes += [("Read", kv["rbytes"]), ("Write", kv["wbytes"])].compactMap { op, v in v.map { Entry(major: major, minor: minor, op: op, value: $0) } }
                ios += [("Read", kv["rios"]), ("Write", kv["wios"])].compactMap { op, v in v.map { Entry(major: major, minor: minor, op: op, value: $0) } }
            }
            return (bytes, ios)
        }

        static func device(_ text: Substring) -> (UInt64, UInt64)? {
            let p = text.split(separator: ":")
            guard p.count == 2, let major = UInt64(p[0]), let minor = UInt64(p[1]) else { return nil }
            return (major, minor)
        }
    }

    public var cpu = CPU()
    public var memory = Memory()
    public var pids = Pids()
    public var blkio = Blkio()

    public init() {}

    /// Reads whatever the host's hierarchies offer; missing files read as zero.
    public static func read(_ cg: CgroupManager) -> ContainerStats {
        var s = ContainerStats()
        func file(_ controller: String, _ name: String) -> String? {
            switch cg.host.location(of: controller) {
            case .v1(let h)?: return cg.paths[h.key].flatMap { try? cg.fs.read($0 + "/" + name) }
            case .v2?: return cg.paths[CgroupWrite.unified].flatMap { try? cg.fs.read($0 + "/" + name) }
            case nil: return nil
            }
        }
        func v2(_ name: String) -> String? { cg.paths[CgroupWrite.unified].flatMap { try? cg.fs.read($0 + "/" + name) } }
        func number(_ text: String?) -> UInt64 {
            guard let text else { return 0 }
            return text == "max" ? UInt64.max : UInt64(text) ?? 0
        }
        func keyed(_ text: String?) -> [String: UInt64] {
            var out: [String: UInt64] = [:]
            for line in (text ?? "").split(separator: "\n") {
                let p = line.split(separator: " ")
                if p.count == 2, let v = UInt64(p[1]) { out[String(p[0])] = v }
            }
            return out
        }

        // CPU: v1 cpuacct, else the v2 cpu.stat (present even without the cpu controller).
        if case .v1? = cg.host.location(of: "cpuacct") {
            s.cpu.usage.total = number(file("cpuacct", "cpuacct.usage"))
            s.cpu.usage.percpu = file("cpuacct", "cpuacct.usage_percpu")?.split(separator: " ").compactMap { UInt64($0) }
            let ticks = keyed(file("cpuacct", "cpuacct.stat"))
            let nsPerTick: UInt64 = 10_000_000
            s.cpu.usage.user = (ticks["user"] ?? 0) * nsPerTick
            s.cpu.usage.kernel = (ticks["system"] ?? 0) * nsPerTick
        } else {
            let stat = keyed(v2("cpu.stat"))
            s.cpu.usage.total = (stat["usage_usec"] ?? 0) * 1000
            s.cpu.usage.user = (stat["user_usec"] ?? 0) * 1000
            s.cpu.usage.kernel = (stat["system_usec"] ?? 0) * 1000
        }
        if case .v1? = cg.host.location(of: "cpu") {
            let t = keyed(file("cpu", "cpu.stat"))
            s.cpu.throttling = .init(periods: t["nr_periods"] ?? 0, throttledPeriods: t["nr_throttled"] ?? 0, throttledTime: t["throttled_time"] ?? 0)
        } else {
            let t = keyed(v2("cpu.stat"))
            s.cpu.throttling = .init(periods: t["nr_periods"] ?? 0, throttledPeriods: t["nr_throttled"] ?? 0, throttledTime: (t["throttled_usec"] ?? 0) * 1000)
        }

        switch cg.host.location(of: "memory") {
        case .v1?:
            s.memory.usage = .init(limit: number(file("memory", "memory.limit_in_bytes")), usage: number(file("memory", "memory.usage_in_bytes")),
                                   max: number(file("memory", "memory.max_usage_in_bytes")), failcnt: number(file("memory", "memory.failcnt")))
            s.memory.swap = .init(limit: number(file("memory", "memory.memsw.limit_in_bytes")), usage: number(file("memory", "memory.memsw.usage_in_bytes")),
                                  max: number(file("memory", "memory.memsw.max_usage_in_bytes")), failcnt: number(file("memory", "memory.memsw.failcnt")))
            s.memory.raw = keyed(file("memory", "memory.stat"))
            s.memory.cache = s.memory.raw["total_cache"] ?? s.memory.raw["cache"] ?? 0
            let inactive = s.memory.raw["total_inactive_file"] ?? 0
            s.memory.workingSet = s.memory.usage.usage > inactive ? s.memory.usage.usage - inactive : 0
        case .v2?:
            s.memory.usage = .init(limit: number(v2("memory.max")), usage: number(v2("memory.current")), max: number(v2("memory.peak")), failcnt: keyed(v2("memory.events"))["max"] ?? 0)
            s.memory.swap = .init(limit: number(v2("memory.swap.max")), usage: number(v2("memory.swap.current")))
            s.memory.raw = keyed(v2("memory.stat"))
            s.memory.cache = s.memory.raw["file"] ?? 0
            let inactive = s.memory.raw["inactive_file"] ?? 0
            s.memory.workingSet = s.memory.usage.usage > inactive ? s.memory.usage.usage - inactive : 0
        case nil:
            break
        }
        s.memory.oomKills = UInt64(cg.oomKillCount())
        s.pids = .init(current: number(file("pids", "pids.current")), limit: number(file("pids", "pids.max")))
        switch cg.host.location(of: "blkio") {
        case .v1?:
            s.blkio.ioServiceBytesRecursive = Blkio.v1(file("blkio", "blkio.throttle.io_service_bytes_recursive") ?? file("blkio", "blkio.throttle.io_service_bytes"))
            s.blkio.ioServicedRecursive = Blkio.v1(file("blkio", "blkio.throttle.io_serviced_recursive") ?? file("blkio", "blkio.throttle.io_serviced"))
        default:
            // v2 (`io.stat`, also there without the io controller delegated).
            (s.blkio.ioServiceBytesRecursive, s.blkio.ioServicedRecursive) = Blkio.v2(v2("io.stat"))
        }
        return s
    }
}
