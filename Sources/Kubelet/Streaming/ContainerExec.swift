#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import Runtime
import Streaming
import LinuxSystem

/// `kubectl exec`: runs a command in a running container through the
/// runtime (all its namespaces, its cgroup, seccomp, user, capabilities,
/// no_new_privs, as `swiftrun exec`), with pipes, or a pty for `-t`, copied
/// to the client's streams. The process is the kubelet's child and is reaped
/// here; if the client goes away first it is killed, so no exec outlives
/// its session.
struct ContainerExec: Sendable {
    let runtime: ContainerRuntime

    /// How long output may keep coming after the process exits (children it
    /// left in the background can hold the pipes open).
    static let drainTimeout: Duration = .seconds(2)
    /// How long a terminal waits for the client's first size before starting.
    static let initialSizeTimeout: Duration = .seconds(1)

    func run(containerID: String, command: [String], streams: RemoteCommandStreams) async -> RemoteCommandResult {
        let options = streams.options
        let io: ExecIO
        let pid: Int32
        do {
            io = try ExecIO(options: options)
            var process = try processSpec(containerID: containerID, command: command, tty: options.tty)
            if options.tty, let size = await streams.initialTerminalSize(within: Self.initialSizeTimeout) {
                process.consoleSize = Spec.ConsoleSize(height: size.height, width: size.width)
            }
            let spec = process
            let stdio = io.childStdio
            let console = io.consoleSocket
            let runtime = self.runtime
            do {
                pid = try await Blocking.run {
                    try runtime.exec(id: containerID, process: spec,
                                     options: ExecOptions(console: console.map { .socketFD($0) } ?? .none, stdio: stdio))
                }
            } catch {
                io.closeAll()
                return await Self.startFailure(error, streams: streams)
            }
        } catch {
            return .failure("error executing command in container: \(error)")
        }
        io.closeChildEnds()
        let master: Int32?
        do {
            master = try io.receiveMaster()
        } catch {
            kill(pid, SIGKILL)
            _ = try? await Blocking.run { try waitForExit(pid) }
            io.closeAll()
            return .failure("error executing command in container: no terminal: \(error)")
        }
        let status = await pump(pid: pid, io: io, master: master, streams: streams)
        guard let status else { return .failure("error executing command in container: the process could not be waited for") }
        return status.shellCode == 0 ? .success : .exitCode(status.shellCode)
    }

    /// The container's process with `command` in place of its args.
    func processSpec(containerID: String, command: [String], tty: Bool) throws -> Spec.Process {
        guard !command.isEmpty else { throw RuntimeError.invalidConfig(field: "command", reason: "you must specify at least one command for the container") }
        var process = try runtime.record(id: containerID).spec.process ?? Spec.Process()
        process.args = command
        process.terminal = tty
        process.consoleSize = nil
        return process
    }

    /// A command that cannot start ends like a shell's: 127 when it is not
    /// found, 126 when it may not be run, with the reason on stderr.
    static func startFailure(_ error: any Error, streams: RemoteCommandStreams) async -> RemoteCommandResult {
        let text = "\(error)"
        let code: Int32? = text.contains("executable file not found") || text.contains("no such file") ? 127
            : text.contains("permission denied") ? 126 : nil
        guard let code else { return .failure("error executing command in container: \(text)") }
        try? await streams.stderr(Array((text + "\n").utf8))
        return .exitCode(code)
    }

    /// What the pump's tasks report.
    enum PumpEvent: Sendable {
        case exited(ExitStatus?)
        case outputDone
        case auxiliaryDone
    }

