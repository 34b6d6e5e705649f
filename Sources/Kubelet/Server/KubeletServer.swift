import Foundation
public import KubeAPI
import HTTPServing
import NIOCore
import NIOHTTP1
import NIOSSL
public import Logging

/// The kubelet API on :10250, over HTTPS: the API server proxies `kubectl
/// logs` here with its kubelet client certificate, signed by the cluster CA
/// that this server trusts (`--client-ca-file`, default the `--ca-file` the
/// kubelet joined with); Prometheus scrapes it with a service account's
/// token. Who may do what is ``KubeletAuth``'s to say; nodectl's Unix
/// socket (root only) is not asked.
///
///     GET /healthz                                  ok
///     GET /pods                                     PodList of this node's pods
///     GET /containerLogs/NS/POD/CONTAINER?…         the container's log (follow, tailLines, …)
///     GET /stats/summary                            node, pod and container usage (stats/v1alpha1)
///     GET /metrics/resource                         the same as Prometheus samples
///     GET /metrics                                  the kubelet's own metrics
///     GET /metrics/cadvisor                         container metrics as cAdvisor names them
///     GET|POST /exec, /attach, /portForward/…       streaming (see ``StreamingServer``)
public struct KubeletServer: Sendable {
    public let port: Int
    let logs: ContainerLogs
    let pods: @Sendable () async -> [Pod]
    let stats: StatsProvider?
    let metrics: (@Sendable () async -> [UInt8])?
    let tls: NIOSSLContext
    let auth: KubeletAuth
    let logger: Logger

    public init(port: Int, certificatePEM: String, keyPEM: String, clientCAPEM: String?, logs: ContainerLogs,
                pods: @escaping @Sendable () async -> [Pod], stats: StatsProvider? = nil,
                metrics: (@Sendable () async -> [UInt8])? = nil, servingCertificate: ServingCertificateHolder? = nil,
                auth: KubeletAuth, logger: Logger) throws {
        var config = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)))
        if let servingCertificate {
            // Each handshake presents the holder's current certificate (rotation).
            config.sslContextCallback = { _, promise in promise.succeed(servingCertificate.configuration) }
        }
        if let clientCAPEM {
            // Certificates are requested, never required (a token will do); KubeletAuth verifies them.
            config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(clientCAPEM.utf8)))
            config.certificateVerification = .optionalVerification
        }
        acceptsClientCertificates = clientCAPEM != nil
        tls = try NIOSSLContext(configuration: config)
        self.port = port
        self.logs = logs
        self.pods = pods
        self.stats = stats
        self.metrics = metrics
        self.auth = auth
        self.logger = logger
        streaming = StreamingServer(containers: logs.containers, pods: pods, logger: logger)
    }

    let streaming: StreamingServer
    let acceptsClientCertificates: Bool

    /// Serves until cancelled.
    public func run(host: String = "0.0.0.0") async throws {
        let server = HTTPServer(host: host, port: port, tls: tls, maxBodyBytes: 64 * 1024,
                                acceptsClientCertificates: acceptsClientCertificates, logger: logger) { request in
            if let refused = await self.auth.check(request) { return refused }
            return await self.handle(request)
        }
        try await server.run()
    }

    /// Serves the same API as plain HTTP on a root-only Unix socket (what
    /// `nodectl` talks to on the node), until cancelled.
    public func run(unixSocket path: String) async throws {
        let server = HTTPServer(host: "", port: 0, tls: tls, maxBodyBytes: 64 * 1024, logger: logger) { request in
            await self.handle(request)
        }
        try await server.run(unixSocket: path)
    }

    func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        if let response = await streaming.handle(request, parts: parts) { return response }
        guard request.method == .GET else { return .text("method not allowed\n", status: .methodNotAllowed) }
        switch parts.first {
        case "healthz":
            return .text("ok")
        case "pods":
            let items = await pods().map { KubeCodec.encodeObject($0) }
            let list: JSONValue = .object(["kind": .string("PodList"), "apiVersion": .string("v1"), "metadata": .object([:]), "items": .array(items)])
            return .jsonBytes(JSONWriter.bytes(list))
        case "stats" where parts.count == 2 && parts[1] == "summary":
            guard let stats else { return .text("404 page not found\n", status: .notFound) }
            return .json(await stats.summary())
        case "metrics" where parts.count == 2 && parts[1] == "resource":
            guard let stats else { return .text("404 page not found\n", status: .notFound) }
            return .text(ResourceMetrics.render(await stats.summary()), contentType: PrometheusExposition.contentType)
        case "metrics" where parts.count == 2 && parts[1] == "cadvisor":
            guard let stats else { return .text("404 page not found\n", status: .notFound) }
            let summary = await stats.summary()
            var running: [String: [String: CadvisorMetrics.ContainerInfo]] = [:]
            for (uid, list) in logs.containers.all() {
                for c in list where c.isRunning { running[uid, default: [:]][c.name] = .init(id: c.id, image: c.image) }
            }
            let text = CadvisorMetrics.render(summary, containers: running, device: stats.rootDirectory,
                                              machineCores: MachineInfo.cpus, machineMemory: MachineInfo.memory,
                                              blockIO: await stats.blockIO)
            return .text(text, contentType: PrometheusExposition.contentType)
        case "metrics" where parts.count == 1:
            guard let metrics else { return .text("404 page not found\n", status: .notFound) }
            return HTTPResponse(status: .ok, headers: ["Content-Type": PrometheusExposition.contentType], body: .bytes(await metrics()))
        case "containerLogs" where parts.count == 4:
            do {
                let r = try ContainerLogs.Request(namespace: parts[1], pod: parts[2], container: parts[3], query: request.query)
                _ = try await logs.locate(r)
                return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: .stream({ writer in
                    try await logs.stream(r) { bytes in try await writer.write(bytes) }
                }))
            } catch {
                return .text(error.description + "\n", status: HTTPResponseStatus(statusCode: error.code))
            }
        default:
            return .text("404 page not found\n", status: .notFound)
        }
    }
}
