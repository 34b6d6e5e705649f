import ArgumentParser
import Runtime

struct CreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a container; its process waits for `start`.")
    @OptionGroup var globals: GlobalOptions
    @OptionGroup var flags: CreateFlags
    @Argument(help: "Container id.") var id: String

    func run() throws {
        try globals.perform { runtime in
            try flags.create(runtime, id: id)
        }
    }
}

struct StartCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start the process of a created container.")
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Container id.") var id: String

    func run() throws {
        try globals.perform { try $0.start(id: id) }
    }
}
