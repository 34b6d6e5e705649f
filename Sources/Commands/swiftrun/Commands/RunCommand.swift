import ArgumentParser
import Runtime
#if canImport(Glibc)
import Glibc
#endif

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Create and start a container; wait for it unless --detach, then delete it.",
        discussion: "The exit status is the container's (128 + signal when it was killed).")
    @OptionGroup var globals: GlobalOptions
    @OptionGroup var flags: CreateFlags
    @Flag(name: [.short, .long], help: "Return once the container runs.") var detach = false
    @Flag(help: "Keep the container's state after it exits (no delete).") var keep = false
    @Argument(help: "Container id.") var id: String

    func run() throws {
        let code: Int32 = try globals.perform { runtime in
            if detach {
                try flags.create(runtime, id: id)
                try runtime.start(id: id)
                return 0
            }
            if flags.monitorLog != nil {
                throw ValidationError("--monitor-log needs --detach: the monitor, not swiftrun, waits for the container")
            }
            let foreground = try ForegroundProcess()
            let spec = try BundleLoader.load(bundle: flags.bundle)
            var console: ConsoleTarget?
            var ourEnd: Int32?
            if spec.process?.terminal == true && flags.consoleSocket == nil {
                let pair = try foreground.consoleSocketPair()
                console = .socketFD(pair.runtimeEnd)
                ourEnd = pair.ourEnd
            }
            let state: OCIState
            do {
                state = try runtime.create(id: id, bundle: flags.bundle, options: flags.options(console: console))
                if case .socketFD(let fd) = console { close(fd) }
            } catch {
                if case .socketFD(let fd) = console { close(fd) }
                throw error
            }
            var master: Int32?
            do {
                if let ourEnd {
                    master = try foreground.receiveConsole(ourEnd)
                    close(ourEnd)
                }
                try runtime.start(id: id)
            } catch {
                try? runtime.delete(id: id, force: true)
                throw error
            }
            let status = try foreground.wait(for: state.pid, master: master)
            if !keep { try runtime.delete(id: id, force: true) }
            return status.shellCode
        }
        if code != 0 { throw ExitCode(code) }
    }
}
