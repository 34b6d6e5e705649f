#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
public import KubeAPI
import Runtime
public import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOHTTP1
import LinuxSystem

/// Runs one probe or lifecycle handler against a container: exec in the
/// container, an HTTP GET, a TCP connect, or a gRPC health check. The
/// kubelet runs in the node's network namespace, so HTTP and TCP go to the
/// pod's IP through the node bridge as they would in Kubernetes.
public struct Prober: Sendable {
    let containers: ContainerManager
    let http: HTTPClient

    public init(containers: ContainerManager, http: HTTPClient) {
        self.containers = containers
        self.http = http
    }

    /// Runs `probe`; the result message is what users see in events.
    public func run(_ probe: Probe, container: Container, containerID: String, podIP: String?) async -> ProbeState.Result {
        let timeout = Double(max(probe.timeoutSeconds ?? 1, 1))
        if let exec = probe.exec {
            return await execute(exec.command ?? [], containerID: containerID, timeout: timeout).result
        }
        if let get = probe.httpGet {
            return await httpGet(get, container: container, podIP: podIP, timeout: timeout)
        }
        if let tcp = probe.tcpSocket {
            guard let port = Self.port(tcp.port, in: container) else { return .failure("unknown named port \(tcp.port?.description ?? "")") }
            return await tcpConnect(tcp.host ?? podIP ?? "127.0.0.1", port, timeout: timeout)
        }
        if let grpc = probe.grpc {
            return await GRPCHealthCheck.run(host: podIP ?? "127.0.0.1", port: grpc.port ?? 0, service: grpc.service ?? "", timeout: timeout)
        }
        return .failure("probe has no handler")
    }

    /// Resolves a port by number or by the name of one of the container's ports.
    static func port(_ value: IntOrString?, in container: Container) -> Int? {
        switch value {
        case .int(let p)?: return p
        case .string(let name)?:
            if let n = Int(name) { return n }
            return container.ports?.first { $0.name == name }?.containerPort
        case nil: return nil
        }
    }

    /// Runs `command` in the container with its own environment and user;
    /// returns the exit code (nil on timeout or failure to start) and output.
    public func execute(_ command: [String], containerID: String, timeout: Double) async -> (code: Int32?, output: String, result: ProbeState.Result) {
        guard !command.isEmpty else { return (nil, "", .failure("exec probe has no command")) }
        do {
            return try await Blocking.run { () -> (Int32?, String, ProbeState.Result) in
                let record = try containers.runtime.record(id: containerID)
                var process = record.spec.process ?? Spec.Process()
                process.args = command
                process.terminal = false
                let output = try Descriptors.memoryFile("probe")
                let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
                defer { close(output); close(null) }
                let pid = try containers.runtime.exec(id: containerID, process: process, options: ExecOptions(stdio: (null, output, output)))
                let status = try waitForExit(pid, timeout: timeout)
                lseek(output, 0, SEEK_SET)
                let text = String(decoding: (try? FileIO.readAll(fd: output)) ?? [], as: UTF8.self)
                guard let status else {
                    return (nil, text, .failure("command \(command) timed out after \(Int(timeout))s"))
                }
                if status.shellCode == 0 { return (0, text, .success) }
                return (status.shellCode, text, .failure("command \(command) exited with \(status.shellCode): \(String(text.suffix(300)))"))
            }
        } catch {
            return (nil, "", .failure("exec failed: \(error)"))
        }
    }

    func httpGet(_ get: HTTPGetAction, container: Container, podIP: String?, timeout: Double) async -> ProbeState.Result {
        guard let port = Self.port(get.port, in: container) else { return .failure("unknown named port \(get.port?.description ?? "")") }
        let scheme = (get.scheme ?? "HTTP").lowercased()
        var host = get.host ?? podIP ?? "127.0.0.1"
        if host.contains(":") { host = "[\(host)]" }
        var path = get.path ?? "/"
        if !path.hasPrefix("/") { path = "/" + path }
        var request = HTTPClientRequest(url: "\(scheme)://\(host):\(port)\(path)")
        request.headers.add(name: "User-Agent", value: "kube-probe/1.32")
        request.headers.add(name: "Accept", value: "*/*")
        for h in get.httpHeaders ?? [] { request.headers.replaceOrAdd(name: h.name, value: h.value) }
        do {
            let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 10 * 1024)
            if (200..<400).contains(status) { return .success }
            return .failure("HTTP probe failed with statuscode: \(status)")
        } catch {
            return .failure("Get \"\(scheme)://\(host):\(port)\(path)\": \(Self.describe(error))")
        }
    }

    func tcpConnect(_ host: String, _ port: Int, timeout: Double) async -> ProbeState.Result {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.milliseconds(Int64(timeout * 1000)))
                .connect(host: host, port: port).get()
            try? await channel.close()
            return .success
        } catch {
            return .failure("dial tcp \(host):\(port): \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connect: connection refused" }
        if text.contains("connectTimeout") || text.contains("deadlineExceeded") || text.contains("Timeout") { return "context deadline exceeded (Client.Timeout exceeded while awaiting headers)" }
        return text
    }
}

