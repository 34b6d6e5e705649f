import ArgumentParser
import Foundation
import Kubelet
import Runtime
#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

struct ExecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exec", abstract: "Run a command in a running container.",
        discussion: "It joins the container's namespaces and cgroup and gets its security context, as kubectl exec does. The exit status is the command's.")
    @OptionGroup var node: NodeOptions
    @Flag(name: [.short, .long], help: "Pass stdin to the command.") var interactive = false
    @Flag(name: [.short, .long], help: "Allocate a terminal.") var tty = false
    @Option(name: [.short, .long], help: "Set an environment variable (NAME=VALUE); repeatable.") var env: [String] = []
    @Argument(help: "Container id (or prefix) or name.") var container: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments (after --).") var command: [String] = []

    func validate() throws {
        var args = command
        if args.first == "--" { args.removeFirst() }
        if args.isEmpty { throw ValidationError("exec needs a command: nodectl exec \(container) -- sh") }
        for e in env where !e.contains("=") { throw ValidationError("--env must be NAME=VALUE, not \"\(e)\"") }
    }

    func run() throws {
        let inventory = node.inventory
        let entry = try reporting { try inventory.container(container) }
        guard entry.state == "Running" else {
            throw NodectlError("container \(entry.name) (\(Output.short(entry.id))) is \(entry.state.lowercased()), not running")
        }
        let code: Int32
        do {
            code = try run(entry, inventory)
        } catch let error as RuntimeError {
            // A command that cannot start exits as a shell's would (127, 126).
            guard let status = error.commandExitCode else { throw NodectlError(error.description) }
            FileHandle.standardError.write(Data("\(error.description)\n".utf8))
            throw ExitCode(status)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw NodectlError("\(error)")
        }
        if code != 0 { throw ExitCode(code) }
    }

    /// Starts the command and waits for it; returns its shell-style exit status.
    func run(_ entry: NodeInventory.ContainerEntry, _ inventory: NodeInventory) throws -> Int32 {
        var process = try inventory.runtime.record(id: entry.id).spec.process ?? Spec.Process()
        process.args = command.first == "--" ? Array(command.dropFirst()) : command
        process.terminal = tty
        process.consoleSize = nil
        process.env = (process.env ?? []) + env
        let foreground = try ForegroundProcess()
        var console = ConsoleTarget.none
        var ourEnd: Int32?
        if tty {
            let pair = try foreground.consoleSocketPair()
            console = .socketFD(pair.runtimeEnd)
            ourEnd = pair.ourEnd
        }
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        let stdio: (Int32, Int32, Int32)? = interactive || tty || devNull < 0 ? nil : (devNull, 1, 2)
        let pid = try inventory.runtime.exec(id: entry.id, process: process, options: ExecOptions(console: console, stdio: stdio))
        if case .socketFD(let fd) = console { close(fd) }
        let master = try ourEnd.map { end in defer { close(end) }; return try foreground.receiveConsole(end) }
        return try foreground.wait(for: pid, master: master).shellCode
    }
}

struct AttachCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach", abstract: "Show a running container's output as it is written.",
        discussion: "Output comes from the container's log, from now on, until it exits (or Ctrl-C). For stdin use kubectl attach -i.")
    @OptionGroup var node: NodeOptions
    @Argument(help: "Container id (or prefix) or name.") var container: String

    func run() async throws {
        let inventory = node.inventory
        let entry = try reporting { try inventory.container(container) }
        guard entry.state == "Running", let path = entry.logPath else {
            throw NodectlError("container \(entry.name) (\(Output.short(entry.id))) is \(entry.state.lowercased()), not running")
        }
        let runtime = inventory.runtime
        let id = entry.id
        try await LogFollower.stream(path: path, options: CRILogReader.Options(tailLines: 0), follow: true,
                                     isRunning: { (try? runtime.state(id: id).status) == .running },
                                     write: { FileHandle.standardOutput.write(Data($0)) })
    }
}

