import ArgumentParser
import Foundation
import Kubelet
import Runtime
import LinuxSystem

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Show the node's runtime and API versions.")
    @OptionGroup var node: NodeOptions

    func run() throws {
        Output.table([
            ["Version:", "0.1.0"],
            ["RuntimeName:", NodeVersion.runtimeName],
            ["RuntimeVersion:", NodeVersion.runtimeVersion],
            ["RuntimeApiVersion:", NodeVersion.runtimeAPIVersion],
            ["KubeletVersion:", NodeVersion.kubelet],
            ["OCISpecVersion:", Spec.version],
        ])
    }
}

struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Show the node's runtime status and configuration.")
    @OptionGroup var node: NodeOptions
    @Option(name: [.short, .customLong("output")], help: "json or yaml.") var output = "json"

    struct Info: Encodable {
        struct Condition: Encodable {
            var type: String
            var status: Bool
            var reason: String?
            var message: String?
        }
        var conditions: [Condition]
        var kubeletSocket: String
        var rootDirectory: String
        var runtimeRoot: String
        var imageStore: String
        var podLogDirectory: String
        var cgroups: String
        var kernel: String
        var pods: Int
        var containers: Int
        var runningContainers: Int
        var images: Int
        var version: String
    }

    func validate() throws {
        guard ["json", "yaml"].contains(output) else { throw ValidationError("-o must be json or yaml, not \"\(output)\"") }
    }

    func run() throws {
        let inventory = node.inventory
        let kubeletUp = node.socket.isUp
        let cgroups = (try? CgroupHost.detect().summary) ?? "no cgroup filesystem mounted"
        let containers = inventory.containers()
        let info = Info(
            conditions: [
                .init(type: "RuntimeReady", status: FileIO.exists(node.rootDir + "/runtime"),
                      reason: nil, message: FileIO.exists(node.rootDir + "/runtime") ? nil : "no runtime state under \(node.rootDir)/runtime yet"),
                .init(type: "KubeletReady", status: kubeletUp, reason: kubeletUp ? nil : "KubeletDown",
                      message: kubeletUp ? nil : "no answer on \(node.socket.path); nodectl reads the node's state directly"),
            ],
            kubeletSocket: node.socket.path, rootDirectory: node.rootDir, runtimeRoot: node.rootDir + "/runtime",
            imageStore: node.rootDir + "/images", podLogDirectory: node.podLogDir, cgroups: cgroups,
            kernel: (try? FileIO.readTrimmed("/proc/sys/kernel/osrelease")) ?? "",
            pods: inventory.pods().count, containers: containers.count, runningContainers: containers.filter { $0.state == "Running" }.count,
            images: (try? node.images.list().count) ?? 0, version: NodeVersion.text)
        _ = try Output.structured(info, format: output)
    }
}

struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor", abstract: "Check that this host can run the node, and say how to fix what is missing.",
        discussion: "Exits 1 when a check fails (warnings alone exit 0).")
    @OptionGroup var node: NodeOptions
    @Option(name: [.short, .customLong("output")], help: "table or json.") var output = "table"

    func validate() throws {
        guard ["table", "json"].contains(output) else { throw ValidationError("-o must be table or json, not \"\(output)\"") }
    }

    func run() throws {
        var checks = Preflight().run()
        let kubeletUp = node.socket.isUp
        checks.append(kubeletUp
            ? .init("kubelet", .ok, "answering on \(node.socket.path)")
            : .init("kubelet", .warn, "no kubelet answers on \(node.socket.path)", fix: "start it: sudo kubelet --apiserver URL … (or pass nodectl --root-dir of the kubelet you mean)"))
        if output == "json" {
            try Output.json(checks)
        } else {
            for c in checks {
                let mark = switch c.status { case .ok: "ok  "; case .warn: "WARN"; case .fail: "FAIL" }
                print("[\(mark)] \(c.name): \(c.detail)")
                if !c.fix.isEmpty { print("       fix: \(c.fix)") }
            }
            let fails = checks.filter { $0.status == .fail }.count, warns = checks.filter { $0.status == .warn }.count
            print(fails == 0 ? "\nThis host can run the node (\(warns) warning(s))." : "\n\(fails) check(s) failed, \(warns) warning(s).")
        }
        if checks.contains(where: { $0.status == .fail }) { throw ExitCode(1) }
    }
}
