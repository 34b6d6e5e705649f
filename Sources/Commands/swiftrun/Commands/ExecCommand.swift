import ArgumentParser
import Runtime
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a process in a running container.",
        discussion: "Either --process FILE (an OCI process JSON) or a command after the id.")
    @OptionGroup var globals: GlobalOptions
    @Option(name: .customLong("console-socket")) var consoleSocket: String?
    @Option(name: .customLong("pid-file")) var pidFile: String?
    @Option(name: [.short, .customLong("process")], help: "OCI process JSON file.") var process: String?
    @Option(name: .long, help: "Working directory.") var cwd: String?
    @Option(name: [.short, .customLong("env")], help: "Set an environment variable (NAME=VALUE).") var env: [String] = []
    @Option(name: [.short, .long], help: "UID[:GID] to run as.") var user: String?
    @Option(name: [.short, .customLong("additional-gids")], help: "Additional group id.") var additionalGids: [UInt32] = []
    @Option(name: [.short, .customLong("cap")], help: "Add a capability.") var caps: [String] = []
    @Flag(name: [.short, .long], help: "Allocate a terminal.") var tty = false
    @Flag(name: [.short, .long], help: "Do not wait for the process.") var detach = false
    @Flag(name: .customLong("no-new-privs")) var noNewPrivs = false
    @Option(name: .customLong("preserve-fds")) var preserveFDs: Int32 = 0
    @Argument(help: "Container id.") var id: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments.") var command: [String] = []

    func run() throws {
        let code: Int32 = try globals.perform { runtime in
            let spec = try buildProcess(runtime)
            let foreground = detach ? nil : try ForegroundProcess()
            var console: ConsoleTarget = consoleSocket.map { .socketPath($0) } ?? .none
            var ourEnd: Int32?
            if spec.terminal == true, consoleSocket == nil, let foreground {
                let pair = try foreground.consoleSocketPair()
                console = .socketFD(pair.runtimeEnd)
                ourEnd = pair.ourEnd
            }
            let pid = try runtime.exec(id: id, process: spec, options: ExecOptions(pidFile: pidFile, console: console, preserveFDs: preserveFDs))
            if case .socketFD(let fd) = console { close(fd) }
            guard let foreground else { return 0 }
            let master = try ourEnd.map { end in defer { close(end) }; return try foreground.receiveConsole(end) }
            return try foreground.wait(for: pid, master: master).shellCode
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// The process: from --process, or the container's process with the command and flags applied.
    func buildProcess(_ runtime: ContainerRuntime) throws -> Spec.Process {
        if let process {
            let bytes = try FileIO.readBytes(process)
            return try BundleLoader.decode(Spec.Process.self, from: bytes, what: "--process \(process)")
        }
        guard !command.isEmpty else { throw ValidationError("exec needs a command after the container id, or --process FILE") }
        let record = try runtime.record(id: id)
        var p = record.spec.process ?? Spec.Process()
        p.args = command
        p.terminal = tty
        p.consoleSize = nil
        if let cwd { p.cwd = cwd }
        p.env = (p.env ?? []) + env
        if let user {
            let parts = user.split(separator: ":")
            guard let uid = UInt32(parts[0]), parts.count <= 2, parts.count == 1 || UInt32(parts[1]) != nil else {
                throw ValidationError("--user must be UID or UID:GID, not \"\(user)\"")
            }
            p.user.uid = uid
            p.user.gid = parts.count == 2 ? UInt32(parts[1])! : 0
        }
        if !additionalGids.isEmpty { p.user.additionalGids = additionalGids }
        if !caps.isEmpty {
            var c = p.capabilities ?? Spec.Capabilities()
            for cap in caps {
                for keyPath in [\Spec.Capabilities.bounding, \.effective, \.permitted, \.inheritable, \.ambient] {
                    c[keyPath: keyPath] = (c[keyPath: keyPath] ?? []) + [cap]
                }
            }
            p.capabilities = c
        }
        if noNewPrivs { p.noNewPrivileges = true }
        return p
    }
}
