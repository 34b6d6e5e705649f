import ArgumentParser
import Runtime
import FoundationEssentials
import LinuxSystem

struct StateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "state", abstract: "Print the OCI state of a container as JSON.")
    @OptionGroup var globals: GlobalOptions
    @Argument(help: "Container id.") var id: String

    func run() throws {
        try globals.perform { runtime in
            print(String(decoding: try JSON.pretty(try runtime.state(id: id)), as: UTF8.self), terminator: "")
        }
    }
}

struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List containers.", aliases: ["ls"])
    @OptionGroup var globals: GlobalOptions
    @Option(name: [.short, .long], help: "table or json.") var format: String = "table"
    @Flag(name: [.short, .long], help: "Only ids.") var quiet = false

    func run() throws {
        try globals.perform { runtime in
            let states = runtime.list()
            if quiet {
                states.forEach { print($0.id) }
            } else if format == "json" {
                print(try JSON.compact(states))
            } else if format == "table" {
                var rows = [["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"]]
                rows += states.map { [$0.id, String($0.pid), $0.status.rawValue, $0.bundle, $0.created, $0.owner.isEmpty ? "root" : $0.owner] }
                print(Table.render(rows), terminator: "")
            } else {
                throw ValidationError("--format must be table or json")
            }
        }
    }
}

struct PsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List the processes of a container.")
    @OptionGroup var globals: GlobalOptions
    @Option(name: [.short, .long], help: "table or json.") var format: String = "table"
    @Argument(help: "Container id.") var id: String
    @Argument(parsing: .captureForPassthrough, help: "Options for ps(1) in table format.") var psArgs: [String] = []

    func run() throws {
        try globals.perform { runtime in
            let pids = try runtime.processes(id: id)
            if format == "json" {
                print(try JSON.compact(pids))
                return
            }
            var rows = [["PID", "STATE", "COMMAND"]]
            for pid in pids {
                let cmd = ((try? FileIO.read("/proc/\(pid)/cmdline")) ?? "").split(separator: "\0").joined(separator: " ")
                let state = ((try? FileIO.read("/proc/\(pid)/stat")) ?? "").split(separator: ")").last?.split(separator: " ").first.map(String.init) ?? "?"
                rows.append([String(pid), state, cmd])
            }
            print(Table.render(rows), terminator: "")
        }
    }
}

/// Left-aligned columns separated by spaces, like runc's tabwriter output.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let first = rows.first else { return "" }
        var widths = [Int](repeating: 0, count: first.count)
        for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            row.enumerated().map { i, cell in
                i == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[i] - cell.count + 3)
            }.joined()
        }.joined(separator: "\n") + "\n"
    }
}
