import Foundation
import KubeAPI
public import HTTPServing
import Logging
import NIOHTTP1
import Runtime
import Streaming

/// The kubelet's streaming routes, as kube-apiserver calls them:
///
///     GET|POST /exec/NS/POD/CONTAINER?command=…&input=1&output=1&error=1&tty=1
///     GET|POST /attach/NS/POD/CONTAINER?input=1&output=1&error=1&tty=1
///     GET|POST /portForward/NS/POD
///
/// (the API server's own parameter names `stdin`/`stdout`/`stderr` work too).
/// Each answers 101 in one of the protocols kubectl speaks, chosen from the
/// request: a websocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`, and SPDY
/// tunnelled as `SPDY/3.1+portforward.k8s.io`) or SPDY/3.1
/// (`v4.channel.k8s.io`, `portforward.k8s.io`); problems found before the
/// upgrade are answered with a Status and its HTTP code.
public struct StreamingServer: Sendable {
    let containers: ContainerManager
    let pods: @Sendable () async -> [Pod]
    let logger: Logger

    init(containers: ContainerManager, pods: @escaping @Sendable () async -> [Pod], logger: Logger) {
        self.containers = containers
        self.pods = pods
        self.logger = logger
    }

    /// Handles a streaming route (`parts` is the split path), or returns nil
    /// when the path is not one.
    public func handle(_ request: HTTPRequest, parts: [String]) async -> HTTPResponse? {
        guard let route = parts.first, ["exec", "attach", "portForward"].contains(route) else { return nil }
        guard request.method == .GET || request.method == .POST else {
            return Self.refuse(StreamRequestError(code: 405, reason: "MethodNotAllowed", message: "method \(request.method) is not allowed"))
        }
        do {
            switch route {
            case "exec" where parts.count == 4: return try await exec(request, namespace: parts[1], pod: parts[2], container: parts[3])
            case "attach" where parts.count == 4: return try await attach(request, namespace: parts[1], pod: parts[2], container: parts[3])
            case "portForward" where parts.count == 3 || parts.count == 4: return try await portForward(request, namespace: parts[1], pod: parts[2])
            default: return Self.refuse(.notFound("404 page not found"))
            }
        } catch {
            return Self.refuse(error)
        }
    }

    func exec(_ request: HTTPRequest, namespace: String, pod: String, container: String) async throws(StreamRequestError) -> HTTPResponse {
        let command = request.query["command"] ?? []
        guard !command.isEmpty else { throw .badRequest("you must specify at least one command for the container") }
        let options = RemoteCommandOptions(query: request.query)
        let target = try await runningContainer(namespace: namespace, pod: pod, container: container)
        let runner = ContainerExec(runtime: containers.runtime)
        logger.debug("exec \(command) in \(namespace)/\(pod)/\(container) (\(target.id))")
        return try remoteCommand(request, options: options) { streams in
            await runner.run(containerID: target.id, command: command, streams: streams)
        }
    }

    func attach(_ request: HTTPRequest, namespace: String, pod: String, container: String) async throws(StreamRequestError) -> HTTPResponse {
        var options = RemoteCommandOptions(query: request.query)
        // Our containers' output is never a terminal; attach without one.
        options.tty = false
        let target = try await runningContainer(namespace: namespace, pod: pod, container: container)
        let runner = ContainerAttach(runtime: containers.runtime)
        return try remoteCommand(request, options: options, negotiatedTTY: RemoteCommandOptions(query: request.query).tty) { streams in
            await runner.run(containerID: target.id, logPath: target.logPath, streams: streams)
        }
    }

