import ArgumentParser
import Foundation
import KubeAPI
import Kubelet
import Runtime
import LinuxSystem

/// Pod phases the kubelet reports, by pod uid (empty when it is down).
func kubeletPhases(_ node: NodeOptions) -> [String: String] {
    guard let body = try? node.socket.get("/pods"), let list = try? JSONParser.parse(body) else { return [:] }
    var out: [String: String] = [:]
    for item in list["items"]?.arrayValue ?? [] {
        if let uid = item[path: ["metadata", "uid"]]?.stringValue { out[uid] = item[path: ["status", "phase"]]?.stringValue ?? "Pending" }
    }
    return out
}

struct PodsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pods", abstract: "List pod sandboxes.")
    @OptionGroup var node: NodeOptions
    @OptionGroup var out: OutputOptions
    @Option(help: "Only pods whose name contains this.") var name: String?
    @Option(help: "Only pods in this namespace.") var namespace: String?
    @Option(help: "Only pods with this label (KEY=VALUE); repeatable.") var label: [String] = []
    @Option(help: "Only pods in this state: Ready or NotReady.") var state: String?

    func validate() throws {
        for l in label where !l.contains("=") { throw ValidationError("--label must be KEY=VALUE, not \"\(l)\"") }
        if let state, !["ready", "notready"].contains(state.lowercased()) { throw ValidationError("--state must be Ready or NotReady") }
    }

    struct Row: Encodable {
        var pod: NodeInventory.PodEntry
        var phase: String?
    }

    func run() async throws {
        let phases = kubeletPhases(node)
        let wanted = label.map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
        let pods = node.inventory.pods().filter { p in
            (name.map { p.name.contains($0) } ?? true) && (namespace.map { p.namespace == $0 } ?? true)
                && (state.map { p.state.lowercased() == $0.lowercased() } ?? true)
                && wanted.allSatisfy { p.labels[$0[0]] == ($0.count > 1 ? $0[1] : "") }
        }
        if out.quiet { pods.forEach { print($0.id) }; return }
        if try Output.structured(pods.map { Row(pod: $0, phase: phases[$0.id]) }, format: out.output) { return }
        var rows = [["POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "IP", "PHASE"]]
        for p in pods {
            rows.append([Output.short(p.id), Output.age(p.createdAt), p.state, p.name, p.namespace, p.ip ?? (p.hostNetwork ? "(host)" : ""),
                         phases[p.id] ?? (phases.isEmpty ? "(kubelet down)" : "(not on the API)")])
        }
        Output.table(rows)
    }
}

struct InspectPodCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspectp", abstract: "Show a pod sandbox in detail.")
    @OptionGroup var node: NodeOptions
    @Option(name: [.short, .customLong("output")], help: "json or yaml.") var output = "json"
    @Argument(help: "Pod id (or prefix), name or NAMESPACE/NAME.") var pods: [String]

    struct Detail: Encodable {
        var pod: NodeInventory.PodEntry
        var sandbox: Sandbox?
        var phase: String?
    }

    func run() async throws {
        let phases = kubeletPhases(node)
        let details = try reporting { try pods.map { q in
            let p = try node.inventory.pod(q)
            return Detail(pod: p, sandbox: node.inventory.sandboxes.load(uid: p.id), phase: phases[p.id])
        } }
        if !(try Output.structured(details.count == 1 ? AnyEncodable(details[0]) : AnyEncodable(details), format: output)) {
            throw ValidationError("-o must be json or yaml")
        }
    }
}

struct StopPodCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stopp", abstract: "Stop every container of a pod.",
        discussion: "Under a running kubelet the pod's containers are started again per its restartPolicy, as with crictl stopp.")
    @OptionGroup var node: NodeOptions
    @Option(name: [.short, .long], help: "Seconds to wait after SIGTERM before SIGKILL.") var timeout: Double = 10
    @Argument(help: "Pod id (or prefix), name or NAMESPACE/NAME.") var pods: [String]

    func run() async throws {
        for q in pods {
            let pod = try reporting { try node.inventory.pod(q) }
            for c in pod.containers where c.state == "Running" || c.state == "Created" {
                await node.inventory.stop(c, timeout: timeout)
            }
            print("Stopped sandbox \(pod.id)")
        }
    }
}

struct RmPodCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rmp", abstract: "Remove pod sandboxes and their containers.")
    @OptionGroup var node: NodeOptions
    @Flag(name: [.short, .long], help: "Remove even if containers still run.") var force = false
    @Flag(name: [.short, .long], help: "Remove every pod sandbox.") var all = false
    @Argument(help: "Pod id (or prefix), name or NAMESPACE/NAME.") var pods: [String] = []

    func validate() throws {
        if pods.isEmpty && !all { throw ValidationError("name the pods to remove, or use --all") }
    }

    func run() async throws {
        let inventory = node.inventory
        let targets = try reporting { all ? inventory.pods() : try pods.map { try inventory.pod($0) } }
        for pod in targets {
            try reporting { try inventory.remove(pod, force: force) }
            print("Removed sandbox \(pod.id)")
        }
    }
}

struct PodStatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "statsp", abstract: "Show pods' resource usage.")
    @OptionGroup var node: NodeOptions
    @OptionGroup var out: OutputOptions
    @Argument(help: "Pod ids, names or NAMESPACE/NAME (default: all).") var pods: [String] = []

    func run() async throws {
        let summary = try await StatsSampler(node: node).summary()
        let wanted = try reporting { try Set(pods.map { try node.inventory.pod($0).id }) }
        let stats = summary.pods.filter { wanted.isEmpty || wanted.contains($0.podRef.uid) }
        if out.quiet { stats.forEach { print($0.podRef.uid) }; return }
        if try Output.structured(stats, format: out.output) { return }
        var rows = [["POD", "POD ID", "CPU %", "MEM", "PIDS", "NET RX", "NET TX"]]
        for p in stats {
            rows.append(["\(p.podRef.namespace)/\(p.podRef.name)", Output.short(p.podRef.uid), StatsSampler.percent(p.cpu?.usageNanoCores),
                          p.memory?.workingSetBytes.map(Output.bytes) ?? "", p.processStats?.processCount.map(String.init) ?? "",
                          p.network?.rxBytes.map(Output.bytes) ?? "", p.network?.txBytes.map(Output.bytes) ?? ""])
        }
        Output.table(rows)
    }
}

/// Stats with CPU rates: the kubelet's when it answers, else two samples a second apart.
struct StatsSampler {
    let node: NodeOptions

    func summary() async throws -> StatsSummary {
        if let body = try? node.socket.get("/stats/summary"), let s = try? JSONDecoder().decode(StatsSummary.self, from: Data(body)) {
            return s
        }
        let inventory = node.inventory
        let provider = StatsProvider(nodeName: currentHostName(), rootDirectory: node.rootDir, logDirectory: node.podLogDir,
                                     containers: inventory.manager, sandboxes: inventory.sandboxes)
        _ = await provider.summary()
        try await Task.sleep(for: .milliseconds(1100))
        return await provider.summary()
    }

    static func percent(_ nanoCores: UInt64?) -> String {
        guard let nanoCores else { return "" }
        return String(format: "%.2f", Double(nanoCores) / 1e7)
    }
}

/// Type erasure for encoding one detail or a list of them.
struct AnyEncodable: Encodable {
    let encodeTo: (any Encoder) throws -> Void
    init<T: Encodable>(_ value: T) { encodeTo = value.encode }
    func encode(to encoder: any Encoder) throws { try encodeTo(encoder) }
}
