import ArgumentParser

/// `controlplane`: serves the control plane (the default), manages its
/// bootstrap tokens (`controlplane token create|list|delete`) or queries
/// the cluster's logs (`controlplane logs QUERY`).
@main
struct ControlPlaneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controlplane",
        abstract: "Kubernetes API server, scheduler and controllers, with embedded SQLite or etcd storage.",
        subcommands: [ServeCommand.self, TokenCommand.self, LogsCommand.self],
        defaultSubcommand: ServeCommand.self)
}
