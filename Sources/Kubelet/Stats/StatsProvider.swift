import Foundation
public import Runtime
import LinuxSystem

/// Collects the node's, pods' and containers' resource usage for
/// `/stats/summary` and `/metrics/resource`: CPU and memory from the pod and
/// container cgroups (whichever layout the host has), network from each
/// pod's namespace (`/proc/PID/net/dev` of one of its processes),
/// filesystem use from the containers' writable layers and logs. CPU rates
/// come from consecutive samples; directory sizes are refreshed at most
/// every `diskInterval` seconds since walking them costs I/O.
public actor StatsProvider {
    let nodeName: String
    let rootDirectory: String
    let logDirectory: String
    let containers: ContainerManager
    let sandboxes: SandboxManager
    let host: CgroupHost?
    let clock: @Sendable () -> Double
    let diskInterval: Double
    let startTime: String?
    /// Claim-backed pod volumes (reported with their pvcRef).
    let claims: ClaimVolumes?

    var rates = CPURates()
    var disk: [String: (usage: DiskUsage, at: Double)] = [:]
    var cached: (summary: StatsSummary, at: Double)?
    /// Block I/O of the running containers at the last collection, by pod
    /// UID then container name (cAdvisor's `container_fs_{reads,writes}*`;
    /// the summary API has no place for it).
    public private(set) var blockIO: [String: [String: ContainerStats.Blkio]] = [:]

    public init(nodeName: String, rootDirectory: String, logDirectory: String, containers: ContainerManager, sandboxes: SandboxManager,
                host: CgroupHost? = try? CgroupHost.current(), diskInterval: Double = 30,
                clock: (@Sendable () -> Double)? = nil, claims: ClaimVolumes? = nil) {
        self.claims = claims
        self.nodeName = nodeName
        self.rootDirectory = rootDirectory
        self.logDirectory = logDirectory
        self.containers = containers
        self.sandboxes = sandboxes
        self.host = host
        self.diskInterval = diskInterval
        self.clock = clock ?? { Date().timeIntervalSince1970 }
        startTime = Self.bootTime()
    }

    /// Samples every `interval` (as cAdvisor's housekeeping does), so CPU
    /// rates are ready when someone asks.
    public func run(interval: Duration = .seconds(10)) async {
        while !Task.isCancelled {
            _ = summary()
            try? await Task.sleep(for: interval)
        }
    }

    /// The summary, collected at most once a second.
    public func summary() -> StatsSummary {
        let now = clock()
        if let cached, now - cached.at < 1 { return cached.summary }
        let summary = collect(at: now)
        cached = (summary, now)
        return summary
    }

    func collect(at now: Double) -> StatsSummary {
        let time = Self.timestamp(now)
        var live: Set<String> = ["node"]
        var node = StatsSummary.NodeStats(nodeName: nodeName)
        node.startTime = startTime
        if let busy = ProcParsers.busyCPUNanoseconds(stat: (try? FileIO.read("/proc/stat")) ?? "", ticksPerSecond: Int(sysconf(Int32(_SC_CLK_TCK)))) {
            node.cpu = .init(time: time, usageNanoCores: rates.record("node", cumulative: busy, at: now), usageCoreNanoSeconds: busy)
        }
        let mem = ProcParsers.meminfo((try? FileIO.read("/proc/meminfo")) ?? "")
        if let total = mem["MemTotal"], let available = mem["MemAvailable"] {
            let free = mem["MemFree"] ?? available
            node.memory = .init(time: time, availableBytes: available, usageBytes: total - min(free, total),
                                workingSetBytes: total - min(available, total), rssBytes: mem["AnonPages"])
        }
        node.network = StatsSummary.Network(time: time, interfaces: ProcParsers.netdev((try? FileIO.read("/proc/self/net/dev")) ?? "", time: time),
                                            preferred: "eth0")
        if let space = FilesystemSpace.of(rootDirectory) {
            node.fs = Self.fs(space, time: time)
            var imageFS = Self.fs(space, time: time)
            imageFS.usedBytes = directoryUsage(rootDirectory + "/images", now: now).bytes
            node.runtime = .init(imageFs: imageFS, containerFs: Self.fs(space, time: time))
        }
        let pidMax = (try? FileIO.read("/proc/sys/kernel/pid_max")).flatMap { Int64($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let processes = ((try? FileIO.listDirectory("/proc")) ?? []).reduce(into: Int64(0)) { n, name in if Int(name) != nil { n += 1 } }
        node.rlimit = .init(time: time, maxpid: pidMax, curproc: processes)

        let byPod = containers.all()
        var pods: [StatsSummary.PodStats] = []
        var blockIO: [String: [String: ContainerStats.Blkio]] = [:]
        for sandbox in sandboxes.all().sorted(by: { ($0.namespace, $0.name) < ($1.namespace, $1.name) }) {
            let running = (byPod[sandbox.podUID] ?? []).filter(\.isRunning).sorted { $0.name < $1.name }
            var pod = StatsSummary.PodStats(
                podRef: .init(name: sandbox.name, namespace: sandbox.namespace, uid: sandbox.podUID), startTime: sandbox.created, containers: [])
            var ephemeral: UInt64 = 0
            var inodes: UInt64 = 0
            for c in running {
                live.insert(c.id)
                let stats = try? containers.runtime.stats(id: c.id)
                if let stats { blockIO[sandbox.podUID, default: [:]][c.name] = stats.blkio }
                let rootfs = directoryUsage(sandbox.containerDirectory(c.name, attempt: c.attempt) + "/upper", now: now)
                let logs = directoryUsage("\(logDirectory)/\(sandbox.namespace)_\(sandbox.name)_\(sandbox.podUID)/\(c.name)", now: now)
                ephemeral += rootfs.bytes + logs.bytes
                inodes += rootfs.inodes + logs.inodes
                pod.containers.append(.init(
                    name: c.name, startTime: c.startedAt ?? c.createdAt,
                    cpu: stats.map { cpu($0, key: c.id, time: time, now: now) }, memory: stats.map { memory($0, time: time) },
                    rootfs: .init(time: time, usedBytes: rootfs.bytes, inodesUsed: rootfs.inodes),
                    logs: .init(time: time, usedBytes: logs.bytes, inodesUsed: logs.inodes)))
            }
            if let host, let paths = try? CgroupManager.paths(for: sandbox.cgroupParent, host: host, own: [:]) {
                let stats = ContainerStats.read(CgroupManager(host: host, paths: paths))
                live.insert(sandbox.podUID)
                pod.cpu = cpu(stats, key: sandbox.podUID, time: time, now: now)
                pod.memory = memory(stats, time: time)
                pod.processStats = .init(processCount: stats.pids.current)
            }
            if !sandbox.hostNetwork, let pid = running.first?.pid, pid > 0,
               let text = try? FileIO.read("/proc/\(pid)/net/dev") {
                pod.network = StatsSummary.Network(time: time, interfaces: ProcParsers.netdev(text, time: time), preferred: "eth0")
            }
            pod.ephemeralStorage = .init(time: time, usedBytes: ephemeral, inodesUsed: inodes)
            let volumes = (claims?.entries(sandbox.podUID) ?? []).map { volumeStats($0, time: time, now: now) }
            if !volumes.isEmpty { pod.volume = volumes }
            pods.append(pod)
        }
        rates.retain(live)
        self.blockIO = blockIO
        return StatsSummary(node: node, pods: pods)
    }

    /// A claim volume's space: capacity, free space and inodes of its
    /// filesystem; what it uses is that filesystem's use when the volume is
    /// a filesystem of its own (NFS, a disk), else the size of its tree (a
    /// directory, as local-path's, on a shared filesystem).
    func volumeStats(_ entry: ClaimVolumes.Entry, time: String, now: Double) -> StatsSummary.VolumeStats {
        var stats = StatsSummary.VolumeStats(name: entry.volume, time: time)
        stats.pvcRef = .init(name: entry.claim, namespace: entry.namespace)
        if let space = FilesystemSpace.of(entry.path) {
            stats.capacityBytes = space.capacity
            stats.availableBytes = space.available
            stats.inodes = space.inodes
            stats.inodesFree = space.inodesFree
            stats.usedBytes = space.used
            stats.inodesUsed = space.inodes - min(space.inodesFree, space.inodes)
        }
        if !MountPoint.isMountPoint(entry.path) {
            let usage = directoryUsage(entry.path, now: now)
            stats.usedBytes = usage.bytes
            stats.inodesUsed = usage.inodes
        }
        return stats
    }

    func cpu(_ s: ContainerStats, key: String, time: String, now: Double) -> StatsSummary.CPU {
        .init(time: time, usageNanoCores: rates.record(key, cumulative: s.cpu.usage.total, at: now), usageCoreNanoSeconds: s.cpu.usage.total)
    }

    func memory(_ s: ContainerStats, time: String) -> StatsSummary.Memory {
        let raw = s.memory.raw
        let limit = s.memory.usage.limit
        // "No limit" reads as a huge number on v1 and "max" on v2: report no availableBytes then.
        let available: UInt64? = limit > 0 && limit < (1 << 62) ? limit - min(s.memory.workingSet, limit) : nil
        return .init(time: time, availableBytes: available, usageBytes: s.memory.usage.usage, workingSetBytes: s.memory.workingSet,
                     rssBytes: raw["total_rss"] ?? raw["rss"] ?? raw["anon"],
                     pageFaults: raw["total_pgfault"] ?? raw["pgfault"], majorPageFaults: raw["total_pgmajfault"] ?? raw["pgmajfault"])
    }

    func directoryUsage(_ path: String, now: Double) -> DiskUsage {
        if let hit = disk[path], now - hit.at < diskInterval { return hit.usage }
        let usage = DiskUsage.of(path)
        disk[path] = (usage, now)
        if disk.count > 4096 { disk = disk.filter { now - $0.value.at < diskInterval } }
        return usage
    }

    static func fs(_ s: FilesystemSpace, time: String) -> StatsSummary.FS {
        .init(time: time, availableBytes: s.available, capacityBytes: s.capacity, usedBytes: s.used,
              inodesFree: s.inodesFree, inodes: s.inodes, inodesUsed: s.inodes - min(s.inodesFree, s.inodes))
    }

    static func timestamp(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle())
    }

    /// When the machine booted (/proc/stat btime), RFC 3339.
    static func bootTime() -> String? {
        let stat = (try? FileIO.read("/proc/stat")) ?? ""
        guard let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
              let seconds = Double(line.dropFirst(6)) else { return nil }
        return timestamp(seconds)
    }
}
