import ArgumentParser

/// `controlplane`: serves the control plane (the default) or manages its
/// bootstrap tokens (`controlplane token create|list|delete`).
@main
struct ControlPlaneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controlplane",
        abstract: "Kubernetes API server, scheduler and controllers, with embedded SQLite or etcd storage.",
        subcommands: [ServeCommand.self, TokenCommand.self],
        defaultSubcommand: ServeCommand.self)
}
