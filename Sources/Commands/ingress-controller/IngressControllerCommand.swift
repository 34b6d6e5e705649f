import ArgumentParser
import HTTPServing
import CommandSupport
import ControllerRuntime
import Foundation
import Ingress
import KubeAPI
import Logging

/// `ingress-controller`: serves the cluster's Ingresses of one class as an
/// HTTP/1.1, HTTP/2 and TLS (SNI) reverse proxy to their Services' ready
/// endpoints, with flags named as ingress-nginx's.
@main
@available(macOS 10.15, macCatalyst 13, iOS 13, tvOS 13, watchOS 6, *)
struct IngressControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingress-controller",
        abstract: "Routes HTTP and HTTPS to Services by the cluster's Ingresses (class swiftkube by default).",
        discussion: """
            As a node component, on the node's address:
              ingress-controller --kubeconfig ingress.kubeconfig --publish-status-address 10.0.0.11
            Without an API server, from a List of Ingresses, Services, EndpointSlices and Secrets:
              ingress-controller --static-config routes.yaml --http-port 8080 --https-port=-1
            """)

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .customLong("ingress-class"), help: "The IngressClass name served.") var ingressClass = "swiftkube"
    @Option(help: "spec.controller of the IngressClasses served.") var controllerClass = IngressClassFilter.defaultController
    @Flag(name: .customLong("watch-ingress-without-class"), help: "Also serve ingresses that name no class.") var watchWithoutClass = false
    @Option(name: .customLong("watch-namespace"), help: "Serve only this namespace (default: all).") var watchNamespace: String?
    @Option(name: .customLong("http-port"), help: "Port for HTTP (0 picks one).") var httpPort = 80
    @Option(name: .customLong("https-port"), help: "Port for HTTPS (0 picks one, -1 disables).") var httpsPort = 443
    @Option(name: .customLong("bind-address"), help: "Address to listen on.") var bindAddress = "0.0.0.0"
    @Option(name: .customLong("publish-service"), help: "NAMESPACE/NAME of a Service whose load balancer addresses go into each ingress's status.")
    var publishService: String?
    @Option(name: .customLong("publish-status-address"), help: "Comma-separated IPs or host names to write into each ingress's status (overrides --publish-service).")
    var publishStatusAddress: String?
    @Option(name: .customLong("default-ssl-certificate"), help: "CERT.pem,KEY.pem served when no ingress's Secret matches (default: a self-signed one).")
    var defaultCertificate: String?
    @Option(name: .customLong("proxy-connect-timeout"), help: "Seconds to wait for a backend connection.") var connectTimeout = 5.0
    @Option(name: .customLong("proxy-read-timeout"), help: "Seconds to wait for each read from a backend.") var readTimeout = 60.0
    @Option(name: .customLong("shutdown-grace-period"), help: "Seconds SIGTERM waits for in-flight requests.") var gracePeriod = 10.0
    @Option(help: "Event-loop threads (default: one per core).") var threads: Int?
    @Option(name: .customLong("static-config"), help: "Route from this List file instead of an API server.") var staticConfig: String?
    @Option(name: .customLong("log-level")) var logLevel = "info"
    @Option(name: .customLong("metrics-bind-address"), help: "IP:PORT to serve Prometheus metrics on at /metrics (and /healthz), named as ingress-nginx names them (it serves :10254); empty serves none.")
    var metricsBindAddress = ""

    func run() async throws {
        bootstrapLogging(level: logLevel)
        let logger = Logger(label: "ingress-controller")
        guard connectTimeout > 0, readTimeout > 0, gracePeriod >= 0 else { throw ValidationError("timeouts must be positive") }
        let filter = IngressClassFilter(controller: controllerClass, className: ingressClass, watchWithoutClass: watchWithoutClass)
        let store = RoutingTableStore()
        var pair: (certificatePEM: String, keyPEM: String)?
        if let defaultCertificate {
            let files = defaultCertificate.split(separator: ",").map(String.init)
            guard files.count == 2, let cert = try? String(contentsOfFile: files[0], encoding: .utf8),
                  let key = try? String(contentsOfFile: files[1], encoding: .utf8) else {
                throw ValidationError("--default-ssl-certificate wants CERT.pem,KEY.pem, both readable")
            }
            pair = (cert, key)
        }
        let tls = try TLSContextStore(store: store, defaultCertificate: pair)
        let metrics = metricsBindAddress.isEmpty ? nil : IngressMetrics(controllerClass: controllerClass)
        let statusServer = try metrics.map { metrics in
            guard let (host, port) = StatusServer.parseAddress(metricsBindAddress) else {
                throw ValidationError("--metrics-bind-address \(metricsBindAddress) is not IP:PORT")
            }
            return StatusServer(host: host, port: port, logger: logger, purpose: "serving /metrics and /healthz") { _, path in
                switch path {
                case "/metrics": .init(status: 200, contentType: PrometheusExposition.contentType, body: metrics.render())
                case "/healthz": .init(status: 200, body: "ok")
                default: .init(status: 404, body: "404 page not found\n")
                }
            }
        }
        let proxy = ProxyServer(
            configuration: ProxyConfiguration(bindAddress: bindAddress, httpPort: httpPort < 0 ? nil : httpPort,
                                              httpsPort: httpsPort < 0 ? nil : httpsPort, connectTimeout: connectTimeout,
                                              readTimeout: readTimeout, shutdownGracePeriod: gracePeriod),
            store: store, tls: tls, logger: logger, threads: threads ?? ProcessInfo.processInfo.activeProcessorCount, metrics: metrics)

        if let staticConfig {
            let (table, problems) = try StaticConfiguration.load(path: staticConfig, filter: filter)
            for p in problems { logger.warning("ingress \(p.ingress): \(p.message)") }
            store.replace(table)
            logger.info("routing \(table.routes.count) paths from \(staticConfig)")
            try await runUntilSignalled(logger: logger) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await proxy.run() }
                    if let statusServer { group.addTask { try await statusServer.run() } }
                    try await group.next()
                    group.cancelAll()
                    try await group.waitForAll()
                }
            }
            return
        }

        var config = try connection.kubeConfig()
        config.userAgent = "ingress-controller/v1.32.0 (swiftkube)"
        let client = try KubeClient(config: config)
        let addresses = (publishStatusAddress ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let controller = IngressController(client: KubeClusterClient(client), store: store, filter: filter,
                                           publisher: IngressStatusPublisher(addresses: addresses, publishService: publishService),
                                           namespace: watchNamespace, logger: logger)
        logger.info("ingress class \(ingressClass) (controller \(controllerClass)) from \(config.server)")
        do {
            try await runUntilSignalled(logger: logger) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await proxy.run() }
                    group.addTask { await controller.run() }
                    if let statusServer { group.addTask { try await statusServer.run() } }
                    try await group.next()
                    group.cancelAll()
                    try await group.waitForAll()
                }
            }
        } catch {
            await client.shutdown()
            throw error
        }
        await client.shutdown()
        logger.info("stopped")
    }
}