    func portForward(_ request: HTTPRequest, namespace: String, pod name: String) async throws(StreamRequestError) -> HTTPResponse {
        let pod = try await findPod(namespace: namespace, name: name)
        guard let uid = pod.metadata.uid else { throw .notFound("pod \"\(name)\" has no uid yet") }
        guard let running = containers.observe(podUID: uid).first(where: { $0.isRunning }) else {
            throw .badRequest("pod \(name) has no running container to forward to")
        }
        let netns = Self.networkNamespace(of: (try? containers.runtime.record(id: running.id))?.spec)
        let forwarder = PodPortForward(netns: netns, podName: name)
        let forward: PortForwardServer.Forward = { port, stream in try await forwarder.forward(port: port, stream: stream) }
        let tunnel = StreamProtocol.spdyTunnelPrefix + StreamProtocol.portForward
        switch StreamNegotiation.negotiate(request.headers, websocket: [tunnel], spdy: [StreamProtocol.portForward]) {
        case .failure(let error):
            throw error
        case .success(let negotiated):
            return .upgrade(headers: negotiated.responseHeaders) { connection in
                let transport = Self.transport(connection)
                if case .websocket = negotiated {
                    await PortForwardServer.serveSPDY(WebSocketConnection(transport: transport).tunnel, forward: forward)
                } else {
                    await PortForwardServer.serveSPDY(transport, forward: forward)
                }
            }
        }
    }

    /// The path of the network namespace a container joined (nil: the host's).
    static func networkNamespace(of spec: Spec?) -> String? {
        spec?.linux?.namespaces?.first { $0.type == "network" }?.path
    }

    /// Negotiates exec/attach and returns the 101 that runs `handler`.
    func remoteCommand(_ request: HTTPRequest, options: RemoteCommandOptions, negotiatedTTY: Bool? = nil,
                       handler: @escaping RemoteCommandServer.Handler) throws(StreamRequestError) -> HTTPResponse {
        switch StreamNegotiation.negotiate(request.headers, websocket: StreamProtocol.remoteCommandWebSocket,
                                           spdy: StreamProtocol.remoteCommandSPDY) {
        case .failure(let error):
            throw error
        case .success(let negotiated):
            // The client opens its streams from what it asked for (a resize stream with -t).
            var clientView = options
            if let negotiatedTTY { clientView.tty = negotiatedTTY }
            let streamTypes = clientView.spdyStreamTypes
            return .upgrade(headers: negotiated.responseHeaders) { connection in
                let transport = Self.transport(connection)
                switch negotiated {
                case .websocket(let name, _):
                    await RemoteCommandServer.serveWebSocket(transport, protocolName: name, options: options, handler: handler)
                case .spdy:
                    await RemoteCommandServer.serveSPDY(transport, options: options, streamTypes: streamTypes, handler: handler)
                }
            }
        }
    }

    static func transport(_ connection: UpgradedConnection) -> ByteTransport {
        ByteTransport(read: { try await connection.read() }, write: { try await connection.write($0) })
    }

    /// A container to exec into or attach to: it must exist and run.
    struct Target {
        var id: String
        var logPath: String
    }

    func findPod(namespace: String, name: String) async throws(StreamRequestError) -> Pod {
        guard let pod = await pods().first(where: { $0.metadata.namespace == namespace && $0.metadata.name == name }) else {
            throw .notFound("pod \"\(name)\" in namespace \"\(namespace)\" is not on this node")
        }
        return pod
    }

    func runningContainer(namespace: String, pod name: String, container: String) async throws(StreamRequestError) -> Target {
        let pod = try await findPod(namespace: namespace, name: name)
        guard let uid = pod.metadata.uid else { throw .notFound("pod \"\(name)\" has no uid yet") }
        guard pod.spec?.allContainers.contains(where: { $0.name == container }) == true else {
            throw .notFound("container not found (\"\(container)\") in pod \"\(name)\"")
        }
        let attempts = containers.observe(podUID: uid).filter { $0.name == container }.sorted { $0.attempt < $1.attempt }
        guard let latest = attempts.last else {
            throw .badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: ContainerCreating")
        }
        guard latest.isRunning else {
            throw .badRequest("container \"\(container)\" in pod \"\(name)\" is not running")
        }
        return Target(id: latest.id, logPath: containers.logPath(pod, container: container, attempt: latest.attempt))
    }

    static func refuse(_ error: StreamRequestError) -> HTTPResponse {
        .status(Status(message: error.message, reason: error.reason, code: error.code))
    }
}
