import ArgumentParser
import Foundation
import Logging
import MiniControlPlane
import ServiceLifecycle

/// `controlplane`: the Kubernetes API server (and, later, scheduler and controllers).
@main
struct ControlPlaneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controlplane",
        abstract: "Kubernetes API server with embedded SQLite or etcd storage.")

    @Option(help: "State directory: certificates, tokens, admin.kubeconfig, SQLite database.")
    var dataDir: String

    @Option(help: "Address to serve HTTPS on.")
    var bindAddress = "127.0.0.1"

    @Option(help: "HTTPS port.")
    var securePort = 6443

    @Option(help: "etcd://host:2379[,host:2379] to store in etcd instead of SQLite.")
    var datastore: String?

    @Option(help: "Service cluster IP range.")
    var serviceCIDR = "10.96.0.0/12"

    @Option(help: "Pod network range; nodes get a /24 each.")
    var clusterCIDR = "10.244.0.0/16"

    @Option(help: "How long a node may go without a heartbeat before it is NotReady (e.g. 40s).")
    var nodeMonitorGracePeriod = "40s"

    @Option(help: "tolerationSeconds of the default not-ready toleration added to pods.")
    var defaultNotReadyTolerationSeconds: Int64 = 300

    @Option(help: "tolerationSeconds of the default unreachable toleration added to pods.")
    var defaultUnreachableTolerationSeconds: Int64 = 300

    @Option(name: .customLong("tls-san"), help: "Extra subject alternative name for the serving certificate (repeatable).")
    var tlsSAN: [String] = []

    @Option(help: "How long events are kept (e.g. 1h).")
    var eventTTL = "1h"

    @Option(help: "Interval between watch bookmarks (e.g. 15s).")
    var watchBookmarkInterval = "15s"

    @Option(help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "controlplane")
        guard let grace = ControlPlaneConfiguration.parseDuration(nodeMonitorGracePeriod) else {
            throw ValidationError("invalid --node-monitor-grace-period \(nodeMonitorGracePeriod)")
        }
        guard let bookmarks = ControlPlaneConfiguration.parseDuration(watchBookmarkInterval), bookmarks > .zero else {
            throw ValidationError("invalid --watch-bookmark-interval \(watchBookmarkInterval)")
        }
        var config = ControlPlaneConfiguration(dataDir: URL(fileURLWithPath: dataDir))
        config.watchBookmarkInterval = bookmarks
        guard let ttl = ControlPlaneConfiguration.parseDuration(eventTTL) else {
            throw ValidationError("invalid --event-ttl \(eventTTL)")
        }
        config.eventTTL = ttl
        config.bindAddress = bindAddress
        config.securePort = securePort
        config.datastore = datastore
        config.serviceCIDR = serviceCIDR
        config.clusterCIDR = clusterCIDR
        config.nodeMonitorGracePeriod = grace
        config.defaultNotReadyTolerationSeconds = defaultNotReadyTolerationSeconds
        config.defaultUnreachableTolerationSeconds = defaultUnreachableTolerationSeconds
        config.tlsSANs = tlsSAN
        let service = ControlPlaneService(controlPlane: ControlPlane(configuration: config, logger: logger))
        let group = ServiceGroup(configuration: .init(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Runs the control plane until a shutdown signal arrives.
struct ControlPlaneService: Service {
    let controlPlane: ControlPlane
    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await controlPlane.run() }
        } catch is CancellationError {
            // A shutdown signal during start-up (waiting for storage) is a clean stop.
        }
    }
}
