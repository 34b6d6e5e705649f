import ArgumentParser
import Runtime
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

struct KillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Send a signal to a container's init (default SIGTERM).")
    @OptionGroup var globals: GlobalOptions
    @Flag(name: [.short, .long], help: "Signal every process in the container.") var all = false
    @Argument(help: "Container id.") var id: String
    @Argument(help: "Signal name or number.") var signal: String = "SIGTERM"

    func run() throws {
        try globals.perform { runtime in
            try runtime.kill(id: id, signal: try Signals.parse(signal), all: all)
        }
    }
}

struct DeleteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete containers and everything they hold.", aliases: ["rm"])
    @OptionGroup var globals: GlobalOptions
    @Flag(name: [.short, .long], help: "Kill a running container first.") var force = false
    @Argument(help: "Container ids.") var ids: [String]

    func run() throws {
        try globals.perform { runtime in
            for id in ids {
                do {
                    try runtime.delete(id: id, force: force)
                } catch RuntimeError.containerNotFound(_) where force {
                    continue
                }
            }
        }
    }
}

struct PauseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Freeze every process of a container.")
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Container id.") var id: String
    func run() throws { try globals.perform { try $0.pause(id: id) } }
}

struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Thaw a paused container.")
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Container id.") var id: String
    func run() throws { try globals.perform { try $0.resume(id: id) } }
}

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "Print container statistics (one shot with --stats).")
    @OptionGroup var globals: GlobalOptions
    @Flag(help: "Print statistics once and exit.") var stats = false
    @Option(help: "Interval between statistics (streaming mode).") var interval: String = "5s"
    @Argument(help: "Container id.") var id: String

    struct Event: Encodable {
        var type = "stats"
        var id: String
        var data: ContainerStats
    }

    func run() throws {
        try globals.perform { runtime in
            repeat {
                print(try JSON.compact(Event(id: id, data: try runtime.stats(id: id))))
                if stats { break }
                let seconds = Double(interval.trimmingSuffix("s")) ?? 5
                Sleep.seconds(seconds)
            } while try runtime.state(id: id).status != .stopped
        }
    }
}

struct UpdateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "update", abstract: "Change a container's cgroup limits.")
    @OptionGroup var globals: GlobalOptions
    @Option(name: [.short, .long], help: "OCI linux.resources JSON file, or - for stdin.") var resources: String?
    @Option(help: "Memory limit in bytes.") var memory: Int64?
    @Option(name: .customLong("memory-swap"), help: "Memory plus swap limit in bytes.") var memorySwap: Int64?
    @Option(name: .customLong("memory-reservation")) var memoryReservation: Int64?
    @Option(name: .customLong("cpu-shares")) var cpuShares: UInt64?
    @Option(name: .customLong("cpu-quota")) var cpuQuota: Int64?
    @Option(name: .customLong("cpu-period")) var cpuPeriod: UInt64?
    @Option(name: .customLong("cpuset-cpus")) var cpusetCpus: String?
    @Option(name: .customLong("cpuset-mems")) var cpusetMems: String?
    @Option(name: .customLong("pids-limit")) var pidsLimit: Int64?
    @Option(name: .customLong("blkio-weight")) var blkioWeight: UInt16?
    @Argument(help: "Container id.") var id: String

    func run() throws {
        try globals.perform { runtime in
            var r = Spec.Resources()
            if let resources {
                let bytes = resources == "-" ? try FileIO.readAll(fd: 0) : try FileIO.readBytes(resources)
                r = try BundleLoader.decode(Spec.Resources.self, from: bytes, what: "--resources")
            }
            if memory != nil || memorySwap != nil || memoryReservation != nil {
                var m = r.memory ?? Spec.Memory()
                m.limit = memory ?? m.limit
                m.swap = memorySwap ?? m.swap
                m.reservation = memoryReservation ?? m.reservation
                r.memory = m
            }
            if cpuShares != nil || cpuQuota != nil || cpuPeriod != nil || cpusetCpus != nil || cpusetMems != nil {
                var c = r.cpu ?? Spec.CPU()
                c.shares = cpuShares ?? c.shares
                c.quota = cpuQuota ?? c.quota
                c.period = cpuPeriod ?? c.period
                c.cpus = cpusetCpus ?? c.cpus
                c.mems = cpusetMems ?? c.mems
                r.cpu = c
            }
            if let pidsLimit { r.pids = Spec.Pids(limit: pidsLimit) }
            if let blkioWeight { r.blockIO = Spec.BlockIO(weight: blkioWeight) }
            try runtime.update(id: id, resources: r)
        }
    }
}

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "features", abstract: "Describe what this runtime supports (OCI features JSON).")
    @OptionGroup var globals: GlobalOptions

    func run() throws {
        print(String(decoding: try JSON.pretty(RuntimeFeatures.current), as: UTF8.self), terminator: "")
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

enum Sleep {
    static func seconds(_ s: Double) {
        var ts = timespec(tv_sec: Int(s), tv_nsec: Int((s - Double(Int(s))) * 1e9))
        nanosleep(&ts, nil)
    }
}
