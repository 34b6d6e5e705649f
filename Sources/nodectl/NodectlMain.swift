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
        let args = Array(CommandLine.arguments.dropFirst())
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
            await NodectlCommand.main()
            exit(0)
        }
        dispatchMain()
    }
}
