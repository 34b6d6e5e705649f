import AsyncHTTPClient
import ClusterLogs
import Foundation
import Logging

/// Where the cluster's logs go (`controlplane serve --log-store`): the
/// embedded store (``LogStore``, `DATA_DIR/logs.db`), kept within
/// `--log-retention` and `--log-retention-size`; or, with
/// `--log-forward-url`, an external Loki that pushes are passed to.
public struct ClusterLogConfiguration: Sendable {
    /// Lines older than this are dropped (seconds; default 7 days).
    public var retention: Double = 7 * 86400
    /// The store is kept under this size (bytes; default 1 GiB).
    public var retentionBytes: Int64 = 1 << 30
    /// A Loki base URL (`http://loki:3100`) pushes are forwarded to instead of stored.
    public var forwardURL: String?

    public init() {}
}

final class ClusterLogService: Sendable {
    let store: LogStore?
    let forwardURL: String?
    /// Forwards pushes (with the system's trust store), when `forwardURL` is set.
    let http: HTTPClient?
    let configuration: ClusterLogConfiguration
    let logger: Logger

    init(dataDir: URL, configuration: ClusterLogConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        forwardURL = configuration.forwardURL
        store = configuration.forwardURL == nil ? try LogStore(path: dataDir.appendingPathComponent("logs.db").path) : nil
        http = configuration.forwardURL == nil ? nil : HTTPClient(eventLoopGroupProvider: .singleton)
    }

    func shutdown() async {
        try? await http?.shutdown()
    }

    /// Applies retention every minute until cancelled.
    func run() async {
        guard let store else { return }
        while !Task.isCancelled {
            do {
                let removed = try await store.enforceRetention(maxAge: configuration.retention, maxBytes: configuration.retentionBytes)
                if removed > 0 { logger.info("log store: retention dropped \(removed) lines") }
            } catch {
                logger.warning("log store: retention failed: \(error)")
            }
            try? await Task.sleep(for: .seconds(60))
        }
    }
}
