import ArgumentParser
import Runtime

/// The flags `create` and `run` share.
struct CreateFlags: ParsableArguments {
    @Option(name: [.short, .long], help: "Bundle directory (holding config.json).") var bundle: String = "."
    @Option(name: .customLong("console-socket"), help: "Unix socket that receives the pty master when process.terminal is true.") var consoleSocket: String?
    @Option(name: .customLong("pid-file"), help: "Write the container's pid to this file.") var pidFile: String?
    @Flag(name: .customLong("no-pivot"), help: "Use MS_MOVE and chroot instead of pivot_root (roots on ramfs).") var noPivot = false
    @Flag(name: .customLong("no-new-keyring"), help: "Keep the caller's session keyring.") var noNewKeyring = false
    @Option(name: .customLong("preserve-fds"), help: "Pass this many extra descriptors (from fd 3) to the container.") var preserveFDs: Int32 = 0
    @Option(name: .customLong("monitor-log"), help: "Hand the container to a detached monitor that writes its output to this file in the CRI log format and records its exit (swiftrun extension).") var monitorLog: String?

    /// Creates the container, under a monitor when --monitor-log is given.
    @discardableResult
    func create(_ runtime: ContainerRuntime, id: String, console: ConsoleTarget? = nil) throws -> OCIState {
        if let monitorLog {
            return try runtime.createMonitored(id: id, bundle: bundle, logPath: monitorLog, options: options(console: console))
        }
        return try runtime.create(id: id, bundle: bundle, options: options(console: console))
    }

    func options(console: ConsoleTarget? = nil) -> Runtime.CreateOptions {
        Runtime.CreateOptions(
            pidFile: pidFile, console: console ?? consoleSocket.map { .socketPath($0) } ?? .none,
            preserveFDs: preserveFDs, noPivot: noPivot, noNewKeyring: noNewKeyring)
    }
}
