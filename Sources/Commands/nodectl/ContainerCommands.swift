import ArgumentParser
import Foundation
import KubeAPI
import Kubelet
import Runtime

struct PsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List containers.")
    @OptionGroup var node: NodeOptions
    @OptionGroup var out: OutputOptions
    @Flag(name: [.short, .long], help: "Show every container, also exited ones.") var all = false
    @Option(help: "Only containers whose name contains this.") var name: String?
    @Option(help: "Only containers of this pod (id, name or NAMESPACE/NAME).") var pod: String?
    @Option(help: "Only containers in this state: Created, Running or Exited.") var state: String?

    func validate() throws {
        if let state, !["created", "running", "exited", "unknown"].contains(state.lowercased()) {
            throw ValidationError("--state must be Created, Running, Exited or Unknown, not \"\(state)\"")
        }
    }

    func run() async throws {
        let inventory = node.inventory
        let podID = try reporting { try pod.map { try inventory.pod($0).id } }
        let containers = inventory.containers().filter { c in
            (all || state != nil || c.state == "Running")
                && (name.map { c.name.contains($0) } ?? true) && (podID.map { c.podID == $0 } ?? true)
                && (state.map { c.state.lowercased() == $0.lowercased() } ?? true)
        }
        if out.quiet { containers.forEach { print($0.id) }; return }
        if try Output.structured(containers, format: out.output) { return }
        var rows = [["CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD"]]
        for c in containers {
            let state = c.state == "Exited" ? "Exited (\(c.exitCode ?? -1))" : c.state
            rows.append([Output.short(c.id), c.image, Output.age(c.createdAt), state, c.name + (c.isInit ? " (init)" : ""),
                         String(c.attempt), Output.short(c.podID), "\(c.podNamespace)/\(c.podName)"])
        }
        Output.table(rows)
    }
}

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show containers in detail, with their OCI state and spec.")
    @OptionGroup var node: NodeOptions
    @Option(name: [.short, .customLong("output")], help: "json or yaml.") var output = "json"
    @Argument(help: "Container id (or prefix) or name.") var containers: [String]

    struct Detail: Encodable {
        var status: NodeInventory.ContainerEntry
        var state: OCIState?
        var spec: Spec?
    }

    func validate() throws {
        guard ["json", "yaml"].contains(output) else { throw ValidationError("-o must be json or yaml, not \"\(output)\"") }
        if containers.isEmpty { throw ValidationError("name at least one container (see nodectl ps -a)") }
    }

    func run() async throws {
        let inventory = node.inventory
        let details = try reporting { try containers.map { q in
            let c = try inventory.container(q)
            return Detail(status: c, state: try? inventory.runtime.state(id: c.id), spec: try? inventory.runtime.record(id: c.id).spec)
        } }
        _ = try Output.structured(details.count == 1 ? AnyEncodable(details[0]) : AnyEncodable(details), format: output)
    }
}

struct LogsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Print a container's log.")
    @OptionGroup var node: NodeOptions
    @Flag(name: [.short, .long], help: "Follow the log until the container stops.") var follow = false
    @Option(help: "Only the last N lines.") var tail: Int?
    @Option(help: "Only lines since this RFC 3339 time or duration ago (e.g. 5m, 1h).") var since: String?
    @Flag(name: [.short, .long], help: "Prefix lines with their timestamps.") var timestamps = false
    @Flag(name: [.short, .long], help: "The log of the previous attempt of this container.") var previous = false
    @Argument(help: "Container id (or prefix) or name.") var container: String

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail must be zero or more") }
        if let since, Output.parse(since) == nil, LogsCommand.duration(since) == nil {
            throw ValidationError("--since must be an RFC 3339 time or a duration like 30s, 5m or 2h, not \"\(since)\"")
        }
    }

    static func duration(_ s: String) -> Double? {
        guard let unit = s.last, let n = Double(s.dropLast()), n >= 0 else { return nil }
        switch unit {
        case "s": return n
        case "m": return n * 60
        case "h": return n * 3600
        default: return nil
        }
    }

    func run() async throws {
        let inventory = node.inventory
        var entry = try reporting { try inventory.container(container) }
        if previous {
            let earlier = inventory.containers().filter { $0.podID == entry.podID && $0.name == entry.name && $0.attempt < entry.attempt }
            guard let last = earlier.max(by: { $0.attempt < $1.attempt }) else {
                throw NodectlError("container \(entry.name) of \(entry.podNamespace)/\(entry.podName) has no previous attempt")
            }
            entry = last
        }
        guard let path = entry.logPath else {
            throw NodectlError("container \(entry.id) records no log path (made by an older kubelet); look under \(node.podLogDir)")
        }
        var options = CRILogReader.Options(tailLines: tail, timestamps: timestamps)
        if let since {
            let date = Output.parse(since) ?? Date().addingTimeInterval(-(LogsCommand.duration(since) ?? 0))
            options.since = Timestamp.format(date, micro: true)
        }
        let runtime = inventory.runtime
        let id = entry.id
        try await LogFollower.stream(path: path, options: options, follow: follow && entry.state == "Running",
                                     isRunning: { (try? runtime.state(id: id).status) == .running },
                                     write: { FileHandle.standardOutput.write(Data($0)) })
    }
}

struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stop", abstract: "Stop running containers.",
        discussion: "Under a running kubelet a stopped container is started again per its pod's restartPolicy, as with crictl stop.")
    @OptionGroup var node: NodeOptions
    @Option(name: [.short, .long], help: "Seconds to wait after SIGTERM before SIGKILL.") var timeout: Double = 10
    @Argument(help: "Container id (or prefix) or name.") var containers: [String]

    func run() async throws {
        let inventory = node.inventory
        let targets = try reporting { try containers.map { try inventory.container($0) } }
        for c in targets {
            await inventory.stop(c, timeout: timeout)
            print(c.id)
        }
    }
}

struct RmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove containers and their writable layers.")
    @OptionGroup var node: NodeOptions
    @Flag(name: [.short, .long], help: "Remove running containers too (they are killed).") var force = false
    @Flag(name: [.short, .long], help: "Remove every exited container.") var all = false
    @Argument(help: "Container id (or prefix) or name.") var containers: [String] = []

    func validate() throws {
        if containers.isEmpty && !all { throw ValidationError("name the containers to remove, or use --all for every exited one") }
    }

    func run() async throws {
        let inventory = node.inventory
        let targets = try reporting {
            all ? inventory.containers().filter { $0.state != "Running" } : try containers.map { try inventory.container($0) }
        }
        for c in targets {
            try reporting { try inventory.remove(c, force: force) }
            print(c.id)
        }
    }
}

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stats", abstract: "Show containers' resource usage.")
    @OptionGroup var node: NodeOptions
    @OptionGroup var out: OutputOptions
    @Argument(help: "Container ids or names (default: all running).") var containers: [String] = []

    struct Row: Encodable {
        var id: String
        var pod: String
        var name: String
        var stats: StatsSummary.ContainerStats
    }

    func run() async throws {
        let inventory = node.inventory
        let wanted = try reporting { try containers.map { try inventory.container($0) } }
        let running = wanted.isEmpty ? inventory.containers().filter { $0.state == "Running" } : wanted
        let summary = try await StatsSampler(node: node).summary()
        let rows: [Row] = running.compactMap { c in
            guard let pod = summary.pods.first(where: { $0.podRef.uid == c.podID }),
                  let s = pod.containers.first(where: { $0.name == c.name }) else { return nil }
            return Row(id: c.id, pod: "\(c.podNamespace)/\(c.podName)", name: c.name, stats: s)
        }
        if out.quiet { rows.forEach { print($0.id) }; return }
        if try Output.structured(rows, format: out.output) { return }
        var table = [["CONTAINER", "NAME", "POD", "CPU %", "MEM", "DISK", "LOGS"]]
        for r in rows {
            table.append([Output.short(r.id), r.name, r.pod, StatsSampler.percent(r.stats.cpu?.usageNanoCores),
                          r.stats.memory?.workingSetBytes.map(Output.bytes) ?? "", r.stats.rootfs?.usedBytes.map(Output.bytes) ?? "",
                          r.stats.logs?.usedBytes.map(Output.bytes) ?? ""])
        }
        Output.table(table)
    }
}
