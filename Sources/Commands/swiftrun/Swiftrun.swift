import ArgumentParser

/// `swiftrun`: an OCI runtime with runc's command line.
struct Swiftrun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftrun",
        abstract: "Run OCI containers: a runc-compatible runtime written in Swift.",
        discussion: """
            Containers are described by OCI bundles: a directory with config.json and a root filesystem.
            `swiftrun spec` writes a default config.json; `swiftrun run ID` runs it.
            """,
        version: "swiftrun version 0.1.0\nspec: 1.2.0",
        subcommands: [
            SpecCommand.self, CreateCommand.self, StartCommand.self, RunCommand.self, ExecCommand.self,
            StateCommand.self, KillCommand.self, DeleteCommand.self, PsCommand.self, ListCommand.self,
            PauseCommand.self, ResumeCommand.self, EventsCommand.self, UpdateCommand.self, FeaturesCommand.self,
        ])

    @OptionGroup var globals: GlobalOptions
}
