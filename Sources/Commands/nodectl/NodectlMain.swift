import Dispatch
import Runtime
#if canImport(Glibc)
import Glibc
#endif

@main
enum NodectlMain {
    static func main() {
        // The runtime's helpers (container init, monitor) are this executable re-run.
        ContainerInit.runIfRequested()
        let args = hoistNodeOptions(Array(CommandLine.arguments.dropFirst()))
        if args.first == "exec" {
            // exec forwards every signal to the command it runs (ForegroundProcess),
            // which needs them blocked in every thread: it runs synchronously on
            // this one thread, before anything could start another.
            var all = sigset_t()
            sigfillset(&all)
            sigprocmask(SIG_BLOCK, &all, nil)
            ExecCommand.main(Array(args.dropFirst()))
            return
        }
        // The other commands are async; the main queue serves the main actor.
        Task { @MainActor in
            await NodectlCommand.main(args)
            exit(0)
        }
        dispatchMain()
    }

    /// `nodectl --root-dir DIR pods` as well as `nodectl pods --root-dir DIR`:
    /// node options given before the verb move after it.
    static func hoistNodeOptions(_ args: [String]) -> [String] {
        var leading: [String] = []
        var rest = args[...]
        while let first = rest.first, ["--root-dir", "--pod-log-dir"].contains(where: { first == $0 || first.hasPrefix($0 + "=") }) {
            leading.append(first)
            rest = rest.dropFirst()
            if !first.contains("="), let value = rest.first {
                leading.append(value)
                rest = rest.dropFirst()
            }
        }
        guard let verb = rest.first, !leading.isEmpty else { return args }
        return [verb] + leading + rest.dropFirst()
    }
}
