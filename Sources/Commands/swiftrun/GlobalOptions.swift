import ArgumentParser
import Runtime
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// The flags runc takes before the command, which containerd passes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "Root directory for container state.")
    var root: String = "/run/swiftrun"

    @Option(help: "Log file (default: stderr).")
    var log: String?

    @Option(name: .customLong("log-format"), help: "Log format: text or json.")
    var logFormat: String = "text"

    @Flag(help: "Log debug messages.")
    var debug = false

    @Flag(name: .customLong("systemd-cgroup"), help: "Refused: this runtime manages cgroupfs paths only.")
    var systemdCgroup = false

    @Option(help: "Ignored (checkpointing is not supported).")
    var criu: String?

    @Option(help: "Rootless mode: only 'false' or 'auto' (as root) are supported.")
    var rootless: String?

    /// Sets up logging and returns the runtime, or throws for unsupported globals.
    func runtime() throws -> ContainerRuntime {
        let format = logFormat
        let path = log
        let level: Logger.Level = debug ? .debug : .warning
        LoggingSystem.bootstrapOnce { label in
            var handler = FileLogHandler(label: label, path: path, json: format == "json")
            handler.logLevel = level
            return handler
        }
        guard logFormat == "text" || logFormat == "json" else {
            throw ValidationError("--log-format must be text or json, not \"\(logFormat)\"")
        }
        if systemdCgroup {
            throw RuntimeError.unsupported("--systemd-cgroup: this runtime manages cgroups through cgroupfs only; drop the flag (in containerd set SystemdCgroup = false)")
        }
        if let rootless, rootless == "true" {
            throw RuntimeError.unsupported("--rootless=true: run swiftrun as root")
        }
        return ContainerRuntime(root: root, logger: Logger(label: "swiftrun"))
    }

    /// Runs `body`, logging a failure to --log (where containerd reads it) before rethrowing.
    @discardableResult
    func perform<T>(_ body: (ContainerRuntime) throws -> T) throws -> T {
        do {
            let runtime = try runtime()
            return try body(runtime)
        } catch let error as ExitCode {
            throw error
        } catch let error as ValidationError {
            throw error
        } catch {
            // containerd reads the last error from the --log file; people read stderr.
            if log != nil { Logger(label: "swiftrun").error("\(error)") }
            throw error
        }
    }
}

extension LoggingSystem {
    nonisolated(unsafe) private static var bootstrapped = false

    /// Bootstraps once per process (swift-log forbids a second bootstrap).
    static func bootstrapOnce(_ factory: @escaping @Sendable (String) -> any LogHandler) {
        guard !bootstrapped else { return }
        bootstrapped = true
        bootstrap(factory)
    }
}
