import ArgumentParser
import Images
import Kubelet
import Runtime
import Foundation

/// `nodectl`: crictl's verbs for this node. It reads the kubelet's state
/// under `--root-dir` and drives the runtime directly, so it works when the
/// kubelet (or the whole control plane) is down; where the kubelet is up it
/// also asks it over its root-only socket (`ROOT/kubelet.sock`).
struct NodectlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodectl",
        abstract: "Inspect and debug what runs on this node: pods, containers, images, logs, exec, stats.",
        version: NodeVersion.text,
        subcommands: [
            PodsCommand.self, PsCommand.self, InspectCommand.self, InspectPodCommand.self, LogsCommand.self,
            ExecCommand.self, AttachCommand.self, PortForwardCommand.self, StatsCommand.self, PodStatsCommand.self,
            StopCommand.self, StopPodCommand.self, RmCommand.self, RmPodCommand.self,
            ImagesCommand.self, PullCommand.self, ImportCommand.self, RmiCommand.self, InfoCommand.self, VersionCommand.self, DoctorCommand.self,
            NetpolCommand.self, TraceCommand.self,
        ])
}

/// Options every command shares.
struct NodeOptions: ParsableArguments {
    @Option(name: .customLong("root-dir"), help: "The kubelet's root directory.") var rootDir = "/var/lib/kubelet"
    @Option(name: .customLong("pod-log-dir"), help: "The kubelet's pod log directory.") var podLogDir = "/var/log/pods"

    var images: ImageStore { ImageStore(root: rootDir + "/images") }
    var inventory: NodeInventory { NodeInventory(rootDirectory: rootDir) }
    var socket: KubeletSocket { KubeletSocket(path: rootDir + "/kubelet.sock") }
}

/// `-o table|json|yaml` and `-q`.
struct OutputOptions: ParsableArguments {
    @Option(name: [.short, .customLong("output")], help: "Output format: table, json or yaml.") var output = "table"
    @Flag(name: [.short, .long], help: "Only print ids.") var quiet = false

    func validate() throws {
        guard ["table", "json", "yaml"].contains(output) else { throw ValidationError("-o must be table, json or yaml, not \"\(output)\"") }
    }
}

/// A failure of the node's state or of the runtime (not of the command
/// line): printed as "Error: …" without the usage text, exit status 1.
struct NodectlError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Turns library errors into ``NodectlError``; command-line errors and exit codes pass through.
func reporting<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch let error as NodectlError {
        throw error
    } catch {
        throw NodectlError("\(error)")
    }
}