struct PortForwardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "port-forward", abstract: "Forward local ports to ports on a pod's loopback.",
        discussion: "Connections are made from inside the pod's network namespace, so servers bound to 127.0.0.1 in the pod are reachable. Stop with Ctrl-C.")
    @OptionGroup var node: NodeOptions
    @Option(help: "Local address to listen on.") var address = "127.0.0.1"
    @Argument(help: "Pod id (or prefix), name or NAMESPACE/NAME.") var pod: String
    @Argument(help: "LOCAL:REMOTE or PORT (same on both sides); LOCAL 0 picks a free port.") var ports: [String]

    func validate() throws {
        if ports.isEmpty { throw ValidationError("name at least one port: nodectl port-forward \(pod) 8080:80") }
        _ = try ports.map(PortForwardCommand.parse)
        var a = in_addr()
        if inet_pton(AF_INET, address, &a) != 1 { throw ValidationError("--address must be an IPv4 address, not \"\(address)\"") }
    }

    static func parse(_ s: String) throws -> (local: UInt16, remote: UInt16) {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0) }
        switch parts.count {
        case 1: if let p = parts[0], p > 0 { return (p, p) }
        case 2: if let l = parts[0], let r = parts[1], r > 0 { return (l, r) }
        default: break
        }
        throw ValidationError("port mapping must be LOCAL:REMOTE or PORT with ports 1-65535, not \"\(s)\"")
    }

    func run() throws {
        let inventory = node.inventory
        let entry = try reporting { try inventory.pod(pod) }
        guard let sandbox = inventory.sandboxes.load(uid: entry.id) else { throw NodectlError("pod \(pod) has no sandbox record") }
        var listeners: [(fd: Int32, remote: UInt16)] = []
        for mapping in try ports.map(PortForwardCommand.parse) {
            let (fd, bound) = try reporting { try TCPListener.listen(address: address, port: mapping.local) }
            FileHandle.standardOutput.write(Data("Forwarding from \(address):\(bound) -> \(mapping.remote)\n".utf8))
            listeners.append((fd, mapping.remote))
        }
        var fds = listeners.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        while true {
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                throw NodectlError("poll: \(String(cString: strerror(errno)))")
            }
            for (i, p) in fds.enumerated() where p.revents & Int16(POLLIN) != 0 {
                let client = accept(p.fd, nil, nil)
                guard client >= 0 else { continue }
                let remote = listeners[i].remote
                let what = "\(entry.namespace)/\(entry.name):\(remote)"
                Thread.detachNewThread {
                    do {
                        let upstream = try PodDialer.connect(sandbox, port: remote)
                        print("Handling connection for \(remote)")
                                        Splice.both(client, upstream)
                        close(upstream)
                    } catch {
                        FileHandle.standardError.write(Data("error forwarding to \(what): \(error)\n".utf8))
                    }
                    close(client)
                }
            }
        }
    }
}

/// A listening TCP socket.
enum TCPListener {
    static func listen(address: String, port: UInt16) throws -> (fd: Int32, port: UInt16) {
        let fd = try sys("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        inet_pton(AF_INET, address, &a.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        do {
            try withUnsafeMutablePointer(to: &a) { ptr in
                try ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    try sys("bind", "\(address):\(port)") { bind(fd, sa, length) }
                    try sys("listen", "\(address):\(port)") { Glibc.listen(fd, 64) }
                    try sys("getsockname") { getsockname(fd, sa, &length) }
                }
            }
        } catch {
            close(fd)
            throw error
        }
        return (fd, UInt16(bigEndian: a.sin_port))
    }
}

/// Copies bytes both ways between two sockets until both directions end,
/// passing each half-close on.
enum Splice {
    static func both(_ a: Int32, _ b: Int32) {
        var open = [true, true]  // a→b, b→a
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while open[0] || open[1] {
            var fds: [pollfd] = []
            if open[0] { fds.append(pollfd(fd: a, events: Int16(POLLIN), revents: 0)) }
            if open[1] { fds.append(pollfd(fd: b, events: Int16(POLLIN), revents: 0)) }
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            for p in fds where p.revents != 0 {
                let (from, to, direction) = p.fd == a ? (a, b, 0) : (b, a, 1)
                let n = read(from, &buffer, buffer.count)
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    open[direction] = false
                    shutdown(to, Int32(SHUT_WR))
                    if n < 0 { return }
                    continue
                }
                var sent = 0
                while sent < n {
                    let w = buffer[sent..<n].withUnsafeBytes { write(to, $0.baseAddress, $0.count) }
                    if w < 0 { if errno == EINTR { continue }; return }
                    sent += w
                }
            }
        }
    }
}