    /// Copies I/O until the process has exited and its output is drained;
    /// returns its exit status.
    func pump(pid: Int32, io: ExecIO, master: Int32?, streams: RemoteCommandStreams) async -> ExitStatus? {
        let exited = Signal()
        return await withTaskGroup(of: PumpEvent.self) { group in
            // The process, reaped on a blocking thread.
            group.addTask {
                let status = try? await Blocking.run { try waitForExit(pid) }
                await exited.fire()
                return .exited(status)
            }
            // The client leaving early ends the process.
            group.addTask {
                await Signal.first(streams.clientGone, exited)
                if !(await exited.hasFired) { kill(pid, SIGKILL) }
                return .auxiliaryDone
            }
            var outputs = 0
            if let master {
                let resizeFD = dup(master)
                group.addTask {
                    for await size in streams.resizes where resizeFD >= 0 {
                        try? Terminal.setWindowSize(resizeFD, rows: size.height, columns: size.width)
                    }
                    if resizeFD >= 0 { close(resizeFD) }
                    return .auxiliaryDone
                }
                outputs += 1
                group.addTask {
                    await Self.copyTerminal(master, streams: streams, exited: exited)
                    return .outputDone
                }
            } else {
                if let out = io.stdoutRead {
                    outputs += 1
                    group.addTask { await Self.copyOutput(out, to: streams.stdout, exited: exited); return .outputDone }
                }
                if let err = io.stderrRead {
                    outputs += 1
                    group.addTask { await Self.copyOutput(err, to: streams.stderr, exited: exited); return .outputDone }
                }
                if let input = io.stdinWrite, let stdin = streams.stdin {
                    group.addTask { await Self.copyInput(stdin, to: input, exited: exited); return .auxiliaryDone }
                }
            }
            var status: ExitStatus?
            var reaped = false
            while let event = await group.next() {
                switch event {
                case .exited(let s):
                    status = s
                    reaped = true
                case .outputDone:
                    outputs -= 1
                case .auxiliaryDone:
                    break
                }
                if reaped && outputs == 0 { break }
            }
            group.cancelAll()
            return status
        }
    }

    /// Process output to the client, until EOF or `drainTimeout` after exit.
    static func copyOutput(_ fd: Int32, to send: @escaping @Sendable ([UInt8]) async throws -> Void, exited: Signal) async {
        guard let channel = try? await DescriptorChannel.reading(fd) else { close(fd); return }
        await drain(channel, exited: exited) { try await send(Array($0.readableBytesView)) }
    }

    /// Reads `channel` until EOF, or until `drainTimeout` after the process exited.
    static func drain(_ channel: ByteChannel, exited: Signal, _ handle: @escaping @Sendable (ByteBuffer) async throws -> Void) async {
        try? await channel.executeThenClose { inbound, _ in
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        for try await buffer in inbound { try await handle(buffer) }
                    } catch {}
                }
                group.addTask {
                    await exited.wait()
                    try? await Task.sleep(for: drainTimeout)
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// The client's stdin to the process, closed at the client's EOF.
    static func copyInput(_ stdin: BytePipe, to fd: Int32, exited: Signal) async {
        guard let channel = try? await DescriptorChannel.writing(fd) else { close(fd); return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while let chunk = await stdin.read() {
                    do { try await DescriptorChannel.write(chunk, to: channel) } catch { break }
                }
            }
            group.addTask { await exited.wait() }
            await group.next()
            // Whatever was written is in the pipe; a write still waiting for a
            // reader that is gone fails now instead of hanging.
            channel.close(promise: nil)
            group.cancelAll()
            await stdin.cancel()
        }

    }

    /// A pty: its output to the client's stdout, the client's stdin to it.
    static func copyTerminal(_ master: Int32, streams: RemoteCommandStreams, exited: Signal) async {
        guard let channel = try? await DescriptorChannel.duplex(master) else { close(master); return }
        try? await channel.executeThenClose { inbound, outbound in
            await withTaskGroup(of: Void.self) { group in
                if let stdin = streams.stdin {
                    group.addTask {
                        while let chunk = await stdin.read() {
                            do { try await outbound.write(ByteBuffer(bytes: chunk)) } catch { break }
                        }
                    }
                }
                group.addTask {
                    // EIO once the last slave descriptor closes: the end of output.
                    do {
                        for try await buffer in inbound { try await streams.stdout(Array(buffer.readableBytesView)) }
                    } catch {}
                    await stdinDone(streams)
                }
                group.addTask {
                    await exited.wait()
                    try? await Task.sleep(for: drainTimeout)
                    await stdinDone(streams)
                }
                _ = await group.next()
                group.cancelAll()
            }
        }
    }

    static func stdinDone(_ streams: RemoteCommandStreams) async {
        await streams.stdin?.cancel()
    }
}
