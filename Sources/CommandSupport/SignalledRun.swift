public import Logging
import ServiceLifecycle

/// Runs a long-running component under ServiceLifecycle's `ServiceGroup`
/// until it returns or SIGTERM/SIGINT asks for a graceful shutdown, which
/// cancels `body` (each component stops its own work on cancellation).
///
/// ```swift
/// try await runUntilSignalled(logger: logger, stopping: "pods keep running") { try await kubelet.run() }
/// ```
///
/// - Parameters:
///   - stopping: what stays behind after the stop, logged with the signal.
public func runUntilSignalled(logger: Logger, stopping: String? = nil, _ body: @escaping @Sendable () async throws -> Void) async throws {
    let service = SignalledService(logger: logger, stopping: stopping, body: body)
    // A component that returns by itself (its work done) ends the group cleanly too.
    let configuration = ServiceGroupConfiguration(
        services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup)],
        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await ServiceGroup(configuration: configuration).run()
}

/// One component as a `Service`: cancelled when the group shuts down.
struct SignalledService: Service {
    let logger: Logger
    let stopping: String?
    let body: @Sendable () async throws -> Void

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await body() }
        } catch is CancellationError where Task.isShuttingDownGracefully {
            // A signal during start-up is a clean stop too.
        }
        if Task.isShuttingDownGracefully {
            logger.info("received a shutdown signal; stopping\(stopping.map { " (\($0))" } ?? "")")
        }
    }
}
